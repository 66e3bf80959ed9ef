"""The only write path for monitoring. Each state change is one function and one transaction,
permission-checked and audited.

A check-in is scored as it arrives, with the thresholds then in force, by the same pure
function the `score` command uses (rules.assess); an amber or red one raises its alert in
the same transaction, so no warning is stored without its alert. Check-ins are recorded in
batches (`record_check_ins`: a device gateway's Bundle, or one from a page): one query per
step for the whole batch, so a batch of thousands costs about what one does.
"""

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce import events
from coproduce.errors import Conflict, NotAllowed, invalid_fields
from coproduce.inserts import insert_all, insert_new
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    access_person,
    audit_change,
    audit_row,
    citizen_access,
    current_roles,
    in_organisation_tree,
    in_organisations_care_among,
    organisation_and_children,
    person_access,
)
from coproduce.people.models import (
    AuditEvent,
    CareRelationship,
    Organisation,
    RecordCategory,
    Role,
    User,
)

from . import escalation, queries, reasons, rules, timing
from .models import (
    Alert,
    AlertStep,
    CareTeamMember,
    CheckIn,
    CheckInDraft,
    Enrolment,
    MissedDay,
    Programme,
    SettingChange,
)
from .programmes import BUILT_IN, Colour
from .standards.fhir_questionnaire import (
    QuestionnaireError,
    programme_from_questionnaire,
    questionnaire_from_programme,
)

SYSTEM_LABEL = "Coproduce (automatic)"
# How far back a device may send a reading it could not send at the time.
LATEST_DELAY = timedelta(days=2)


# --- programmes ----------------------------------------------------------------------------


def ensure_builtin_programmes(using: str = "default", **_) -> None:
    """Run after every migrate: the built-in programmes exist. A migration back to before
    monitoring's tables (a test of an older migration) has none to fill."""
    if Programme._meta.db_table not in connections[using].introspection.table_names():
        return
    for definition in BUILT_IN.values():
        Programme.objects.using(using).get_or_create(
            key=definition.key,
            defaults={
                "title": definition.title,
                "scoring": definition.scoring.value,
                "questionnaire": {},
            },
        )


@transaction.atomic
def import_programme(
    actor: Actor, *, questionnaire, organisation_id: int | None = None
) -> Programme:
    """An organisation's own programme from a FHIR R4 Questionnaire, by a clinician or an
    organisation admin there (or the organisation's write token). Importing the same
    definition again changes nothing; a changed one replaces the definition (check-ins keep
    the thresholds they were scored with). A key that is built in or another organisation's
    is refused."""
    organisation = _importing_organisation(actor, organisation_id)
    try:
        definition = programme_from_questionnaire(questionnaire)
    except QuestionnaireError as error:
        raise invalid_fields({error.path or "questionnaire": [error.message]}) from None
    if len(definition.title) > 200:
        raise invalid_fields({"title": [_("Give the programme a title of up to 200 characters.")]})
    stored = questionnaire_from_programme(definition, base_url=queries.site_url())
    programme = Programme.objects.select_for_update().filter(key=definition.key).first()
    if definition.key in BUILT_IN or (
        programme is not None and programme.owner_id != organisation.pk
    ):
        raise Conflict(
            _("The programme %(key)s already exists. Give yours its own url.")
            % {"key": definition.key},
            code="programme_exists",
            fields={"url": [_("End the url with a key no other programme uses.")]},
        )
    if programme is None:
        return Programme.objects.create(
            key=definition.key,
            title=definition.title,
            scoring=definition.scoring.value,
            questionnaire=stored,
            owner=organisation,
        )
    if programme.questionnaire != stored:
        programme.title = definition.title
        programme.scoring = definition.scoring.value
        programme.questionnaire = stored
        programme.definition_stamp = uuid.uuid4()
        programme.save(update_fields=["title", "scoring", "questionnaire", "definition_stamp"])
    return programme


def _importing_organisation(actor: Actor, organisation_id: int | None) -> Organisation:
    if actor.token is not None:
        if actor.token.scope != actor.token.Scope.WRITE:
            raise NotAllowed(_("Importing a programme needs a token that may write."))
        return actor.token.organisation
    may_import = {
        role.organisation_id: role.organisation
        for role in actor.roles
        if role.kind in (Role.Kind.CLINICIAN, Role.Kind.ORGANISATION_ADMIN)
    }
    if organisation_id is None and len(may_import) == 1:
        return next(iter(may_import.values()))
    if organisation_id not in may_import:
        raise NotAllowed(_("Only clinicians and admins of an organisation import its programmes."))
    return may_import[organisation_id]


# --- enrolment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    user_id: int
    job_title: str


def _clinician_roles(actor: Actor):
    return [role for role in actor.roles if role.kind == Role.Kind.CLINICIAN]


