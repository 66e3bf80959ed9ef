"""The care team's pages: the panel of everyone their teams watch (red, amber, not heard from,
then green), the alert queue, an alert with why it fired and the steps on it, a person's
thresholds with their history, and enrolling a person.

Views are thin: every name shown in a list goes through coproduce.listing (audited), every
look at one person through the access rule (people.access) with its audit row, every change
through monitoring.actions (web.form_path). Someone not on the person's care team gets "Page
not found", as if the alert did not exist.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
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
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce.listing import PeopleShown, page_for_site
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    audit_look,
    organisation_and_children,
    people_in_organisations_care,
    person_access,
)
from coproduce.people.models import Organisation, RecordCategory, Role
from coproduce.web.form_path import form_errors, posted, submit
from coproduce.web.pagination import page_links

from . import actions, queries, timing
from .charts import Mark, sparkline
from .models import Alert, AlertStep, CareTeamMember, CheckIn, Enrolment, MissedDay, Programme
from .programmes import AnswerKind, Colour, Scoring
from .staff_forms import (
    AlertStepForm,
    CloseAlertForm,
    EndEnrolmentForm,
    EnrolDetailsForm,
    EnrolStartForm,
    ThresholdChangeForm,
    shown_value,
)
from .standards import fhir

PANEL_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50
# The panel's trend line and the alert page's readings look back this far.
TREND_DAYS = 14
READINGS_SHOWN = 7
ALERT_LOOK = "monitoring alert"

# The panel's order: what needs a clinician first (Panel rank).
RED, AMBER, NOT_HEARD_FROM, GREEN = 0, 1, 2, 3
RANK_TAGS = {
    RED: (gettext_lazy("Red"), "red"),
    AMBER: (gettext_lazy("Amber"), "orange"),
    NOT_HEARD_FROM: (gettext_lazy("Not heard from"), "grey"),
    GREEN: (gettext_lazy("Green"), "green"),
}
COLOUR_TAGS = {
    Colour.RED: (gettext_lazy("Red"), "red"),
    Colour.AMBER: (gettext_lazy("Amber"), "orange"),
    Colour.GREEN: (gettext_lazy("Green"), "green"),
    Colour.GREY: (gettext_lazy("To read"), "grey"),
}


# --- words for times -------------------------------------------------------------------------


def duration_words(delta: timedelta) -> str:
    """ "12 minutes", "1 hour 5 minutes", "3 days": how long, in words."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        words = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        if minutes:
            words += " " + ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
                "count": minutes
            }
        return words
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def moment_words(at: datetime, now: datetime, time_zone: str) -> str:
    """ "today at 08:14", "yesterday at 07:50", "on 30 November at 08:00"."""
    local = at.astimezone(timing.zone(time_zone))
    today = timing.local_day(now, time_zone)
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return _("today at %(time)s") % {"time": clock}
    if local.date() == today - timedelta(days=1):
        return _("yesterday at %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": clock}
    return _("on %(day)s at %(time)s") % {"day": date_format(local.date(), "j F Y"), "time": clock}


@dataclass(frozen=True)
class DueWords:
    text: str
    overdue: bool


def due_words(alert: Alert, now: datetime) -> DueWords:
    """Where an open alert stands against its due time, in words."""
    status = timing.alert_status(
        closed_at=alert.closed_at,
        due_at=alert.due_at,
        handled=alert.handled_at is not None,
        now=now,
    )
    time_zone = alert.enrolment.time_zone
    if status == timing.AlertStatus.CLOSED:
        return DueWords(
            _("Closed %(when)s") % {"when": moment_words(alert.closed_at, now, time_zone)}, False
        )
    if status == timing.AlertStatus.OVERDUE:
        return DueWords(
            _("Overdue by %(time)s") % {"time": duration_words(now - alert.due_at)}, True
        )
    if status == timing.AlertStatus.IN_HAND:
        return DueWords(
            _("In hand since %(when)s") % {"when": moment_words(alert.handled_at, now, time_zone)},
            False,
        )
    if alert.due_at - now < timedelta(hours=2):
        return DueWords(_("Due in %(time)s") % {"time": duration_words(alert.due_at - now)}, False)
    return DueWords(_("Due %(when)s") % {"when": moment_words(alert.due_at, now, time_zone)}, False)


