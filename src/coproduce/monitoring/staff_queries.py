"""The read path for the care team's pages and the alert API: the panel of everyone their
teams watch in its order, the alert queue, one alert or enrolment of a person on their team
(with the access rule), the readings and history those pages show, the colleagues a
clinician may put on a care team, and an alert as FHIR.

A person's look is audited by the page that shows it, not here (people.access.audit_look).
"""

from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone

from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    organisation_and_children,
    people_in_organisations_care,
    person_access,
)
from coproduce.people.models import Organisation, RecordCategory, Role

from . import queries
from .models import (
    Alert,
    AlertStep,
    CareTeamMember,
    CheckIn,
    Enrolment,
    MissedDay,
    Programme,
    SettingChange,
)
from .programmes import Colour
from .standards.fhir_alert import alert_flag, alert_task

# The panel's order: what needs a clinician first (Panel rank).
RED, AMBER, NOT_HEARD_FROM, GREEN = 0, 1, 2, 3


def _team_enrolment_ids(actor: Actor):
    return CareTeamMember.objects.filter(user=actor.user, removed_at__isnull=True).values(
        "enrolment_id"
    )


def _is_signed_in(actor: Actor) -> bool:
    return actor.user is not None and actor.user.is_authenticated


def is_on_a_care_team(actor: Actor) -> bool:
    """Whether the panel and the queue are this member of staff's work (the header links)."""
    if not _is_signed_in(actor):
        return False
    return CareTeamMember.objects.filter(
        user=actor.user, removed_at__isnull=True, enrolment__ended_at__isnull=True
    ).exists()


# --- the panel -----------------------------------------------------------------------------


def panel_enrolments(actor: Actor) -> QuerySet[Enrolment]:
    """Everyone the actor's care teams watch, most in need first: an open red alert or a red
    last check-in, then amber, then people not heard from (a missed window since their last
    check-in, an open "not heard from" alert, or no check-in yet), then green; within each,
    those with an alert no one has taken in hand yet (a new red is above reds already being
    dealt with), then the soonest due alert, then by name."""
    if not _is_signed_in(actor):
        return Enrolment.objects.none()
    latest = CheckIn.objects.filter(enrolment=OuterRef("pk")).order_by("-submitted_at")
    open_alerts = Alert.objects.filter(enrolment=OuterRef("pk"), closed_at__isnull=True)
    return (
        Enrolment.objects.filter(
            pk__in=_team_enrolment_ids(actor),
            ended_at__isnull=True,
            person__in=people_in_organisations_care(actor, RecordCategory.HEALTH),
        )
        .annotate(
            last_colour=Subquery(latest.values("colour")[:1]),
            last_at=Subquery(latest.values("submitted_at")[:1]),
            last_day=Subquery(latest.values("day")[:1]),
            open_red=Exists(open_alerts.filter(colour=Colour.RED)),
            open_amber=Exists(open_alerts.filter(colour=Colour.AMBER)),
            open_silence=Exists(open_alerts.filter(kind=Alert.Kind.NOT_HEARD_FROM)),
            next_due=Subquery(open_alerts.order_by("due_at").values("due_at")[:1]),
        )
        .annotate(
            missed_since=Exists(
                MissedDay.objects.filter(enrolment=OuterRef("pk"), day__gt=OuterRef("last_day"))
            )
        )
        .annotate(
            rank=Case(
                When(open_red=True, then=RED),
                When(open_amber=True, then=AMBER),
                When(
                    Q(open_silence=True) | Q(missed_since=True) | Q(last_colour__isnull=True),
                    then=NOT_HEARD_FROM,
                ),
                When(last_colour=Colour.RED, then=RED),
                When(last_colour=Colour.AMBER, then=AMBER),
                default=GREEN,
                output_field=IntegerField(),
            )
        )
        .annotate(waiting=_waiting_in_its_colour(open_alerts.filter(handled_at__isnull=True)))
        .select_related("person", "programme")
        .order_by(
            "rank",
            F("waiting").desc(),
            F("next_due").asc(nulls_last=True),
            "person__family_name",
            "person__given_name",
            "pk",
        )
    )