@transaction.atomic
def enrol(
    actor: Actor,
    *,
    person_id,
    programme_key: str,
    organisation_id: int,
    team: Sequence[TeamMember],
    settings: Mapping[str, object] | None = None,
    window_opens: time | None = None,
    window_closes: time | None = None,
    time_zone: str = "",
    starts_on: date | None = None,
) -> Enrolment:
    """A clinician enrols a person they care for (consent or a care relationship in the
    health record) in a programme, with a care team at their organisation: the first member
    is the named clinician who gets the alerts. The organisation gains a care relationship."""
    programme = Programme.objects.filter(key=programme_key).first()
    problems: dict[str, list[str]] = {}
    if programme is None:
        problems["programme"] = [_("Choose one of the programmes offered.")]
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    clinician_at = {role.organisation_id for role in _clinician_roles(actor)}
    if organisation is None or not (
        organisation.pk in clinician_at or in_organisation_tree(organisation, clinician_at)
    ):
        raise NotAllowed(
            _("You can only enrol people at an organisation where you work as a clinician.")
        )
    if not team:
        problems["team"] = [_("Choose at least the named clinician for the care team.")]
    members = _team_users(organisation, team, problems)
    definition = queries.programme_definition(programme) if programme else None
    cleaned_settings: dict = {}
    if definition is not None:
        try:
            rules.clean_settings(definition, {**programme.settings, **(settings or {})})
            cleaned_settings = dict(settings or {})
        except rules.AnswerError as error:
            problems[f"settings.{error.key}"] = [error.message]
    time_zone = time_zone or _default_time_zone()
    try:
        timing.zone(time_zone)
    except (KeyError, ValueError):
        problems["time_zone"] = [_("Choose a time zone such as Europe/London.")]
    schedule = definition.schedule if definition else None
    window_opens = window_opens or (schedule.window_opens if schedule else None)
    window_closes = window_closes or (schedule.window_closes if schedule else None)
    if window_opens and window_closes and window_closes <= window_opens:
        problems["window_closes"] = [_("The window must close after it opens.")]
    if problems:
        raise invalid_fields(problems)
    access = access_person(
        actor,
        person_id,
        what=f"enrolled in monitoring: {programme.title}",
        category=RecordCategory.HEALTH,
        write=True,
    )
    if Enrolment.objects.filter(
        person=access.person, programme=programme, ended_at__isnull=True
    ).exists():
        raise Conflict(
            _("%(name)s is already enrolled in this programme.")
            % {"name": access.person.full_name},
            code="already_enrolled",
            fields={"programme": [_("Choose a programme the person is not enrolled in.")]},
        )
    enrolment = Enrolment.objects.create(
        person=access.person,
        programme=programme,
        organisation=organisation,
        settings=cleaned_settings,
        time_zone=time_zone,
        window_opens=window_opens,
        window_closes=window_closes,
        starts_on=starts_on or timing.local_day(timezone.now(), time_zone),
        enrolled_by_label=actor.label_at(organisation)[:300],
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(enrolment=enrolment, user=user, position=position, job_title=title)
        for position, (user, title) in enumerate(members, start=1)
    )
    CareRelationship.objects.get_or_create(
        person=access.person,
        organisation=organisation,
        category=RecordCategory.HEALTH,
        ends_on=None,
        defaults={"reason": f"Monitored: {programme.title}"[:200]},
    )
    events.publish("monitoring.enrolled", enrolment_id=str(enrolment.pk), programme=programme.key)
    return enrolment


def _default_time_zone() -> str:
    return timezone.get_default_timezone_name()


def _team_users(organisation: Organisation, team: Sequence[TeamMember], problems) -> list:
    """Each member must work for the organisation (or one under it) today."""
    organisations = organisation_and_children([organisation.pk])
    users = User.objects.in_bulk([member.user_id for member in team])
    members = []
    seen = set()
    for index, member in enumerate(team):
        title = (member.job_title or "").strip()
        user = users.get(member.user_id)
        if user is None or not current_roles(user).filter(organisation__in=organisations).exists():
            problems[f"team[{index}]"] = [
                _("Choose someone who works at %(organisation)s.")
                % {"organisation": organisation.name}
            ]
        elif member.user_id in seen:
            problems[f"team[{index}]"] = [_("Choose each person once.")]
        elif not title or len(title) > 200:
            problems[f"team[{index}].job_title"] = [
                _("Enter what the person will read, such as Heart failure nurse.")
            ]
        else:
            seen.add(member.user_id)
            members.append((user, title))
    return members


@transaction.atomic
def end_enrolment(actor: Actor, *, enrolment_id, reason: str) -> Enrolment:
    enrolment = _enrolment_for_team(actor, enrolment_id, what="monitoring ended")
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise invalid_fields({"reason": [_("Say why monitoring ends, up to 300 characters.")]})
    enrolment.ended_at = timezone.now()
    enrolment.ended_by_label = actor.label_at(enrolment.organisation)[:300]
    enrolment.end_reason = reason
    enrolment.save(update_fields=["ended_at", "ended_by_label", "end_reason"])
    events.publish("monitoring.enrolment_ended", enrolment_id=str(enrolment.pk))
    return enrolment


def _enrolment_for_team(actor: Actor, enrolment_id, *, what: str) -> Enrolment:
    """A current enrolment the actor is on the care team of, with the change audited; any
    other gets PersonNotFound (404), as a person the actor may not see."""
    enrolment = _find(
        Enrolment.objects.filter(ended_at__isnull=True).select_related(
            "programme", "organisation", "person"
        ),
        enrolment_id,
    )
    if enrolment is None or not queries.is_on_team(actor, enrolment):
        raise PersonNotFound
    access_person(actor, enrolment.person_id, what=what, category=RecordCategory.HEALTH, write=True)
    return enrolment