def alert_title(alert: Alert) -> str:
    if alert.kind == Alert.Kind.NOT_HEARD_FROM:
        return _("Not heard from")
    if alert.kind == Alert.Kind.REMARK:
        return _("Wrote to the care team")
    return _("Red check-in") if alert.colour == Colour.RED else _("Amber check-in")


def alert_tag(alert: Alert) -> tuple[str, str]:
    if alert.kind == Alert.Kind.NOT_HEARD_FROM:
        return str(RANK_TAGS[NOT_HEARD_FROM][0]), "grey"
    text, colour = COLOUR_TAGS[Colour(alert.colour)]
    return str(text), colour


# --- the main measure of a programme -------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What a programme's trend line shows: the weight for heart failure, else the score."""

    name: str
    unit: str

    def value(self, check_in) -> float | None:
        if self.unit == "kg":
            weight = check_in["answers"].get("weight_kg")
            return float(weight) if weight is not None else None
        return check_in["score"]

    def words(self, value) -> str:
        if value is None:
            return ""
        shown = f"{value:.1f}" if self.unit == "kg" else str(value)
        return f"{shown} {self.unit}" if self.unit else shown


def main_measure(scoring: str) -> Measure:
    if scoring == Scoring.HEART_FAILURE:
        return Measure(_("Weight"), "kg")
    if scoring == Scoring.COPD_CAT:
        return Measure(_("CAT score"), "")
    return Measure(_("NEWS2 score"), "")


@dataclass
class Trend:
    """The main measure over the last days, one value a day (None: no check-in that day)."""

    measure: Measure
    values: list
    marks: list

    @property
    def text(self) -> str:
        """The trend line in words: its picture's label, and what is shown beside it."""
        shown = [value for value in self.values if value is not None]
        if not shown:
            return _("%(measure)s: no readings in the last %(days)d days") % {
                "measure": self.measure.name,
                "days": TREND_DAYS,
            }
        missed = sum(1 for value in self.values if value is None)
        words = _("%(measure)s over %(days)d days: %(values)s") % {
            "measure": self.measure.name,
            "days": len(self.values),
            "values": ", ".join(self.measure.words(value) for value in shown[-5:]),
        }
        if missed:
            words += ". " + ngettext(
                "%(count)d day with no check-in", "%(count)d days with no check-in", missed
            ) % {"count": missed}
        return words

    @property
    def latest(self) -> str:
        shown = [value for value in self.values if value is not None]
        return self.measure.words(shown[-1]) if shown else ""

    @property
    def svg(self) -> str:
        if not any(value is not None for value in self.values):
            return ""
        return sparkline(self.values, label=self.text, marks=self.marks)


MARKS = {Colour.GREEN: Mark.USUAL, Colour.AMBER: Mark.WARNING, Colour.RED: Mark.URGENT}


def trend_of(enrolment: Enrolment, check_ins: list, now: datetime) -> Trend:
    """Each day's own check-in (not a repeat a clinician asked for) from the enrolment's
    start, at most TREND_DAYS back; today only once it has one."""
    measure = main_measure(enrolment.programme.scoring)
    today = timing.local_day(now, enrolment.time_zone)
    first = max(enrolment.starts_on, today - timedelta(days=TREND_DAYS - 1))
    by_day = {row["day"]: row for row in check_ins if row["remeasure_for_id"] is None}
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    if days and days[-1] not in by_day:
        days.pop()
    values, marks = [], []
    for day in days:
        row = by_day.get(day)
        values.append(measure.value(row) if row else None)
        marks.append(MARKS.get(Colour(row["colour"]), Mark.USUAL) if row else Mark.NOT_HEARD_FROM)
    return Trend(measure=measure, values=values, marks=marks)


# --- the panel -----------------------------------------------------------------------------


def _team_enrolment_ids(actor: Actor):
    return CareTeamMember.objects.filter(user=actor.user, removed_at__isnull=True).values(
        "enrolment_id"
    )


def is_on_a_care_team(actor: Actor) -> bool:
    """Whether the panel and the queue are this member of staff's work (the header links)."""
    user = actor.user
    if user is None or not user.is_authenticated:
        return False
    return CareTeamMember.objects.filter(
        user=user, removed_at__isnull=True, enrolment__ended_at__isnull=True
    ).exists()