def _waiting_in_its_colour(untouched):
    """Whether the person has an alert of their row's colour that no one has taken in hand
    (a red being dealt with, beside a grey remark no one has read yet, is not a waiting red)."""
    return Case(
        When(rank=RED, then=Exists(untouched.filter(colour=Colour.RED))),
        When(rank=AMBER, then=Exists(untouched.filter(colour=Colour.AMBER))),
        default=Exists(untouched),
        output_field=BooleanField(),
    )


def recent_check_ins(enrolment_ids, since: datetime) -> dict:
    """Each enrolment's check-ins since then, oldest first (the panel's trend lines)."""
    rows = (
        CheckIn.objects.filter(enrolment_id__in=enrolment_ids, submitted_at__gte=since)
        .order_by("submitted_at")
        .values(
            "enrolment_id",
            "day",
            "submitted_at",
            "score",
            "answers",
            "colour",
            "reasons",
            "remeasure_for_id",
        )
    )
    found: dict = {}
    for row in rows:
        found.setdefault(row["enrolment_id"], []).append(row)
    return found


def open_alerts_by_enrolment(enrolment_ids) -> dict:
    rows = (
        Alert.objects.filter(enrolment_id__in=enrolment_ids, closed_at__isnull=True)
        .select_related("enrolment")
        .order_by("due_at")
    )
    found: dict = {}
    for alert in rows:
        found.setdefault(alert.enrolment_id, []).append(alert)
    return found


# --- the alert queue -----------------------------------------------------------------------


def alert_queue(actor: Actor) -> QuerySet[Alert]:
    """The open alerts of the actor's care teams: those assigned to them first, then the
    rest, each by due time."""
    return (
        queries.open_alerts_for(actor)
        .filter(person__in=people_in_organisations_care(actor, RecordCategory.HEALTH))
        .annotate(
            theirs=Case(
                When(assigned_to=actor.user, then=0), default=1, output_field=IntegerField()
            )
        )
        .select_related("enrolment")
        .order_by("theirs", "due_at", "pk")
    )


# --- one alert, one enrolment --------------------------------------------------------------


def alert_for_team(actor: Actor, alert_id) -> tuple[Alert, Access]:
    """An alert of a person whose current care team the actor is on, with the access rule
    (no audit row: the page audits its look, a step is audited by its action)."""
    if not _is_signed_in(actor):
        raise PersonNotFound
    alert = (
        Alert.objects.filter(pk=alert_id, enrolment__in=_team_enrolment_ids(actor))
        .select_related(
            "enrolment__programme", "enrolment__organisation", "check_in", "assigned_to"
        )
        .first()
    )
    return _with_access(actor, alert)


def alert_steps(alert: Alert) -> list[AlertStep]:
    """What happened to the alert, in order."""
    return list(alert.steps.select_related("assigned_to").order_by("at", "id"))


def enrolment_for_team(actor: Actor, enrolment_id) -> tuple[Enrolment, Access]:
    """A current enrolment whose care team the actor is on, with the access rule (no audit
    row: the page audits its look)."""
    if not _is_signed_in(actor):
        raise PersonNotFound
    enrolment = (
        Enrolment.objects.filter(
            pk=enrolment_id, pk__in=_team_enrolment_ids(actor), ended_at__isnull=True
        )
        .select_related("programme", "organisation", "person")
        .first()
    )
    return _with_access(actor, enrolment)


def _with_access(actor: Actor, found):
    """The alert or enrolment found, with the access rule to its person; none: not found."""
    if found is None:
        raise PersonNotFound
    return found, person_access(actor, found.person_id, category=RecordCategory.HEALTH)


def latest_check_ins(enrolment: Enrolment, how_many: int) -> list[dict]:
    """The enrolment's last check-ins, newest first (repeats a clinician asked for too)."""
    return list(
        CheckIn.objects.filter(enrolment=enrolment)
        .order_by("-submitted_at")
        .values("day", "submitted_at", "score", "answers", "colour", "remeasure_for_id")[:how_many]
    )