def _find(queryset, pk):
    """The row with this id, or None, also for an id that cannot be one (not a UUID)."""
    try:
        return queryset.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


# --- thresholds ----------------------------------------------------------------------------


@transaction.atomic
def change_settings(
    actor: Actor,
    *,
    values: Mapping[str, object],
    why: str,
    enrolment_id=None,
    programme_key: str | None = None,
) -> list[SettingChange]:
    """Change thresholds for one person (a member of their care team) or for a programme (a
    clinician at the organisation that owns it; the built-in ones belong to the platform and
    are changed per person). Every change is recorded with who and why."""
    why = (why or "").strip()
    if not why or len(why) > 500:
        raise invalid_fields({"why": [_("Say why the threshold changes, up to 500 characters.")]})
    if enrolment_id is not None:
        enrolment = _enrolment_for_team(actor, enrolment_id, what="monitoring thresholds changed")
        programme = enrolment.programme
        current = enrolment.settings
    else:
        enrolment = None
        programme = Programme.objects.filter(key=programme_key).first()
        owners = {role.organisation_id for role in _clinician_roles(actor)}
        if programme is None or programme.owner_id is None or programme.owner_id not in owners:
            raise NotAllowed(
                _("Only clinicians of the organisation that runs a programme can change it.")
            )
        current = programme.settings
    definition = queries.programme_definition(programme)
    merged = {**programme.settings, **(enrolment.settings if enrolment else {}), **values}
    try:
        rules.clean_settings(definition, merged)
    except rules.AnswerError as error:
        raise invalid_fields({error.key: [error.message]}) from None
    changes = []
    updated = dict(current)
    for key, value in values.items():
        old = current.get(key, definition.default_settings().get(key))
        if old == value:
            continue
        updated[key] = value
        changes.append(
            SettingChange(
                programme=programme,
                enrolment=enrolment,
                key=key,
                old_value=_json_value(old),
                new_value=_json_value(value),
                why=why,
                changed_by=actor.user if actor.user and actor.user.is_authenticated else None,
                changed_by_label=actor.label_at(
                    enrolment.organisation if enrolment else programme.owner
                )[:300],
            )
        )
    if not changes:
        return []
    SettingChange.objects.bulk_create(changes)
    target = enrolment if enrolment is not None else programme
    target.settings = updated
    target.save(update_fields=["settings"])
    events.publish(
        "monitoring.settings_changed",
        programme=programme.key,
        enrolment_id=str(enrolment.pk) if enrolment else "",
        keys=[change.key for change in changes],
    )
    return changes


def _json_value(value):
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


# --- check-ins -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One check-in as it arrives: whose, under which programme, the raw answers."""

    person_id: object
    programme_key: str
    answers: Mapping[str, object]
    # When the readings were taken (a device's `authored`); None: now.
    taken_at: datetime | None = None
    idempotency_key: str = ""
    # The alert a clinician asked the person to measure again for.
    remeasure_for: object = None


@dataclass
class Outcome:
    """What became of one submission: stored (created), found stored already (a retry with
    the same Idempotency-Key), or refused with field errors (nothing stored)."""

    check_in: CheckIn | None = None
    created: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    alert: Alert | None = None

    @property
    def refused(self) -> bool:
        return bool(self.errors)


def record_check_in(actor: Actor, submission: Submission, *, source: str) -> Outcome:
    """One check-in (a page, the API): refused as a whole with its field errors."""
    outcome = record_check_ins(actor, [submission], source=source)[0]
    if outcome.refused:
        raise invalid_fields(outcome.errors)
    return outcome


@transaction.atomic
def record_check_ins(
    actor: Actor, submissions: Sequence[Submission], *, source: str
) -> list[Outcome]:
    """Score and store each submission, or refuse it with its own field errors (per row: a
    bad reading in a device's batch does not lose the others). A retry with a key already
    stored returns the stored check-in and raises nothing more."""
    now = timezone.now()
    outcomes = [Outcome() for _submission in submissions]
    enrolments = _current_enrolments(submissions)
    allowed = _people_actor_may_submit_for(actor, enrolments)
    alerts_asked = _alerts_being_remeasured(submissions)
    prepared: list[tuple[int, Submission, Enrolment, date, datetime, dict]] = []
    for index, submission in enumerate(submissions):
        enrolment = enrolments.get((str(submission.person_id), submission.programme_key))
        errors = outcomes[index].errors
        if enrolment is None or enrolment.person_id not in allowed:
            errors["subject"] = [_("This person is not enrolled in that programme.")]
            continue
        taken_at = submission.taken_at or now
        if taken_at > now + timedelta(minutes=5) or taken_at < now - LATEST_DELAY:
            errors["authored"] = [
                _("Readings must be taken in the last 2 days, not in the future.")
            ]
            continue
        day = timing.local_day(taken_at, enrolment.time_zone)
        alert = (
            alerts_asked.get(str(submission.remeasure_for)) if submission.remeasure_for else None
        )
        if submission.remeasure_for and (alert is None or alert.enrolment_id != enrolment.pk):
            errors["remeasure_for"] = [_("There is no request to measure again for that.")]
            continue
        if alert is None:
            window = timing.window_on(
                day, enrolment.window_opens, enrolment.window_closes, enrolment.time_zone
            )
            if not window.holds(taken_at):
                errors["authored"] = [
                    _("Check-ins are taken between %(opens)s and %(closes)s.")
                    % {
                        "opens": _clock(enrolment.window_opens),
                        "closes": _clock(enrolment.window_closes),
                    }
                ]
                continue
        definition = queries.programme_definition(enrolment.programme)
        try:
            answers = rules.clean_answers(definition, submission.answers)
        except rules.AnswerError as error:
            errors[error.key] = [error.message]
            continue
        prepared.append((index, submission, enrolment, day, taken_at, answers))
    if prepared:
        _store(actor, prepared, outcomes, alerts_asked, source=source, now=now)
    return outcomes


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _current_enrolments(submissions: Sequence[Submission]) -> dict:
    rows = queries.current_enrolments_of(submission.person_id for submission in submissions)
    return {(str(row.person_id), row.programme.key): row for row in rows}