def panel_enrolments(actor: Actor) -> QuerySet[Enrolment]:
    """Everyone the actor's care teams watch, most in need first: an open red alert or a red
    last check-in, then amber, then people not heard from (a missed window since their last
    check-in, an open "not heard from" alert, or no check-in yet), then green; within each,
    those with an alert no one has taken in hand yet (a new red is above reds already being
    dealt with), then the soonest due alert, then by name."""
    if actor.user is None or not actor.user.is_authenticated:
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


@dataclass
class AlertLine:
    alert: Alert
    title: str
    due: DueWords
    url: str


@dataclass
class PanelRow:
    enrolment: Enrolment
    tag: tuple[str, str]
    reason: str
    last_check_in: str
    trend: Trend
    alerts: list[AlertLine] = field(default_factory=list)


def _recent_check_ins(enrolment_ids, since: datetime) -> dict:
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


def alert_lines(alerts: list[Alert], now: datetime) -> list[AlertLine]:
    return [
        AlertLine(
            alert=alert,
            title=alert_title(alert),
            due=due_words(alert, now),
            url=reverse("monitoring:alert", kwargs={"alert_id": alert.pk}),
        )
        for alert in alerts
    ]


def last_check_in_words(enrolment: Enrolment, last_at, now: datetime) -> str:
    if last_at is None:
        return _("No check-in yet")
    return _("Last checked in %(when)s") % {"when": moment_words(last_at, now, enrolment.time_zone)}


def _reasons_shown(alerts: list[Alert], check_ins: list) -> list[str]:
    """Why the row is where it is: an open warning's reasons (red before amber), a silence,
    the last check-in's, and only then what the person wrote."""
    by_kind = {kind: [a for a in alerts if a.kind == kind and a.reasons] for kind in Alert.Kind}
    readings = sorted(by_kind[Alert.Kind.READING], key=lambda a: a.colour != Colour.RED)
    for found in (readings, by_kind[Alert.Kind.NOT_HEARD_FROM]):
        if found:
            return found[0].reasons
    if check_ins and check_ins[-1]["reasons"]:
        return check_ins[-1]["reasons"]
    remarks = by_kind[Alert.Kind.REMARK]
    return remarks[0].reasons if remarks else []


def _panel_row(enrolment: Enrolment, check_ins: list, alerts: list[Alert], now) -> PanelRow:
    trend = trend_of(enrolment, check_ins, now)
    tag_text, tag_colour = RANK_TAGS[enrolment.rank]
    if enrolment.rank == NOT_HEARD_FROM and enrolment.last_at is None and not alerts:
        tag_text = gettext_lazy("No check-in yet")
    reasons = _reasons_shown(alerts, check_ins)
    return PanelRow(
        enrolment=enrolment,
        tag=(str(tag_text), tag_colour),
        reason="; ".join(reasons),
        last_check_in=last_check_in_words(enrolment, enrolment.last_at, now),
        trend=trend,
        alerts=alert_lines(alerts, now),
    )


@never_cache
@login_required
def panel(request: HttpRequest) -> HttpResponse:
    """Everyone the clinician's care teams watch, most in need first. Each name is a look,
    audited."""
    actor = Actor.for_web(request)
    page = page_for_site(
        request,
        actor,
        panel_enrolments(actor),
        PeopleShown(
            what="name and monitoring readings (monitoring panel list)",
            why="On the care team watching their check-ins",
            person=lambda enrolment: enrolment.person,
        ),
        per_page=PANEL_PAGE_SIZE,
    )
    now = timezone.now()
    ids = [enrolment.pk for enrolment in page.object_list]
    check_ins = _recent_check_ins(ids, now - timedelta(days=TREND_DAYS))
    alerts = open_alerts_by_enrolment(ids)
    rows = [
        _panel_row(enrolment, check_ins.get(enrolment.pk, []), alerts.get(enrolment.pk, []), now)
        for enrolment in page.object_list
    ]
    context = {
        "rows": rows,
        "links": page_links(request, page, label=_("Pages of people monitored")),
        "on_a_team": bool(rows) or is_on_a_care_team(actor),
    }
    return render(request, "monitoring/staff/panel.html", context)


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


