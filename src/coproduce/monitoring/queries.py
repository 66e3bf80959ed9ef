"""The read path of monitoring: a programme's definition and settings, a person's current
enrolments, their recent readings, and the care team's alerts."""

from datetime import date, timedelta

from django.conf import settings as django_settings
from django.db.models import QuerySet

from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from coproduce.sql_rows import Columns, among, cursor, parameter

from . import rules
from .models import Alert, CareTeamMember, CheckIn, Enrolment, Programme
from .programmes import BUILT_IN
from .programmes import Programme as Definition
from .standards.fhir_questionnaire import programme_from_questionnaire

# The trend rules look back this far (heart failure: d-3 to d-1).
TREND_DAYS = 3

_definitions: dict[tuple[int, str], Definition] = {}


def programme_definition(programme: Programme) -> Definition:
    """The programme's questions, settings, schedule and response times (cached per process
    by the row's definition stamp, so an imported change is never read stale)."""
    cache_key = (programme.pk, str(programme.definition_stamp))
    definition = _definitions.get(cache_key)
    if definition is None:
        definition = _read_definition(programme)
        _definitions[cache_key] = definition
    return definition


def _read_definition(programme: Programme) -> Definition:
    # A built-in programme is its definition in code (always the current one); an imported
    # one is the Questionnaire it was imported from.
    if programme.questionnaire:
        return programme_from_questionnaire(programme.questionnaire)
    return BUILT_IN[programme.key]


def site_url() -> str:
    return django_settings.COPRODUCE_SITE_URL


def working_days_country() -> str:
    return django_settings.COPRODUCE_WORKING_DAYS_COUNTRY


def effective_settings(programme: Programme, enrolment: Enrolment | None = None) -> dict:
    """The thresholds the rules read: the definition's defaults, the programme's changes,
    then the person's own."""
    overrides = dict(programme.settings)
    if enrolment is not None:
        overrides.update(enrolment.settings)
    return rules.clean_settings(programme_definition(programme), overrides)


# Read for every check-in (hand-written: see coproduce.sql_rows). A programme's Questionnaire
# is read only when its definition is not cached (programme_definition); what a check-in
# never reads is left out (a time read back costs more than a number: Django's loader for
# times with a zone is Python).
_PROGRAMME = Columns(Programme, "programme", leave_out=["questionnaire", "created_at"])
_ENROLMENT = Columns(
    Enrolment,
    "enrolment",
    leave_out=["enrolled_at", "enrolled_by_label", "ended_by_label", "end_reason"],
)
_ORGANISATION = Columns(Organisation, "organisation")
_READING = Columns(CheckIn, "check_in", only=["enrolment", "day", "answers"])
_PROGRAMMES = Programme._meta.db_table
_ENROLMENTS = Enrolment._meta.db_table


def programme_with_key(key: str) -> Programme | None:
    with cursor() as reading:
        reading.execute(
            f"SELECT {_PROGRAMME.select_list()} FROM {_PROGRAMMES} programme "  # noqa: S608 - names are the models', values parameters
            "WHERE programme.key = %s",
            [key],
        )
        row = reading.fetchone()
    return _PROGRAMME.instance(row) if row else None


def current_enrolments_of(person_ids) -> list[Enrolment]:
    """These people's current enrolments, each with its programme and organisation."""
    ids = [parameter(Enrolment._meta.get_field("person"), pk) for pk in set(person_ids)]
    if not ids:
        return []
    whose, parameters = among("enrolment.person_id", ids)
    with cursor() as reading:
        reading.execute(
            f"SELECT {_ENROLMENT.select_list()}, {_PROGRAMME.select_list()}, "  # noqa: S608 - names are the models', values parameters
            f"{_ORGANISATION.select_list()} FROM {_ENROLMENTS} enrolment "
            f"JOIN {_PROGRAMMES} programme ON programme.id = enrolment.programme_id "
            f"JOIN {Organisation._meta.db_table} organisation "
            "ON organisation.id = enrolment.organisation_id "
            f"WHERE enrolment.ended_at IS NULL AND {whose}",
            parameters,
        )
        rows = reading.fetchall()
    programme_starts = len(_ENROLMENT)
    organisation_starts = programme_starts + len(_PROGRAMME)
    enrolments = []
    for row in rows:
        enrolment = _ENROLMENT.instance(row[:programme_starts])
        enrolment.programme = _PROGRAMME.instance(row[programme_starts:organisation_starts])
        enrolment.organisation = _ORGANISATION.instance(row[organisation_starts:])
        enrolments.append(enrolment)
    return enrolments


def current_enrolments(person_id) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person_id=person_id, ended_at__isnull=True).select_related(
        "programme", "organisation"
    )


def earlier_readings(
    enrolment_ids, first_day: date, last_day: date
) -> dict[object, list[rules.Reading]]:
    """Each enrolment's daily check-ins (not re-measures) from first_day to last_day."""
    readings: dict[object, list[rules.Reading]] = {}
    ids = [parameter(CheckIn._meta.get_field("enrolment"), pk) for pk in set(enrolment_ids)]
    if not ids:
        return readings
    day_field = CheckIn._meta.get_field("day")
    whose, parameters = among("check_in.enrolment_id", ids)
    with cursor() as reading:
        reading.execute(
            f"SELECT {_READING.select_list()} FROM {CheckIn._meta.db_table} check_in "  # noqa: S608 - names are the models', values parameters
            f"WHERE {whose} AND check_in.day >= %s AND check_in.day <= %s "
            "AND check_in.remeasure_for_id IS NULL",
            [*parameters, parameter(day_field, first_day), parameter(day_field, last_day)],
        )
        rows = reading.fetchall()
    for row in rows:
        enrolment_id, day, answers = _READING.values(row)
        readings.setdefault(enrolment_id, []).append(rules.Reading(on=day, answers=answers))
    return readings


def trend_start(day: date) -> date:
    return day - timedelta(days=TREND_DAYS)


def current_team(enrolment: Enrolment) -> list[CareTeamMember]:
    return list(
        enrolment.team.filter(removed_at__isnull=True).select_related("user").order_by("position")
    )


def is_on_team(actor: Actor, enrolment: Enrolment) -> bool:
    return (
        actor.user is not None
        and actor.user.is_authenticated
        and enrolment.team.filter(user=actor.user, removed_at__isnull=True).exists()
    )


def open_alerts_for(actor: Actor) -> QuerySet[Alert]:
    """The alerts of the enrolments the actor is on the care team of, open ones first by due
    time (the clinician's queue)."""
    if actor.user is None or not actor.user.is_authenticated:
        return Alert.objects.none()
    teams = CareTeamMember.objects.filter(user=actor.user, removed_at__isnull=True).values(
        "enrolment_id"
    )
    return (
        Alert.objects.filter(enrolment_id__in=teams, closed_at__isnull=True)
        .select_related("person", "enrolment__programme", "assigned_to", "check_in")
        .order_by("due_at")
    )