def _people_actor_may_submit_for(actor: Actor, enrolments: dict) -> set:
    """The people this actor may record readings for: the person and a `manage` proxy; staff
    and a device gateway's token (write scope) for people they care for in the health record,
    at the organisation that monitors them."""
    person_ids = {enrolment.person_id for enrolment in enrolments.values()}
    if actor.own_person is not None:
        allowed = set()
        for person_id in person_ids:
            try:
                access = person_access(actor, person_id, category=RecordCategory.HEALTH, write=True)
            except PersonNotFound:
                continue
            allowed.add(access.person.pk)
        return allowed
    if actor.token is not None and actor.token.scope != actor.token.Scope.WRITE:
        return set()
    in_care = in_organisations_care_among(actor, person_ids, RecordCategory.HEALTH)
    organisation_ids = actor.organisation_ids
    return {
        enrolment.person_id
        for enrolment in enrolments.values()
        if enrolment.person_id in in_care
        and in_organisation_tree(enrolment.organisation, organisation_ids)
    }


def _alerts_being_remeasured(submissions) -> dict[str, Alert]:
    ids = [submission.remeasure_for for submission in submissions if submission.remeasure_for]
    if not ids:
        return {}
    try:
        rows = Alert.objects.filter(pk__in=ids, closed_at__isnull=True)
        return {str(alert.pk): alert for alert in rows}
    except (ValueError, TypeError, ValidationError):
        # Not an alert's id at all: the submission is refused as naming no request.
        return {}


def _store(actor: Actor, prepared, outcomes, alerts_asked, *, source: str, now: datetime) -> None:
    enrolment_ids = {enrolment.pk for _i, _s, enrolment, _d, _t, _a in prepared}
    first_day = min(day for _i, _s, _e, day, _t, _a in prepared)
    last_day = max(day for _i, _s, _e, day, _t, _a in prepared)
    earlier = queries.earlier_readings(enrolment_ids, queries.trend_start(first_day), last_day)
    settings_by_enrolment = {}
    rows = []
    for index, submission, enrolment, day, taken_at, answers in prepared:
        settings = settings_by_enrolment.get(enrolment.pk)
        if settings is None:
            settings = queries.effective_settings(enrolment.programme, enrolment)
            settings_by_enrolment[enrolment.pk] = settings
        definition = queries.programme_definition(enrolment.programme)
        history = [reading for reading in earlier.get(enrolment.pk, ()) if reading.on < day]
        assessment = rules.assess(definition, answers, settings, day, history)
        check_in = CheckIn(
            id=uuid.uuid4(),
            enrolment=enrolment,
            person_id=enrolment.person_id,
            day=day,
            submitted_at=taken_at,
            answers=answers,
            colour=assessment.colour.value,
            score=assessment.score,
            parts=assessment.parts,
            response=assessment.response or "",
            reasons=list(assessment.reasons),
            settings_used={key: _json_value(value) for key, value in settings.items()},
            remeasure_for=alerts_asked.get(str(submission.remeasure_for))
            if submission.remeasure_for
            else None,
            source=source,
            submitted_by_label=_submitter_label(actor, enrolment),
            idempotency_key=submission.idempotency_key,
        )
        rows.append((index, submission, enrolment, check_in))
    stored_ids = insert_new([row[3] for row in rows])
    created = []
    for index, submission, enrolment, check_in in rows:
        outcome = outcomes[index]
        if check_in.pk in stored_ids:
            outcome.check_in, outcome.created = check_in, True
            created.append((enrolment, check_in))
            continue
        earlier_copy = (
            CheckIn.objects.filter(
                enrolment=enrolment, idempotency_key=submission.idempotency_key
            ).first()
            if submission.idempotency_key
            else None
        )
        if earlier_copy is not None:
            outcome.check_in = earlier_copy
        else:
            outcome.errors["authored"] = [_("This person has already checked in today.")]
    if not created:
        return
    _audit_submissions(actor, created)
    alerts = _raise_alerts(created, now=now)
    for index, _submission, _enrolment, check_in in rows:
        outcomes[index].alert = alerts.get(check_in.pk, outcomes[index].alert)
    for _enrolment, check_in in created:
        if check_in.remeasure_for_id is not None:
            _remeasured(check_in.remeasure_for, check_in, now=now)
    colours = Counter(check_in.colour for _enrolment, check_in in created)
    events.publish(
        "monitoring.check_ins_recorded",
        check_in_ids=[str(check_in.pk) for _enrolment, check_in in created],
        colours=dict(colours),
    )