@dataclass
class QueueRow:
    line: AlertLine
    tag: tuple[str, str]
    reason: str
    mine: bool


@never_cache
@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    actor = Actor.for_web(request)
    page = page_for_site(
        request,
        actor,
        alert_queue(actor),
        PeopleShown(
            what="name and monitoring alert (alert queue list)",
            why="On the care team watching their check-ins",
            person=lambda alert: alert.person,
        ),
        per_page=QUEUE_PAGE_SIZE,
    )
    now = timezone.now()
    rows = [
        QueueRow(
            line=line,
            tag=alert_tag(line.alert),
            reason="; ".join(line.alert.reasons),
            mine=line.alert.assigned_to_id == actor.user.pk,
        )
        for line in alert_lines(page.object_list, now)
    ]
    context = {
        "rows": rows,
        "links": page_links(request, page, label=_("Pages of alerts")),
        "on_a_team": bool(rows) or is_on_a_care_team(actor),
    }
    return render(request, "monitoring/staff/alerts.html", context)


# --- one alert -----------------------------------------------------------------------------


def _alert_for_team(actor: Actor, alert_id) -> tuple[Alert, Access]:
    """An alert of a person whose current care team the actor is on, with the access rule
    (no audit row: the page audits its look, a step is audited by its action)."""
    alert = (
        Alert.objects.filter(pk=alert_id, enrolment__in=_team_enrolment_ids(actor))
        .select_related(
            "enrolment__programme", "enrolment__organisation", "check_in", "assigned_to"
        )
        .first()
        if actor.user is not None and actor.user.is_authenticated
        else None
    )
    if alert is None:
        raise PersonNotFound
    access = person_access(actor, alert.person_id, category=RecordCategory.HEALTH)
    return alert, access


@dataclass(frozen=True)
class Step:
    """A step a clinician takes on an alert from its page."""

    name: str
    button: str
    label: str
    hint: str
    note_required: bool
    done: str


STEPS = {
    "acknowledge": Step(
        "acknowledge",
        gettext_lazy("I have seen it"),
        gettext_lazy("Note (optional)"),
        gettext_lazy("It stops counting towards being passed to the next person on the team."),
        False,
        gettext_lazy("You have taken the alert in hand."),
    ),
    "remeasure": Step(
        "remeasure",
        gettext_lazy("Ask them to measure again"),
        gettext_lazy("Note (optional)"),
        gettext_lazy("A repeat within 30 minutes that comes back green closes the alert."),
        False,
        gettext_lazy("The person is asked to measure again."),
    ),
    "call": Step(
        "call",
        gettext_lazy("Record the call"),
        gettext_lazy("What was said"),
        "",
        True,
        gettext_lazy("The call is recorded."),
    ),
    "escalate": Step(
        "escalate",
        gettext_lazy("Pass it on"),
        gettext_lazy("Why you are passing it on"),
        gettext_lazy("The next person on the care team gets it, with a new due time."),
        True,
        gettext_lazy("The alert is passed to the next person on the care team."),
    ),
    "close": Step(
        "close",
        gettext_lazy("Close the alert"),
        gettext_lazy("Note (optional unless you choose Other)"),
        "",
        False,
        gettext_lazy("The alert is closed."),
    ),
}


def _step_form(step: Step, data=None):
    form_class = CloseAlertForm if step.name == "close" else AlertStepForm
    return form_class(
        data, step=step.name, label=step.label, required=step.note_required, hint=step.hint
    )


def _take_step(actor: Actor, alert: Alert, step: str, data: dict):
    if step == "acknowledge":
        return actions.acknowledge_alert(actor, alert_id=alert.pk, note=data["note"])
    if step == "remeasure":
        return actions.ask_to_remeasure(actor, alert_id=alert.pk, note=data["note"])
    if step == "call":
        return actions.record_call(actor, alert_id=alert.pk, note=data["note"])
    if step == "escalate":
        return actions.escalate_alert(actor, alert_id=alert.pk, note=data["note"])
    return actions.close_alert(actor, alert_id=alert.pk, outcome=data["outcome"], note=data["note"])


@dataclass
class Reading:
    day: object
    at: str
    tag: tuple[str, str]
    measure: str
    remeasure: bool


