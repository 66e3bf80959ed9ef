"""The care team's lists: the panel of everyone their teams watch (red, amber, not heard from,
then green) and the alert queue; the words every staff page uses for times, colours, alerts
and trend lines; and whether the person page offers enrolling.

The pages of one alert are in staff_alert_views, an enrolment's thresholds and its end in
staff_enrolment_views, enrolling a person in staff_enrolling_views; what they read is in
staff_queries.

Views are thin: every name shown in a list goes through coproduce.listing (audited), every
look at one person through the access rule (people.access) with its audit row, every change
through monitoring.actions (web.form_path). Someone not on the person's care team gets "Page
not found", as if the alert did not exist.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from coproduce.listing import PeopleShown, page_for_site
from coproduce.people.access import Actor, PersonNotFound, person_access
from coproduce.people.models import RecordCategory
from coproduce.web.pagination import page_links

from . import timing
from .charts import Mark, sparkline
from .models import Alert, Enrolment
from .programmes import Colour, Scoring
from .staff_queries import (
    AMBER,
    GREEN,
    NOT_HEARD_FROM,
    RED,
    alert_queue,
    clinician_organisations,
    is_on_a_care_team,
    open_alerts_by_enrolment,
    panel_enrolments,
    recent_check_ins,
)

PANEL_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50
# The panel's trend line looks back this far.
TREND_DAYS = 14

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


# --- alerts and check-ins in a line ---------------------------------------------------------


@dataclass
class AlertLine:
    alert: Alert
    title: str
    due: DueWords
    url: str


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


# --- the panel -----------------------------------------------------------------------------


@dataclass
class PanelRow:
    enrolment: Enrolment
    tag: tuple[str, str]
    reason: str
    last_check_in: str
    trend: Trend
    alerts: list[AlertLine] = field(default_factory=list)


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
    check_ins = recent_check_ins(ids, now - timedelta(days=TREND_DAYS))
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


# --- who is offered enrolling --------------------------------------------------------------


def may_enrol(actor: Actor, person) -> bool:
    """The person page's link: a clinician with a basis in the person's health record."""
    if not clinician_organisations(actor):
        return False
    try:
        access = person_access(actor, person.pk, category=RecordCategory.HEALTH, write=True)
    except PersonNotFound:
        return False
    return not access.is_self
