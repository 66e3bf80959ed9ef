"""The read path of monitoring: a programme's definition and settings, a person's current
enrolments, their recent readings, and the care team's alerts."""

from datetime import date, timedelta

from django.conf import settings as django_settings
from django.db.models import QuerySet

from coproduce.people.access import Actor

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


def current_enrolments(person_id) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person_id=person_id, ended_at__isnull=True).select_related(
        "programme", "organisation"
    )


def earlier_readings(
    enrolment_ids, first_day: date, last_day: date
) -> dict[object, list[rules.Reading]]:
    """Each enrolment's daily check-ins (not re-measures) from first_day to last_day."""
    readings: dict[object, list[rules.Reading]] = {}
    rows = CheckIn.objects.filter(
        enrolment_id__in=enrolment_ids,
        day__gte=first_day,
        day__lte=last_day,
        remeasure_for__isnull=True,
    ).values_list("enrolment_id", "day", "answers")
    for enrolment_id, day, answers in rows:
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