@dataclass
class SettingLine:
    key: str
    label: str
    value: str
    default: str
    own: bool


def answer_words(definition, answers: dict) -> list[tuple[str, str]]:
    """A check-in's answers as (question, answer) in the person's words."""
    shown = []
    for question in definition.questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        if question.kind == AnswerKind.BOOLEAN:
            words = _("Yes") if value else _("No")
        elif question.kind == AnswerKind.CHOICE:
            option = question.option(str(value))
            words = option.text if option else str(value)
        elif question.kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL):
            unit = question.unit_text
            words = f"{value}{unit}" if unit in ("%", "°C") else f"{value} {unit}".strip()
        else:
            words = str(value)
        shown.append((question.text, words))
    return shown


def setting_lines(enrolment: Enrolment, definition) -> list[SettingLine]:
    defaults = queries.effective_settings(enrolment.programme)
    current = queries.effective_settings(enrolment.programme, enrolment)
    return [
        SettingLine(
            key=setting.key,
            label=setting.label,
            value=shown_value(setting, current.get(setting.key)),
            default=shown_value(setting, defaults.get(setting.key)),
            own=setting.key in enrolment.settings,
        )
        for setting in definition.settings
    ]


def last_readings(enrolment: Enrolment, now: datetime) -> list[Reading]:
    measure = main_measure(enrolment.programme.scoring)
    rows = (
        CheckIn.objects.filter(enrolment=enrolment)
        .order_by("-submitted_at")
        .values("day", "submitted_at", "score", "answers", "colour", "remeasure_for_id")[
            :READINGS_SHOWN
        ]
    )
    readings = []
    for row in rows:
        text, colour = COLOUR_TAGS[Colour(row["colour"])]
        readings.append(
            Reading(
                day=row["day"],
                at=moment_words(row["submitted_at"], now, enrolment.time_zone),
                tag=(str(text), colour),
                measure=measure.words(measure.value(row)),
                remeasure=row["remeasure_for_id"] is not None,
            )
        )
    return readings


@dataclass
class HistoryLine:
    step: AlertStep
    what: str
    when: str