def threshold_changes(enrolment: Enrolment) -> QuerySet[SettingChange]:
    """Every change to the person's thresholds, newest first."""
    return enrolment.changes.order_by("-changed_at", "-id")


# --- enrolling a person --------------------------------------------------------------------


def clinician_organisations(actor: Actor) -> list[Organisation]:
    """Where the actor works as a clinician, in the order of their roles, once each."""
    seen: dict[int, Organisation] = {}
    for role in actor.roles:
        if role.kind == Role.Kind.CLINICIAN:
            seen.setdefault(role.organisation_id, role.organisation)
    return list(seen.values())


def programmes_to_offer(person) -> list:
    """The programmes the person is not enrolled in now, each with its definition, by title."""
    current = queries.current_enrolments(person.pk).values("programme_id")
    return [
        (row, queries.programme_definition(row))
        for row in Programme.objects.exclude(pk__in=current).order_by("title")
    ]


def programme_with_key(key: str) -> Programme | None:
    return Programme.objects.filter(key=key).first()


def colleagues_at(organisation: Organisation) -> list:
    """Everyone with a current role at the organisation (or one under it), as (user, job
    title), once each, by name."""
    roles = (
        current_roles_at(organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk", "pk")
    )
    seen: dict[int, tuple] = {}
    for role in roles:
        if role.user_id not in seen or not seen[role.user_id][1] and role.job_title:
            seen[role.user_id] = (role.user, role.job_title)
    return list(seen.values())


def current_roles_at(organisation: Organisation):
    today = timezone.localdate()
    return Role.objects.filter(
        organisation__in=organisation_and_children([organisation.pk]), starts_on__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


# --- an alert as FHIR ----------------------------------------------------------------------

# Where an alert stands, in the words of the FHIR export (standards.fhir_alert.TASK_STATUSES), by
# the last step a clinician took on it.
TASK_STATUS_BY_STEP = {
    AlertStep.Kind.ACKNOWLEDGED: "acknowledged",
    AlertStep.Kind.ASKED_TO_REMEASURE: "remeasure_requested",
    AlertStep.Kind.REMEASURED: "in_progress",
    AlertStep.Kind.CALLED: "in_progress",
    AlertStep.Kind.ESCALATED: "escalated",
}


def alert_as_fhir(alert: Alert, steps: list[AlertStep]) -> dict:
    """The alert as a FHIR R4 Bundle (collection) of its Flag and its Task: the Task's focus
    is the check-in that raised it (the person, for one not heard from)."""
    base_url = queries.site_url()
    subject = f"Patient/{alert.person_id}"
    status = "closed" if alert.closed_at is not None else "open"
    if alert.closed_at is None and steps:
        status = TASK_STATUS_BY_STEP.get(steps[-1].kind, "open")
    focus = f"QuestionnaireResponse/{alert.check_in_id}" if alert.check_in_id else subject
    flag = alert_flag(
        alert_id=alert.pk,
        subject_reference=subject,
        colour=alert.colour,
        reasons=alert.reasons,
        raised_at=alert.raised_at,
        closed_at=alert.closed_at,
        base_url=base_url,
    )
    task = alert_task(
        alert_id=alert.pk,
        subject_reference=subject,
        focus_reference=focus,
        owner_reference=f"Practitioner/{alert.assigned_to_id}" if alert.assigned_to_id else None,
        colour=alert.colour,
        status=status,
        due=alert.due_at,
        raised_at=alert.raised_at,
        history=[(step.at, _step_words(step)) for step in steps],
        base_url=base_url,
    )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{base_url}/fhir/Flag/{alert.pk}", "resource": flag},
            {"fullUrl": f"{base_url}/fhir/Task/{alert.pk}", "resource": task},
        ],
    }


def _step_words(step: AlertStep) -> str:
    words = f"{step.get_kind_display()}: {step.by_label}"
    return f"{words}. {step.note}" if step.note else words