def _submitter_label(actor: Actor, enrolment: Enrolment) -> str:
    own = actor.own_person
    if own is not None:
        return own.full_name[:300]
    return actor.label_at(enrolment.organisation)[:300]


def _audit_submissions(actor: Actor, created) -> None:
    """Readings recorded by someone other than the person are on the person's audit trail."""
    rows = []
    for enrolment, _check_in in created:
        row = audit_row(
            actor,
            person_id=enrolment.person_id,
            action=AuditEvent.Action.WRITE,
            what=f"check-in recorded: {enrolment.programme.title}",
            why="Recorded readings for the person's monitoring",
            organisation=enrolment.organisation if actor.own_person is None else None,
        )
        if row is not None:
            rows.append(row)
    if rows:
        insert_all(rows)


# --- the website's check-in, one question a page ----------------------------------------------


def _citizens_enrolment(actor: Actor, enrolment_id) -> tuple[Enrolment, Access]:
    """A current enrolment of the person or of someone they manage (a `manage` proxy): the
    people who may check in on the website. Anyone else: PersonNotFound (404)."""
    enrolment = _find(
        Enrolment.objects.filter(ended_at__isnull=True).select_related(
            "programme", "organisation", "person"
        ),
        enrolment_id,
    )
    if enrolment is None:
        raise PersonNotFound
    access = citizen_access(actor, enrolment.person_id, category=RecordCategory.HEALTH, write=True)
    return enrolment, access


def clean_one_answer(definition, key: str, value: object) -> object:
    """One answer checked as `rules.clean_answers` checks it among the others (the same
    ranges and words), cleaned; None for an optional question left unanswered."""
    question = definition.question(key)
    if question is None:
        raise rules.AnswerError(key, _("This is not a question in this check-in."))
    return rules.clean_answers(_asking_only(definition, question), {key: value}).get(key)


@cache
def _asking_only(definition, question):
    return replace(definition, questions=(question,))


@transaction.atomic
def save_check_in_answer(actor: Actor, *, enrolment_id, key: str, value: object) -> CheckInDraft:
    """One answer of today's check-in on the website, checked as the whole check-in will be
    and kept in the day's draft, so the person can stop and come back the same day. The
    person and a `manage` proxy may; a proxy's answer is audited."""
    enrolment, access = _citizens_enrolment(actor, enrolment_id)
    definition = queries.programme_definition(enrolment.programme)
    try:
        cleaned = clean_one_answer(definition, key, value)
    except rules.AnswerError as error:
        raise invalid_fields({error.key: [error.message]}) from None
    now = timezone.now()
    draft, _created = CheckInDraft.objects.select_for_update().get_or_create(
        enrolment=enrolment, day=timing.local_day(now, enrolment.time_zone)
    )
    draft.answers = {**draft.answers, key: cleaned}
    draft.updated_at = now
    draft.save(update_fields=["answers", "updated_at"])
    audit_change(actor, access, what=f"check-in answer saved: {enrolment.programme.title}")
    return draft


@transaction.atomic
def start_remeasure(actor: Actor, *, enrolment_id, alert_id) -> CheckInDraft:
    """The person starts measuring again because their care team asked: today's draft starts
    afresh, naming the alert it answers."""
    enrolment, access = _citizens_enrolment(actor, enrolment_id)
    alert = _find(
        Alert.objects.filter(enrolment=enrolment, closed_at__isnull=True).exclude(
            kind=Alert.Kind.NOT_HEARD_FROM
        ),
        alert_id,
    )
    if alert is None:
        raise Conflict(
            _("Your care team is no longer waiting for you to measure again."),
            code="no_remeasure_asked",
        )
    now = timezone.now()
    draft, _created = CheckInDraft.objects.update_or_create(
        enrolment=enrolment,
        day=timing.local_day(now, enrolment.time_zone),
        defaults={"answers": {}, "remeasure_for": alert, "updated_at": now},
    )
    audit_change(actor, access, what=f"measuring again started: {enrolment.programme.title}")
    return draft


@transaction.atomic
def send_check_in_draft(actor: Actor, *, enrolment_id) -> Outcome:
    """Today's answers on the website, sent as the day's check-in (record_check_in, from the
    website): scored and stored, and the draft gone; refused with the field errors of
    record_check_in, keeping the draft."""
    enrolment, _access = _citizens_enrolment(actor, enrolment_id)
    draft = (
        CheckInDraft.objects.select_for_update()
        .filter(enrolment=enrolment, day=timing.local_day(timezone.now(), enrolment.time_zone))
        .first()
    )
    if draft is None:
        raise Conflict(
            _("There are no answers to send. Start today's check-in again."),
            code="no_answers",
        )
    outcome = record_check_in(
        actor,
        Submission(
            person_id=enrolment.person_id,
            programme_key=enrolment.programme.key,
            answers={key: value for key, value in draft.answers.items() if value is not None},
            remeasure_for=draft.remeasure_for_id,
        ),
        source=CheckIn.Source.WEB,
    )
    draft.delete()
    return outcome