# Where an alert stands, in the words of the FHIR export (standards.fhir.TASK_STATUSES), by
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
    flag = fhir.alert_flag(
        alert_id=alert.pk,
        subject_reference=subject,
        colour=alert.colour,
        reasons=alert.reasons,
        raised_at=alert.raised_at,
        closed_at=alert.closed_at,
        base_url=base_url,
    )
    task = fhir.alert_task(
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


@never_cache
@login_required
def alert_fhir(request: HttpRequest, alert_id) -> HttpResponse:
    """The alert as a FHIR Flag and Task, to download (a look at the person, audited)."""
    actor = Actor.for_web(request)
    found, access = _alert_for_team(actor, alert_id)
    audit_look(actor, access, what="monitoring alert (FHIR Flag and Task)")
    steps = list(found.steps.order_by("at", "id"))
    response = JsonResponse(alert_as_fhir(found, steps), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="alert-{found.pk}.json"'
    return response


def _alert_page(
    request: HttpRequest, actor: Actor, alert: Alert, access: Access, *, forms=None
) -> HttpResponse:
    audit_look(actor, access, what=ALERT_LOOK)
    now = timezone.now()
    enrolment = alert.enrolment
    definition = queries.programme_definition(enrolment.programme)
    team = queries.current_team(enrolment)
    forms = forms or {}
    steps = []
    open_alert = alert.closed_at is None
    if open_alert:
        after_me = [member.user_id for member in team]
        can_pass_on = alert.assigned_to_id in after_me[:-1] or alert.assigned_to_id not in after_me
        for name, step in STEPS.items():
            # Only warning signs in a reading can be measured again.
            if name == "remeasure" and alert.kind != Alert.Kind.READING:
                continue
            if name == "escalate" and not can_pass_on:
                continue
            steps.append((step, forms.get(name) or _step_form(step)))
    history = [
        HistoryLine(
            step=step,
            what=step.get_kind_display(),
            when=moment_words(step.at, now, enrolment.time_zone),
        )
        for step in alert.steps.select_related("assigned_to").order_by("at", "id")
    ]
    context = {
        "alert": alert,
        "person": access.person,
        "title": alert_title(alert),
        "tag": alert_tag(alert),
        "due": due_words(alert, now),
        "raised": moment_words(alert.raised_at, now, enrolment.time_zone),
        "programme": definition,
        "answers": answer_words(definition, alert.check_in.answers) if alert.check_in else [],
        "check_in_score": alert.check_in.score if alert.check_in else None,
        "settings": setting_lines(enrolment, definition),
        "readings": last_readings(enrolment, now),
        "history": history,
        "team": team,
        "steps": steps,
        "outcome": alert.get_outcome_display() if alert.outcome else "",
        **form_errors(*forms.values()),
    }
    return render(request, "monitoring/staff/alert.html", context)


@never_cache
@login_required
def alert(request: HttpRequest, alert_id) -> HttpResponse:
    """An alert: why it fired, the person's thresholds and last readings, its history, and
    the steps to take on it."""
    actor = Actor.for_web(request)
    found, access = _alert_for_team(actor, alert_id)
    return _alert_page(request, actor, found, access)


@login_required
@require_POST
def alert_step(request: HttpRequest, alert_id, step: str) -> HttpResponse:
    actor = Actor.for_web(request)
    found, access = _alert_for_team(actor, alert_id)
    chosen = STEPS.get(step)
    if chosen is None:
        raise Http404
    form = _step_form(chosen, request.POST)
    done = submit(
        request,
        form,
        lambda data: _take_step(actor, found, step, data),
        success=str(chosen.done),
        redirect_to=reverse("monitoring:alert", kwargs={"alert_id": found.pk}),
    )
    if done:
        return done
    found.refresh_from_db()
    return _alert_page(request, actor, found, access, forms={step: form})


# --- thresholds ----------------------------------------------------------------------------


def _enrolment_for_team(actor: Actor, enrolment_id) -> tuple[Enrolment, Access]:
    enrolment = (
        Enrolment.objects.filter(
            pk=enrolment_id, pk__in=_team_enrolment_ids(actor), ended_at__isnull=True
        )
        .select_related("programme", "organisation", "person")
        .first()
        if actor.user is not None and actor.user.is_authenticated
        else None
    )
    if enrolment is None:
        raise PersonNotFound
    access = person_access(actor, enrolment.person_id, category=RecordCategory.HEALTH)
    return enrolment, access


@dataclass
class ChangeLine:
    change: object
    label: str
    old: str
    new: str
    when: str


@never_cache
@login_required
def thresholds(request: HttpRequest, enrolment_id) -> HttpResponse:
    """The person's thresholds (the programme's default and their own), each with a link to
    change it, and every change with who, when and why."""
    actor = Actor.for_web(request)
    enrolment, access = _enrolment_for_team(actor, enrolment_id)
    audit_look(actor, access, what="monitoring thresholds")
    definition = queries.programme_definition(enrolment.programme)
    now = timezone.now()
    settings = {setting.key: setting for setting in definition.settings}
    lines = setting_lines(enrolment, definition)
    changes = []
    for change in enrolment.changes.order_by("-changed_at", "-id"):
        setting = settings.get(change.key)
        changes.append(
            ChangeLine(
                change=change,
                label=setting.label if setting else change.key,
                old=shown_value(setting, change.old_value) if setting else str(change.old_value),
                new=shown_value(setting, change.new_value) if setting else str(change.new_value),
                when=moment_words(change.changed_at, now, enrolment.time_zone),
            )
        )
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "programme": definition,
        "lines": lines,
        "changes": changes,
        "team": queries.current_team(enrolment),
    }
    return render(request, "monitoring/staff/thresholds.html", context)


@never_cache
@login_required
def change_threshold(request: HttpRequest, enrolment_id, key: str) -> HttpResponse:
    actor = Actor.for_web(request)
    enrolment, access = _enrolment_for_team(actor, enrolment_id)
    definition = queries.programme_definition(enrolment.programme)
    setting = definition.setting(key)
    if setting is None:
        raise Http404
    defaults = queries.effective_settings(enrolment.programme)
    current = queries.effective_settings(enrolment.programme, enrolment)
    form = ThresholdChangeForm(
        posted(request),
        setting=setting,
        default=defaults.get(key),
        current=current.get(key),
    )
    back = reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk})
    done = submit(
        request,
        form,
        lambda data: actions.change_settings(
            actor, values={key: data["value"]}, why=data["why"], enrolment_id=enrolment.pk
        ),
        success=lambda changes: (
            _("%(setting)s is now %(value)s.")
            % {"setting": setting.label, "value": shown_value(setting, form.cleaned_data["value"])}
            if changes
            else _("Nothing changed: that was already the value.")
        ),
        redirect_to=back,
    )
    if done:
        return done
    audit_look(actor, access, what="monitoring thresholds")
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "setting": setting,
        "current": shown_value(setting, current.get(key)),
        "form": form,
        **form_errors(form),
        "back_url": back,
    }
    return render(request, "monitoring/staff/change_threshold.html", context)


