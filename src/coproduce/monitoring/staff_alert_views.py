"""The page of one alert, for its care team: why it fired, the person's thresholds and last
readings, its history, and the steps to take on it (each through monitoring.actions); and
the alert as a FHIR Flag and Task to download."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce.people.access import Access, Actor, audit_look
from coproduce.web.form_path import form_errors, submit

from . import actions, queries
from .models import Alert, AlertStep, Enrolment
from .programmes import AnswerKind, Colour
from .staff_enrolment_views import setting_lines
from .staff_forms import AlertStepForm, CloseAlertForm
from .staff_queries import alert_as_fhir, alert_for_team, alert_steps, latest_check_ins
from .staff_views import COLOUR_TAGS, alert_tag, alert_title, due_words, main_measure, moment_words

# The alert page's readings: this many, newest first.
READINGS_SHOWN = 7
ALERT_LOOK = "monitoring alert"


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


def last_readings(enrolment: Enrolment, now: datetime) -> list[Reading]:
    measure = main_measure(enrolment.programme.scoring)
    readings = []
    for row in latest_check_ins(enrolment, READINGS_SHOWN):
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


# Where an alert stands, in the words of the FHIR export (standards.fhir_alert.TASK_STATUSES), by
@never_cache
@login_required
def alert_fhir(request: HttpRequest, alert_id) -> HttpResponse:
    """The alert as a FHIR Flag and Task, to download (a look at the person, audited)."""
    actor = Actor.for_web(request)
    found, access = alert_for_team(actor, alert_id)
    audit_look(actor, access, what="monitoring alert (FHIR Flag and Task)")
    steps = alert_steps(found)
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
        for step in alert_steps(alert)
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
    found, access = alert_for_team(actor, alert_id)
    return _alert_page(request, actor, found, access)


@login_required
@require_POST
def alert_step(request: HttpRequest, alert_id, step: str) -> HttpResponse:
    actor = Actor.for_web(request)
    found, access = alert_for_team(actor, alert_id)
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