# --- alerts --------------------------------------------------------------------------------


def _raise_alerts(created, *, now: datetime) -> dict:
    """An amber or red check-in raises a reading alert; the person's own words a grey one.
    A re-measure never raises its own: it answers the alert it was asked for."""
    alerts = []
    for enrolment, check_in in created:
        if check_in.remeasure_for_id is not None:
            continue
        definition = queries.programme_definition(enrolment.programme)
        causes = []
        if check_in.colour in (Colour.AMBER, Colour.RED):
            causes.append((Alert.Kind.READING, Colour(check_in.colour), check_in.reasons))
        remark = check_in.answers.get("remark")
        if remark:
            causes.append(
                (
                    Alert.Kind.REMARK,
                    Colour.GREY,
                    [_("The person wrote: %(words)s") % {"words": remark}],
                )
            )
        for kind, colour, why in causes:
            alerts.append(
                Alert(
                    id=uuid.uuid4(),
                    enrolment=enrolment,
                    person_id=enrolment.person_id,
                    kind=kind,
                    colour=colour.value,
                    check_in=check_in,
                    reasons=list(why),
                    raised_at=now,
                    due_at=_due(colour, now, enrolment, definition),
                )
            )
    if not alerts:
        return {}
    teams = _first_members({alert.enrolment_id for alert in alerts})
    for alert in alerts:
        alert.assigned_to_id = teams.get(alert.enrolment_id)
    stored = insert_new(alerts)
    alerts = [alert for alert in alerts if alert.pk in stored]
    AlertStep.objects.bulk_create(
        AlertStep(
            alert=alert,
            kind=AlertStep.Kind.RAISED,
            at=now,
            by_label=SYSTEM_LABEL,
            assigned_to_id=alert.assigned_to_id,
            note="; ".join(alert.reasons)[:2000],
        )
        for alert in alerts
    )
    events.publish_many(
        "monitoring.alert_raised",
        [
            {"alert_id": str(alert.pk), "colour": alert.colour, "kind": alert.kind}
            for alert in alerts
        ],
    )
    reading_alerts = {}
    for alert in alerts:
        if alert.kind == Alert.Kind.READING or alert.check_in_id not in reading_alerts:
            reading_alerts[alert.check_in_id] = alert
    return reading_alerts


def _due(colour: Colour, raised_at: datetime, enrolment: Enrolment, definition) -> datetime:
    response_time = timing.response_time_for(colour, definition.response_times)
    return timing.due_at(
        raised_at,
        response_time,
        time_zone=enrolment.time_zone,
        country=queries.working_days_country(),
    )


def _first_members(enrolment_ids) -> dict:
    rows = (
        CareTeamMember.objects.filter(enrolment_id__in=enrolment_ids, removed_at__isnull=True)
        .order_by("enrolment_id", "position")
        .values_list("enrolment_id", "user_id")
    )
    first: dict = {}
    for enrolment_id, user_id in rows:
        first.setdefault(enrolment_id, user_id)
    return first