@never_cache
@login_required
def end_enrolment(request: HttpRequest, enrolment_id) -> HttpResponse:
    """Stop monitoring a person, with why: they stop being asked to check in; alerts still
    open stay in the queue to be closed."""
    actor = Actor.for_web(request)
    enrolment, access = _enrolment_for_team(actor, enrolment_id)
    form = EndEnrolmentForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: actions.end_enrolment(actor, enrolment_id=enrolment.pk, reason=data["reason"]),
        success=_("Monitoring of %(name)s in %(programme)s has stopped.")
        % {"name": access.person.full_name, "programme": enrolment.programme.title},
        redirect_to=reverse("people:person", kwargs={"person_id": access.person.pk})
        + "#monitoring",
    )
    if done:
        return done
    audit_look(actor, access, what="monitoring: stopping it")
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "form": form,
        **form_errors(form),
        "back_url": reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}),
    }
    return render(request, "monitoring/staff/end_enrolment.html", context)


# --- enrolling a person --------------------------------------------------------------------


def clinician_organisations(actor: Actor) -> list[Organisation]:
    """Where the actor works as a clinician, in the order of their roles, once each."""
    seen: dict[int, Organisation] = {}
    for role in actor.roles:
        if role.kind == Role.Kind.CLINICIAN:
            seen.setdefault(role.organisation_id, role.organisation)
    return list(seen.values())


def may_enrol(actor: Actor, person) -> bool:
    """The person page's link: a clinician with a basis in the person's health record."""
    if not clinician_organisations(actor):
        return False
    try:
        access = person_access(actor, person.pk, category=RecordCategory.HEALTH, write=True)
    except PersonNotFound:
        return False
    return not access.is_self


def _enrol_access(request: HttpRequest, person_id) -> tuple[Actor, Access, list[Organisation]]:
    actor = Actor.for_web(request)
    organisations = clinician_organisations(actor)
    if not organisations:
        raise PersonNotFound
    access = person_access(actor, person_id, category=RecordCategory.HEALTH, write=True)
    if access.is_self:
        raise PersonNotFound
    return actor, access, organisations


def _session_key(person_id) -> str:
    return f"monitoring-enrol-{person_id}"


def _enrol_url(name: str, person_id) -> str:
    return reverse(f"monitoring:{name}", kwargs={"person_id": person_id})


def _programmes_to_offer(person) -> list:
    current = queries.current_enrolments(person.pk).values("programme_id")
    return [
        (row, queries.programme_definition(row))
        for row in Programme.objects.exclude(pk__in=current).order_by("title")
    ]


@never_cache
@login_required
def enrol(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, first step: which programme, and which organisation's care team."""
    actor, access, organisations = _enrol_access(request, person_id)
    programmes = _programmes_to_offer(access.person)
    form = EnrolStartForm(posted(request), programmes=programmes, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        request.session[_session_key(person_id)] = {
            "programme": form.cleaned_data["programme"],
            "organisation": form.cleaned_data["organisation"],
        }
        return redirect(_enrol_url("enrol-details", person_id))
    audit_look(actor, access, what="enrol in monitoring")
    context = {
        "person": access.person,
        "form": form,
        **form_errors(form),
        "programmes": programmes,
        "choose_organisation": len(organisations) > 1,
    }
    return render(request, "monitoring/staff/enrol_start.html", context)


@dataclass
class EnrolChoice:
    programme: Programme
    organisation: Organisation
    definition: object


def _enrol_choice(request, person_id, organisations) -> EnrolChoice | None:
    chosen = request.session.get(_session_key(person_id)) or {}
    programme = Programme.objects.filter(key=chosen.get("programme", "")).first()
    organisation = next(
        (org for org in organisations if org.pk == chosen.get("organisation")), None
    )
    if programme is None or organisation is None:
        return None
    return EnrolChoice(programme, organisation, queries.programme_definition(programme))


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


def _details_form(choice: EnrolChoice, data, actor: Actor) -> EnrolDetailsForm:
    colleagues = colleagues_at(choice.organisation)
    form = EnrolDetailsForm(
        data,
        definition=choice.definition,
        colleagues=colleagues,
        defaults=queries.effective_settings(choice.programme),
    )
    if data is None and any(user.pk == actor.user.pk for user, _title in colleagues):
        form.initial.setdefault("member_1", str(actor.user.pk))
    return form


def _details_page(request, access: Access, choice: EnrolChoice, form) -> HttpResponse:
    context = {
        "person": access.person,
        "choice": choice,
        "form": form,
        **form_errors(form),
    }
    return render(request, "monitoring/staff/enrol_details.html", context)


@never_cache
@login_required
def enrol_details(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, second step: the care team, the person's thresholds, the window."""
    actor, access, organisations = _enrol_access(request, person_id)
    choice = _enrol_choice(request, person_id, organisations)
    if choice is None:
        return redirect(_enrol_url("enrol", person_id))
    form = _details_form(choice, posted(request), actor)
    if request.method == "POST" and form.is_valid():
        chosen = request.session[_session_key(person_id)]
        details = {
            name: value for name, value in request.POST.items() if name != "csrfmiddlewaretoken"
        }
        request.session[_session_key(person_id)] = {**chosen, "details": details}
        return redirect(_enrol_url("enrol-check", person_id))
    if request.method != "POST":
        saved = (request.session.get(_session_key(person_id)) or {}).get("details")
        if saved:
            form = _details_form(choice, None, actor)
            form.initial.update(saved)
    audit_look(actor, access, what="enrol in monitoring")
    return _details_page(request, access, choice, form)


@never_cache
@login_required
def enrol_check(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, last step: everything chosen, to check, then the enrolment itself."""
    actor, access, organisations = _enrol_access(request, person_id)
    choice = _enrol_choice(request, person_id, organisations)
    details = (request.session.get(_session_key(person_id)) or {}).get("details")
    if choice is None or details is None:
        return redirect(_enrol_url("enrol", person_id))
    form = _details_form(choice, details, actor)
    if not form.is_valid():
        # What was chosen no longer holds (a colleague's role ended): the details again.
        audit_look(actor, access, what="enrol in monitoring")
        return _details_page(request, access, choice, form)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.enrol(
                actor,
                person_id=access.person.pk,
                programme_key=choice.programme.key,
                organisation_id=choice.organisation.pk,
                team=form.team(),
                settings=form.settings(),
                window_opens=data["window_opens"],
                window_closes=data["window_closes"],
            ),
            success=_("%(name)s is enrolled in %(programme)s.")
            % {"name": access.person.full_name, "programme": choice.definition.title},
            redirect_to=lambda enrolment: reverse(
                "monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}
            ),
        )
        if done:
            request.session.pop(_session_key(person_id), None)
            return done
        audit_look(actor, access, what="enrol in monitoring")
        return _details_page(request, access, choice, form)
    audit_look(actor, access, what="enrol in monitoring")
    colleagues = dict((str(user.pk), user) for user, _title in colleagues_at(choice.organisation))
    team = [(colleagues.get(str(member.user_id)), member.job_title) for member in form.team()]
    own = form.settings()
    settings = [
        (
            setting.label,
            shown_value(setting, form.cleaned_data.get(f"setting_{setting.key}")),
            setting.key not in own,
        )
        for setting in choice.definition.settings
    ]
    context = {
        "person": access.person,
        "choice": choice,
        "team": team,
        "settings": settings,
        "window_opens": form.cleaned_data["window_opens"],
        "window_closes": form.cleaned_data["window_closes"],
    }
    return render(request, "monitoring/staff/enrol_check.html", context)