def _remeasured(alert: Alert, check_in: CheckIn, *, now: datetime) -> None:
    """A repeat measurement answers its alert: green within 30 minutes of the ask closes it;
    otherwise the clinician sees it on the alert (and a red repeat of an amber alert makes
    the alert red, with a red alert's due time)."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.closed_at is not None:
        return
    asked_at = (
        alert.steps.filter(kind=AlertStep.Kind.ASKED_TO_REMEASURE)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    colour = Colour(check_in.colour)
    AlertStep.objects.create(
        alert=alert,
        kind=AlertStep.Kind.REMEASURED,
        at=now,
        by_label=check_in.submitted_by_label,
        assigned_to_id=alert.assigned_to_id,
        note=_("The repeat came back %(colour)s.") % {"colour": colour.value}
        + (" " + "; ".join(check_in.reasons) if check_in.reasons else ""),
    )
    if timing.repeat_closes_alert(asked_at, check_in.submitted_at, colour):
        _close(
            alert,
            outcome=Alert.Outcome.REPEAT_GREEN,
            by=None,
            by_label=SYSTEM_LABEL,
            note=_("Closed by itself: the repeat within 30 minutes came back green."),
            at=now,
        )
        return
    if colour == Colour.RED and alert.colour != Colour.RED:
        definition = queries.programme_definition(alert.enrolment.programme)
        alert.colour = Colour.RED.value
        alert.due_at = min(alert.due_at, _due(Colour.RED, now, alert.enrolment, definition))
        alert.handled_at = None
        alert.reasons = list(check_in.reasons)
        alert.save(update_fields=["colour", "due_at", "handled_at", "reasons"])


def _close(alert: Alert, *, outcome: str, by, by_label: str, note: str, at: datetime) -> None:
    alert.closed_at = at
    alert.outcome = outcome
    alert.save(update_fields=["closed_at", "outcome"])
    AlertStep.objects.create(
        alert=alert,
        kind=AlertStep.Kind.CLOSED,
        at=at,
        by=by,
        by_label=by_label,
        assigned_to_id=alert.assigned_to_id,
        note=note,
        outcome=outcome,
    )
    events.publish("monitoring.alert_closed", alert_id=str(alert.pk), outcome=outcome)


def _alert_for_team(actor: Actor, alert_id, *, what: str) -> tuple[Alert, Access]:
    """An open alert of a person whose care team the actor is on, locked for the change;
    anything else is PersonNotFound (404): an API token never handles an alert."""
    if actor.token is not None:
        raise PersonNotFound
    alert = _find(
        Alert.objects.select_for_update(of=("self",)).select_related(
            "enrolment__programme", "enrolment__organisation"
        ),
        alert_id,
    )
    if alert is None or not queries.is_on_team(actor, alert.enrolment):
        raise PersonNotFound
    access = access_person(
        actor, alert.person_id, what=what, category=RecordCategory.HEALTH, write=True
    )
    if alert.closed_at is not None:
        raise Conflict(_("This alert is already closed."), code="alert_closed")
    return alert, access


def _step(actor: Actor, alert: Alert, kind: str, *, note: str = "", outcome: str = "") -> AlertStep:
    return AlertStep.objects.create(
        alert=alert,
        kind=kind,
        by=actor.user,
        by_label=actor.label_at(alert.enrolment.organisation)[:300],
        assigned_to_id=alert.assigned_to_id,
        note=note,
        outcome=outcome,
    )


def _clean_note(note: str, *, required: bool = False) -> str:
    note = (note or "").strip()
    if len(note) > 2000 or (required and not note):
        raise invalid_fields({"note": [_("Write a note of up to 2000 characters.")]})
    return note


@transaction.atomic
def acknowledge_alert(actor: Actor, *, alert_id, note: str = "") -> Alert:
    """A clinician has seen the alert and takes it in hand: it stops counting towards being
    passed on."""
    note = _clean_note(note)
    alert, _access = _alert_for_team(actor, alert_id, what="monitoring alert seen")
    _take_in_hand(actor, alert, AlertStep.Kind.ACKNOWLEDGED, note=note)
    return alert


def _take_in_hand(actor: Actor, alert: Alert, kind: str, *, note: str) -> None:
    alert.handled_at = timezone.now()
    alert.assigned_to = actor.user
    alert.save(update_fields=["handled_at", "assigned_to"])
    _step(actor, alert, kind, note=note)


@transaction.atomic
def ask_to_remeasure(actor: Actor, *, alert_id, note: str = "") -> Alert:
    """Ask the person to take their readings again: a repeat within 30 minutes that comes
    back green closes the alert by itself."""
    note = _clean_note(note)
    alert, _access = _alert_for_team(actor, alert_id, what="monitoring: asked to measure again")
    if alert.kind == Alert.Kind.NOT_HEARD_FROM:
        raise Conflict(
            _("There is no reading to repeat: call the person instead."), code="nothing_to_repeat"
        )
    _take_in_hand(actor, alert, AlertStep.Kind.ASKED_TO_REMEASURE, note=note)
    return alert


@transaction.atomic
def record_call(actor: Actor, *, alert_id, note: str) -> Alert:
    note = _clean_note(note, required=True)
    alert, _access = _alert_for_team(actor, alert_id, what="monitoring: person called")
    _take_in_hand(actor, alert, AlertStep.Kind.CALLED, note=note)
    return alert


@transaction.atomic
def escalate_alert(actor: Actor, *, alert_id, note: str) -> Alert:
    """Pass the alert to the next person on the care team, with a fresh due time."""
    note = _clean_note(note, required=True)
    alert, _access = _alert_for_team(actor, alert_id, what="monitoring alert passed on")
    if not _pass_on(
        alert,
        by=actor.user,
        by_label=actor.label_at(alert.enrolment.organisation),
        note=note,
        now=timezone.now(),
    ):
        raise Conflict(
            _("There is no one after you on this person's care team."), code="no_one_to_escalate_to"
        )
    return alert


@transaction.atomic
def close_alert(actor: Actor, *, alert_id, outcome: str, note: str = "") -> Alert:
    if outcome not in Alert.Outcome.values or outcome == Alert.Outcome.REPEAT_GREEN:
        raise invalid_fields({"outcome": [_("Choose what happened.")]})
    note = _clean_note(note, required=outcome == Alert.Outcome.OTHER)
    alert, _access = _alert_for_team(actor, alert_id, what="monitoring alert closed")
    _close(
        alert,
        outcome=outcome,
        by=actor.user,
        by_label=actor.label_at(alert.enrolment.organisation)[:300],
        note=note,
        at=timezone.now(),
    )
    return alert


def _pass_on(alert: Alert, *, by, by_label: str, note: str, now: datetime) -> bool:
    team = [member.user_id for member in queries.current_team(alert.enrolment)]
    definition = queries.programme_definition(alert.enrolment.programme)
    due_at = _due(Colour(alert.colour), now, alert.enrolment, definition)
    step = escalation.pass_on(
        alert, team, by=by, by_label=by_label, note=note, at=now, due_at=due_at
    )
    if step is None:
        return False
    alert.save(update_fields=["assigned_to", "escalation_level", "handled_at", "due_at"])
    step.save()
    events.publish(
        "monitoring.alert_escalated", alert_id=str(alert.pk), level=alert.escalation_level
    )
    return True


def escalate_overdue_alerts(now: datetime | None = None) -> int:
    """The platform passes every alert no one took in hand by its due time to the next
    person on the team (periodic). Each in its own transaction, locked, so two workers never
    pass one alert twice."""
    now = now or timezone.now()
    overdue = Alert.objects.filter(
        closed_at__isnull=True, handled_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True)
    passed = 0
    for alert_id in list(overdue[:1000]):
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(of=("self",))
                .select_related("enrolment__programme")
                .filter(
                    pk=alert_id, closed_at__isnull=True, handled_at__isnull=True, due_at__lte=now
                )
                .first()
            )
            if alert is None:
                continue
            if _pass_on(
                alert,
                by=None,
                by_label=SYSTEM_LABEL,
                note=_("No one took it in hand by its due time."),
                now=now,
            ):
                passed += 1
    return passed


# --- people who go quiet ---------------------------------------------------------------------


# The sweep looks back this many closed windows, so that days missed while it could not run
# (the scheduler down overnight) are still recorded and a silence still reaches the team.
CATCH_UP_DAYS = 3


def record_missed_check_ins(now: datetime | None = None) -> int:
    """For each current enrolment whose window (in the person's time zone) closed with no
    check-in: record the missed day and, for the latest window, remind the person (once); on
    the second missed day in a row, raise a "not heard from" alert for the care team (once
    per silence). The last CATCH_UP_DAYS closed windows are looked at, oldest first, so a
    sweep that did not run for a day or two catches up; a reminder about an older day would
    come too late to help, so none is sent for it.

    People share a few schedules (time zone and window), so each schedule's closed days are
    worked out once and its silent people found in one query a day; the periodic task can
    run every few minutes over a region's million enrolments."""
    now = now or timezone.now()
    current = Enrolment.objects.filter(ended_at__isnull=True)
    schedules = current.values_list("time_zone", "window_opens", "window_closes").distinct()
    missed = 0
    for time_zone, opens, closes in schedules.order_by():
        latest = timing.last_closed_day(now, opens, closes, time_zone)
        for days_back in reversed(range(CATCH_UP_DAYS)):
            day = latest - timedelta(days=days_back)
            silent = (
                current.filter(
                    time_zone=time_zone,
                    window_opens=opens,
                    window_closes=closes,
                    starts_on__lte=day,
                )
                .exclude(Exists(CheckIn.objects.filter(enrolment=OuterRef("pk"), day=day)))
                .exclude(Exists(MissedDay.objects.filter(enrolment=OuterRef("pk"), day=day)))
                .select_related("programme", "person")
            )
            for enrolment in silent.iterator(chunk_size=500):
                if _record_missed_day(enrolment, day, now=now, remind=day == latest):
                    missed += 1
    return missed


@transaction.atomic
def _record_missed_day(enrolment: Enrolment, day: date, *, now: datetime, remind: bool) -> bool:
    if CheckIn.objects.filter(enrolment=enrolment, day=day).exists():
        return False
    missed_day, created = MissedDay.objects.get_or_create(enrolment=enrolment, day=day)
    if not created:
        return False
    from . import notifications

    if remind and notifications.remind_missed_check_in(enrolment, day) is not None:
        MissedDay.objects.filter(pk=missed_day.pk).update(reminded=True)
    events.publish("monitoring.day_missed", enrolment_id=str(enrolment.pk), day=day.isoformat())
    day_before = day - timedelta(days=1)
    if MissedDay.objects.filter(enrolment=enrolment, day=day_before).exists():
        silent_since = day_before
        while MissedDay.objects.filter(
            enrolment=enrolment, day=silent_since - timedelta(days=1)
        ).exists():
            silent_since -= timedelta(days=1)
        _raise_not_heard_from(enrolment, silent_since, now=now)
    return True


def _raise_not_heard_from(enrolment: Enrolment, silent_since: date, *, now: datetime) -> None:
    if Alert.objects.filter(
        enrolment=enrolment, kind=Alert.Kind.NOT_HEARD_FROM, silent_since=silent_since
    ).exists():
        return
    definition = queries.programme_definition(enrolment.programme)
    alert = Alert.objects.create(
        enrolment=enrolment,
        person_id=enrolment.person_id,
        kind=Alert.Kind.NOT_HEARD_FROM,
        colour=Colour.GREY.value,
        silent_since=silent_since,
        reasons=[reasons.not_heard_from(silent_since)],
        raised_at=now,
        due_at=_due(Colour.GREY, now, enrolment, definition),
        assigned_to_id=_first_members([enrolment.pk]).get(enrolment.pk),
    )
    AlertStep.objects.create(
        alert=alert,
        kind=AlertStep.Kind.RAISED,
        at=now,
        by_label=SYSTEM_LABEL,
        assigned_to_id=alert.assigned_to_id,
        note="; ".join(alert.reasons),
    )
    events.publish(
        "monitoring.alert_raised", alert_id=str(alert.pk), colour=alert.colour, kind=alert.kind
    )
