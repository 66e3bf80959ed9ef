"""The citizen's side of monitoring: "My check-ins" (today, the last result, who the care team
is and what they will do), how a programme works, today's check-in one question a page with
"Check your answers", what the result means and what to do now, and the last 90 days as
charts with their tables.

The person sees their own; a proxy reads about the person they act for in the third person
("Check-ins of Ada Lovelace"), and only the person or a `manage` proxy may check in. Anyone
else gets 404 (people.access.citizen_access). A proxy's every look is audited; every change
goes through monitoring.actions.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce import registry
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    audit_look,
    citizen_access,
)
from coproduce.people.models import RecordCategory
from coproduce.people.queries import people_acted_for
from coproduce.web.form_path import confirm, form_errors, posted, submit

from . import actions, charts, queries, timing
from .check_in_forms import AnswerForm, SendForm, shown_value
from .models import Alert, AlertStep, CareTeamMember, CheckIn, CheckInDraft, Enrolment
from .programmes import BUILT_IN, AnswerKind, Colour, Question, ResponseTime, Scoring
from .programmes import Programme as Definition

HISTORY_DAYS = 90


# --- Words -----------------------------------------------------------------------------------


def clock(moment) -> str:
    """A time of day as the person reads it: 06:00, 17:30."""
    return moment.strftime("%H:%M")


def long_date(day: date) -> str:
    return date_format(day, "j F Y")


def in_sentence(title: str) -> str:
    """A job title inside a sentence: "heart failure nurse", but "GP" stays "GP"."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return title
    return title[:1].lower() + title[1:]


def within(response_time: ResponseTime) -> str:
    """ "within 1 hour", "within 30 minutes", "by the end of the working day"."""
    minutes = response_time.minutes
    if minutes is not None:
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("within %(count)d hour", "within %(count)d hours", hours) % {
                "count": hours
            }
        return ngettext("within %(count)d minute", "within %(count)d minutes", minutes) % {
            "count": minutes
        }
    return _("by the end of the working day")


def due_words(due_at: datetime, time_zone: str, now: datetime) -> str:
    """ "by 11:42 today", "by 17:00 tomorrow", "by 17:00 on Monday 7 December"."""
    zone = timing.zone(time_zone)
    local = due_at.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        return _("by %(time)s today") % {"time": clock(local)}
    if local.date() == today + timedelta(days=1):
        return _("by %(time)s tomorrow") % {"time": clock(local)}
    return _("by %(time)s on %(day)s") % {
        "time": clock(local),
        "day": date_format(local.date(), "l j F"),
    }


@dataclass(frozen=True)
class Voice:
    """Whom a page speaks to: the person ("you") or someone reading about them, who reads
    the person's name ("Ada Lovelace's answers ...")."""

    access: Access

    @property
    def is_self(self) -> bool:
        return self.access.is_self

    @property
    def name(self) -> str:
        return self.access.person.full_name

    def result(self, colour: str) -> str:
        """What a check-in's answers showed, never its colour."""
        if self.is_self:
            words = {
                Colour.GREEN: _("Your readings are in the normal range for you."),
                Colour.AMBER: _("Your answers show warning signs."),
                Colour.RED: _("Your answers show urgent warning signs."),
            }
        else:
            words = {
                Colour.GREEN: _("The readings of %(name)s are in the normal range for them."),
                Colour.AMBER: _("The answers of %(name)s show warning signs."),
                Colour.RED: _("The answers of %(name)s show urgent warning signs."),
            }
        return words[colour] % {"name": self.name}

    def unwell(self) -> str:
        if self.is_self:
            return _("If you feel very unwell, call 999.")
        return _("If %(name)s feels very unwell, call 999.") % {"name": self.name}

    def last_result(self, check_in: CheckIn) -> str:
        shown = {"day": long_date(check_in.day), "name": self.name}
        if self.is_self:
            words = {
                Colour.GREEN: _("Your last check-in, on %(day)s, was in the normal range for you."),
                Colour.AMBER: _("Your last check-in, on %(day)s, showed warning signs."),
                Colour.RED: _("Your last check-in, on %(day)s, showed urgent warning signs."),
            }
        else:
            words = {
                Colour.GREEN: _(
                    "The last check-in of %(name)s, on %(day)s, was in the normal range for them."
                ),
                Colour.AMBER: _("The last check-in of %(name)s, on %(day)s, showed warning signs."),
                Colour.RED: _(
                    "The last check-in of %(name)s, on %(day)s, showed urgent warning signs."
                ),
            }
        return words[check_in.colour] % shown

    def contact(self, member: CareTeamMember, when: str) -> str:
        """ "Your heart failure nurse, Sam Jones, will contact you by 11:42 today." """
        shown = {
            "title": in_sentence(member.job_title),
            "clinician": member.user.get_full_name() or member.user.get_username(),
            "when": when,
            "name": self.name,
        }
        if self.is_self:
            return _("Your %(title)s, %(clinician)s, will contact you %(when)s.") % shown
        return _("Their %(title)s, %(clinician)s, will contact %(name)s %(when)s.") % shown

    def promise(self, member: CareTeamMember, definition: Definition) -> str:
        """What the named clinician will do about warning signs, and how soon."""
        times = {rt.colour: rt for rt in definition.response_times}
        shown = {
            "title": in_sentence(member.job_title),
            "clinician": member.user.get_full_name() or member.user.get_username(),
            "amber": within(times[Colour.AMBER]) if Colour.AMBER in times else "",
            "red": within(times[Colour.RED]) if Colour.RED in times else "",
            "name": self.name,
        }
        if self.is_self:
            return (
                _(
                    "If your answers show warning signs, your %(title)s, %(clinician)s, will "
                    "contact you %(amber)s. If they show urgent warning signs, %(clinician)s "
                    "will contact you %(red)s."
                )
                % shown
            )
        return (
            _(
                "If the answers of %(name)s show warning signs, their %(title)s, %(clinician)s, "
                "will contact them %(amber)s. If they show urgent warning signs, %(clinician)s "
                "will contact them %(red)s."
            )
            % shown
        )


# --- Whose enrolment ----------------------------------------------------------------------------


def _enrolment(
    request: HttpRequest, enrolment_id, *, write: bool
) -> tuple[Actor, Enrolment, Access]:
    """A current enrolment of the signed-in person or of someone they act for (with `write`,
    someone they manage): the access rule alone, no audit row (a page shown audits its look,
    an action its change)."""
    enrolment = (
        Enrolment.objects.filter(pk=enrolment_id, ended_at__isnull=True)
        .select_related("programme", "organisation", "person")
        .first()
    )
    if enrolment is None:
        raise PersonNotFound
    actor = Actor.for_web(request)
    access = citizen_access(actor, enrolment.person_id, category=RecordCategory.HEALTH, write=write)
    return actor, enrolment, access


def _mine_url(access: Access) -> str:
    if access.is_self:
        return reverse("monitoring:mine")
    return reverse("monitoring:mine-for", kwargs={"person_id": access.person.pk})


# --- Today ------------------------------------------------------------------------------------


class DayState:
    NOT_STARTED = "not_started"  # before the first day of check-ins
    NOT_OPEN = "not_open"  # today's window has not opened
    OPEN = "open"
    DONE = "done"
    MISSED = "missed"  # today's window closed with no check-in


@dataclass
class EnrolmentToday:
    """One enrolment as the person's day stands now."""

    enrolment: Enrolment
    definition: Definition
    day: date
    window: timing.Window
    check_in: CheckIn | None
    draft: CheckInDraft | None
    last: CheckIn | None
    team: list[CareTeamMember]
    remeasure: Alert | None = None
    tomorrow_opens: str = ""
    state: str = DayState.OPEN
    result_words: str = ""
    last_words: str = ""
    promise: str = ""
    checked_in_at: str = ""

    @property
    def named(self) -> CareTeamMember | None:
        return self.team[0] if self.team else None


def day_state(enrolment: Enrolment, day: date, window: timing.Window, check_in, now) -> str:
    if day < enrolment.starts_on:
        return DayState.NOT_STARTED
    if check_in is not None:
        return DayState.DONE
    if now < window.opens_at:
        return DayState.NOT_OPEN
    if now >= window.closes_at:
        return DayState.MISSED
    return DayState.OPEN


def asked_to_remeasure(enrolment: Enrolment) -> Alert | None:
    """The open alert on which the care team asked the person to measure again, and the
    person has not yet done so."""
    alerts = (
        Alert.objects.filter(enrolment=enrolment, closed_at__isnull=True)
        .exclude(kind=Alert.Kind.NOT_HEARD_FROM)
        .prefetch_related("steps")
        .order_by("-raised_at")
    )
    for alert in alerts:
        waiting = False
        for step in sorted(alert.steps.all(), key=lambda step: (step.at, step.pk)):
            if step.kind == AlertStep.Kind.ASKED_TO_REMEASURE:
                waiting = True
            elif step.kind == AlertStep.Kind.REMEASURED:
                waiting = False
        if waiting:
            return alert
    return None


def enrolment_today(enrolment: Enrolment, voice: Voice, now: datetime) -> EnrolmentToday:
    definition = queries.programme_definition(enrolment.programme)
    day = timing.local_day(now, enrolment.time_zone)
    window = timing.window_on(
        day, enrolment.window_opens, enrolment.window_closes, enrolment.time_zone
    )
    daily = CheckIn.objects.filter(enrolment=enrolment, remeasure_for__isnull=True)
    last = daily.order_by("-day", "-submitted_at").first()
    today = EnrolmentToday(
        enrolment=enrolment,
        definition=definition,
        day=day,
        window=window,
        check_in=last if last is not None and last.day == day else None,
        draft=CheckInDraft.objects.filter(enrolment=enrolment, day=day).first(),
        last=last,
        team=queries.current_team(enrolment),
        remeasure=asked_to_remeasure(enrolment),
        tomorrow_opens=clock(enrolment.window_opens),
    )
    today.state = day_state(enrolment, day, window, today.check_in, now)
    if today.check_in is not None:
        today.result_words = voice.result(today.check_in.colour)
        today.checked_in_at = clock(
            today.check_in.submitted_at.astimezone(timing.zone(enrolment.time_zone))
        )
    elif last is not None:
        today.last_words = voice.last_result(last)
    if today.named is not None:
        today.promise = voice.promise(today.named, definition)
    return today


# --- My check-ins ----------------------------------------------------------------------------


@never_cache
@login_required
def mine(request: HttpRequest, person_id=None) -> HttpResponse:
    """Each current enrolment: today, the last result, the care team and what they will do."""
    actor = Actor.for_web(request)
    access = citizen_access(actor, person_id, category=RecordCategory.HEALTH)
    audit_look(actor, access, what="check-ins (My check-ins page)")
    voice = Voice(access)
    now = timezone.now()
    enrolments = [
        enrolment_today(enrolment, voice, now)
        for enrolment in queries.current_enrolments(access.person.pk)
    ]
    acting_for = []
    if access.is_self:
        relationships = list(people_acted_for(access.person))
        enrolled = set(
            Enrolment.objects.filter(
                person_id__in=[r.person_id for r in relationships], ended_at__isnull=True
            ).values_list("person_id", flat=True)
        )
        acting_for = [r for r in relationships if r.person_id in enrolled]
    context = {
        "access": access,
        "person": access.person,
        "voice": voice,
        "enrolments": enrolments,
        "acting_for": acting_for,
    }
    return render(request, "monitoring/citizen/mine.html", context)


# --- How it works ------------------------------------------------------------------------------


@never_cache
@login_required
def how_it_works(request: HttpRequest, enrolment_id) -> HttpResponse:
    actor, enrolment, access = _enrolment(request, enrolment_id, write=False)
    audit_look(actor, access, what="check-ins: how it works")
    voice = Voice(access)
    definition = queries.programme_definition(enrolment.programme)
    team = queries.current_team(enrolment)
    context = {
        "access": access,
        "person": access.person,
        "enrolment": enrolment,
        "definition": definition,
        "team": team,
        "named": team[0] if team else None,
        "promise": voice.promise(team[0], definition) if team else "",
        "opens": clock(enrolment.window_opens),
        "closes": clock(enrolment.window_closes),
        "questions": [q for q in definition.questions if q.kind is not AnswerKind.TEXT],
        "today": timing.local_day(timezone.now(), enrolment.time_zone),
        "unwell": voice.unwell(),
        "my_data_url": (
            reverse("people:my-data")
            if access.is_self
            else reverse("people:my-data-for", kwargs={"person_id": access.person.pk})
        ),
        "back_url": _mine_url(access),
    }
    return render(request, "monitoring/citizen/how_it_works.html", context)


# --- Today's check-in, one question a page ------------------------------------------------------


def _unanswered(definition: Definition, answers: dict) -> Question | None:
    """The first question not yet answered (an optional one passed over counts as answered)."""
    return next((q for q in definition.questions if q.key not in answers), None)


def _question_url(enrolment: Enrolment, key: str, *, change: bool = False) -> str:
    url = reverse("monitoring:question", kwargs={"enrolment_id": enrolment.pk, "key": key})
    return f"{url}?change=1" if change else url


def _check_url(enrolment: Enrolment) -> str:
    return reverse("monitoring:check-answers", kwargs={"enrolment_id": enrolment.pk})


def _next_page(enrolment: Enrolment, definition: Definition, answers: dict) -> str:
    question = _unanswered(definition, answers)
    if question is None:
        return _check_url(enrolment)
    return _question_url(enrolment, question.key)


def _todays_draft(enrolment: Enrolment, now: datetime) -> CheckInDraft | None:
    day = timing.local_day(now, enrolment.time_zone)
    return CheckInDraft.objects.filter(enrolment=enrolment, day=day).first()


def _why_not_now(enrolment: Enrolment, draft: CheckInDraft | None, now: datetime) -> str:
    """Why today's check-in cannot be taken now, in words; "" when it can. Measuring again,
    when the care team asked, can be done at any time."""
    if draft is not None and draft.remeasure_for_id is not None:
        return ""
    day = timing.local_day(now, enrolment.time_zone)
    window = timing.window_on(
        day, enrolment.window_opens, enrolment.window_closes, enrolment.time_zone
    )
    done = CheckIn.objects.filter(enrolment=enrolment, day=day, remeasure_for__isnull=True).exists()
    state = day_state(enrolment, day, window, done or None, now)
    opens, closes = clock(enrolment.window_opens), clock(enrolment.window_closes)
    if state == DayState.DONE:
        return _(
            "Today's check-in has already been sent. The next one opens tomorrow at %(opens)s."
        ) % {"opens": opens}
    if state == DayState.NOT_STARTED:
        return _("Check-ins start on %(day)s.") % {"day": long_date(enrolment.starts_on)}
    if state == DayState.NOT_OPEN:
        return _("Today's check-in opens at %(opens)s.") % {"opens": opens}
    if state == DayState.MISSED:
        return _(
            "Today's check-in closed at %(closes)s. The next one opens tomorrow at %(opens)s."
        ) % {
            "closes": closes,
            "opens": opens,
        }
    return ""


@never_cache
@login_required
def start_check_in(request: HttpRequest, enrolment_id) -> HttpResponse:
    """Today's check-in from where the person left it: the first question not answered, or
    "Check your answers" when every one is."""
    _actor, enrolment, access = _enrolment(request, enrolment_id, write=True)
    now = timezone.now()
    draft = _todays_draft(enrolment, now)
    refusal = _why_not_now(enrolment, draft, now)
    if refusal:
        messages.error(request, refusal)
        return redirect(_mine_url(access))
    definition = queries.programme_definition(enrolment.programme)
    return redirect(_next_page(enrolment, definition, draft.answers if draft else {}))


def _question_page(
    request, *, enrolment, access, definition, question, form, change, status=200
) -> HttpResponse:
    index = definition.questions.index(question)
    if change:
        back = _check_url(enrolment)
    elif index == 0:
        back = _mine_url(access)
    else:
        back = _question_url(enrolment, definition.questions[index - 1].key)
    context = {
        "access": access,
        "person": access.person,
        "enrolment": enrolment,
        "question": question,
        "form": form,
        "number": index + 1,
        "count": len(definition.questions),
        "back_url": back,
        "action": _question_url(enrolment, question.key, change=change),
        **form_errors(form),
    }
    return render(request, "monitoring/citizen/question.html", context, status=status)


@never_cache
@login_required
def question(request: HttpRequest, enrolment_id, key: str) -> HttpResponse:
    """One question of today's check-in: its answer is saved as soon as it is sent, so the
    person can stop and come back the same day."""
    actor, enrolment, access = _enrolment(request, enrolment_id, write=True)
    definition = queries.programme_definition(enrolment.programme)
    asked = definition.question(key)
    if asked is None:
        raise Http404
    now = timezone.now()
    draft = _todays_draft(enrolment, now)
    refusal = _why_not_now(enrolment, draft, now)
    if refusal:
        messages.error(request, refusal)
        return redirect(_mine_url(access))
    answers = draft.answers if draft else {}
    first_unanswered = _unanswered(definition, answers)
    if first_unanswered is not None and (
        definition.questions.index(first_unanswered) < definition.questions.index(asked)
    ):
        # Each question in turn: none is passed over by following a link.
        return redirect(_question_url(enrolment, first_unanswered.key))
    change = request.GET.get("change") == "1"
    form = AnswerForm(asked, posted(request), answered=answers.get(key))
    done = submit(
        request,
        form,
        lambda data: actions.save_check_in_answer(
            actor, enrolment_id=enrolment.pk, key=key, value=data[key]
        ),
        success=None,
        redirect_to=lambda saved: (
            _check_url(enrolment) if change else _next_page(enrolment, definition, saved.answers)
        ),
    )
    if done:
        return done
    if request.method == "GET":
        audit_look(actor, access, what="check-in: a question")
    return _question_page(
        request,
        enrolment=enrolment,
        access=access,
        definition=definition,
        question=asked,
        form=form,
        change=change,
    )


def answer_words(question: Question, value) -> str:
    """An answer as "Check your answers" says it: the option's words, Yes or No, the number
    with its unit; "Not answered" for an optional question passed over."""
    if value is None or value == "":
        return _("Not answered")
    if question.kind is AnswerKind.BOOLEAN:
        return _("Yes") if value else _("No")
    option = question.option(str(value)) if question.options else None
    if option is not None:
        return option.text
    if question.kind is AnswerKind.DECIMAL:
        value = f"{float(value):.{question.decimals}f}"
    if question.unit_text:
        joiner = "" if question.unit_text in ("%", "°C") else " "
        return f"{value}{joiner}{question.unit_text}"
    return str(value)


@never_cache
@login_required
def check_answers(request: HttpRequest, enrolment_id) -> HttpResponse:
    """Every answer with its Change link, then the button that sends the check-in."""
    actor, enrolment, access = _enrolment(request, enrolment_id, write=True)
    definition = queries.programme_definition(enrolment.programme)
    now = timezone.now()
    draft = _todays_draft(enrolment, now)
    if draft is None:
        sent = (
            CheckIn.objects.filter(
                enrolment=enrolment, day=timing.local_day(now, enrolment.time_zone)
            )
            .order_by("-submitted_at")
            .first()
        )
        if sent is not None and request.method == "POST":
            # The button pressed twice: the first press sent it.
            return redirect("monitoring:result", check_in_id=sent.pk)
    answers = draft.answers if draft else {}
    missing = _unanswered(definition, answers)
    if missing is not None:
        return redirect(_question_url(enrolment, missing.key) if draft else _mine_url(access))
    form = SendForm(definition.questions, posted(request))
    done = submit(
        request,
        form,
        lambda _data: actions.send_check_in_draft(actor, enrolment_id=enrolment.pk),
        success=None,
        redirect_to=lambda outcome: reverse(
            "monitoring:result", kwargs={"check_in_id": outcome.check_in.pk}
        ),
    )
    if done:
        return done
    refused = form.answer_errors() if request.method == "POST" else {}
    if refused:
        # A refused answer is shown on its own question, as that page shows its errors.
        asked = next(q for q in definition.questions if q.key in refused)
        answer = AnswerForm(asked, {asked.key: shown_value(asked, answers.get(asked.key))})
        answer.is_valid()
        for message in refused[asked.key]:
            answer.add_error(asked.key, message)
        return _question_page(
            request,
            enrolment=enrolment,
            access=access,
            definition=definition,
            question=asked,
            form=answer,
            change=True,
        )
    if request.method == "GET":
        audit_look(actor, access, what="check-in: check your answers")
    context = {
        "access": access,
        "person": access.person,
        "enrolment": enrolment,
        "rows": [
            {
                "question": q,
                "answer": answer_words(q, answers.get(q.key)),
                "change_url": _question_url(enrolment, q.key, change=True),
            }
            for q in definition.questions
        ],
        "remeasure": draft.remeasure_for_id is not None,
        "back_url": _question_url(enrolment, definition.questions[-1].key),
        "action": _check_url(enrolment),
        **form_errors(form),
    }
    return render(request, "monitoring/citizen/check_answers.html", context)


@login_required
@require_POST
def measure_again(request: HttpRequest, enrolment_id, alert_id) -> HttpResponse:
    """The care team asked the person to measure again: a new check-in that answers it."""
    actor, enrolment, access = _enrolment(request, enrolment_id, write=True)
    start = reverse("monitoring:check-in", kwargs={"enrolment_id": enrolment.pk})
    return confirm(
        request,
        lambda: actions.start_remeasure(actor, enrolment_id=enrolment.pk, alert_id=alert_id),
        success=_("Take the readings again now and answer each question as before."),
        redirect_to=start,
    )


# --- The result -------------------------------------------------------------------------------


def _member_for(team: list[CareTeamMember], user_id) -> CareTeamMember | None:
    return next((m for m in team if m.user_id == user_id), team[0] if team else None)


@never_cache
@login_required
def result(request: HttpRequest, check_in_id) -> HttpResponse:
    """What a check-in showed, in words, who will contact the person and by when, and, for
    urgent warning signs, what to do now."""
    check_in = (
        CheckIn.objects.filter(pk=check_in_id)
        .select_related("enrolment__programme", "enrolment__organisation", "remeasure_for")
        .first()
    )
    if check_in is None:
        raise PersonNotFound
    actor = Actor.for_web(request)
    access = citizen_access(actor, check_in.person_id, category=RecordCategory.HEALTH)
    audit_look(actor, access, what="check-in: what it showed")
    voice = Voice(access)
    enrolment = check_in.enrolment
    now = timezone.now()
    team = queries.current_team(enrolment)
    alerts = {alert.kind: alert for alert in Alert.objects.filter(check_in=check_in)}
    alert = alerts.get(Alert.Kind.READING)
    answered = check_in.remeasure_for
    contact = ""
    if alert is not None and alert.closed_at is None:
        member = _member_for(team, alert.assigned_to_id)
        if member is not None:
            contact = voice.contact(member, due_words(alert.due_at, enrolment.time_zone, now))
    elif answered is not None and answered.closed_at is None:
        member = _member_for(team, answered.assigned_to_id)
        if member is not None:
            contact = voice.contact(member, due_words(answered.due_at, enrolment.time_zone, now))
    remark = alerts.get(Alert.Kind.REMARK)
    context = {
        "access": access,
        "person": access.person,
        "check_in": check_in,
        "enrolment": enrolment,
        "colour": check_in.colour,
        "words": voice.result(check_in.colour),
        "contact": contact,
        "remark_read": (
            due_words(remark.due_at, enrolment.time_zone, now)
            if remark is not None and remark.closed_at is None
            else ""
        ),
        "remeasure": answered,
        "next_opens": clock(enrolment.window_opens),
        "is_today": check_in.day == timing.local_day(now, enrolment.time_zone),
        "mine_url": _mine_url(access),
        "history_url": reverse("monitoring:history", kwargs={"enrolment_id": enrolment.pk}),
    }
    return render(request, "monitoring/citizen/result.html", context)


# --- The last 90 days --------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What a programme's chart shows: one number from each check-in, and the lines marked."""

    name: str
    unit: str
    decimals: int
    answer_key: str = ""  # the answer charted; "" for the check-in's score


MEASURES = {
    Scoring.HEART_FAILURE: lambda: Measure(_("Weight"), "kg", 1, "weight_kg"),
    Scoring.COPD_CAT: lambda: Measure(_("COPD symptom score (CAT)"), "", 0),
    Scoring.NEWS2: lambda: Measure(_("Early warning score (NEWS2)"), "", 0),
}

# NEWS2's bands are the Royal College of Physicians' chart, the same for everyone.
NEWS2_WARNING_FROM = 5
NEWS2_URGENT_FROM = 7


def thresholds(scoring: str, settings: dict) -> list[charts.Threshold]:
    """The person's own lines on their chart: their dry weight, their usual CAT score and
    where warning signs start, as the rules read them now."""
    if scoring == Scoring.HEART_FAILURE:
        dry = settings.get("dry_weight_kg")
        return [charts.Threshold(dry, _("Dry weight"))] if dry is not None else []
    if scoring == Scoring.COPD_CAT:
        usual = settings["cat_baseline"]
        return [
            charts.Threshold(usual, _("Usual score")),
            charts.Threshold(usual + settings["amber_above_baseline"], _("Warning signs from")),
            charts.Threshold(
                min(settings["red_total"], usual + settings["red_above_baseline"]),
                _("Urgent from"),
            ),
        ]
    return [
        charts.Threshold(NEWS2_WARNING_FROM, _("Warning signs from")),
        charts.Threshold(NEWS2_URGENT_FROM, _("Urgent from")),
    ]


MARKS = {
    Colour.GREEN: charts.Mark.USUAL,
    Colour.AMBER: charts.Mark.WARNING,
    Colour.RED: charts.Mark.URGENT,
}


def showed(mark: charts.Mark) -> str:
    return {
        charts.Mark.USUAL: _("No warning signs"),
        charts.Mark.WARNING: _("Warning signs"),
        charts.Mark.URGENT: _("Urgent warning signs"),
        charts.Mark.NOT_HEARD_FROM: _("No check-in"),
    }[mark]


def history_points(enrolment: Enrolment, measure: Measure, first_day: date, now) -> list:
    """A point for each day from `first_day` to today: the day's check-in, or a day not heard
    from once its window has closed with none (from the day check-ins started)."""
    today = timing.local_day(now, enrolment.time_zone)
    rows = CheckIn.objects.filter(
        enrolment=enrolment, remeasure_for__isnull=True, day__gte=first_day, day__lte=today
    ).values_list("day", "answers", "score", "colour")
    by_day = {day: (answers, score, colour) for day, answers, score, colour in rows}
    points = []
    day = max(first_day, enrolment.starts_on)
    while day <= today:
        found = by_day.get(day)
        if found is not None:
            answers, score, colour = found
            value = answers.get(measure.answer_key) if measure.answer_key else score
            points.append(charts.Point(day, value, MARKS.get(colour, charts.Mark.USUAL)))
        else:
            window = timing.window_on(
                day, enrolment.window_opens, enrolment.window_closes, enrolment.time_zone
            )
            if now >= window.closes_at:
                points.append(charts.Point(day, None, charts.Mark.NOT_HEARD_FROM))
        day += timedelta(days=1)
    return points


@never_cache
@login_required
def history(request: HttpRequest, enrolment_id) -> HttpResponse:
    """The person's own check-ins over the last 90 days: a chart with their thresholds marked
    and, beside it, a table of the same numbers."""
    actor, enrolment, access = _enrolment(request, enrolment_id, write=False)
    audit_look(actor, access, what="check-ins: the last 90 days")
    now = timezone.now()
    today = timing.local_day(now, enrolment.time_zone)
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    measure = MEASURES[enrolment.programme.scoring]()
    settings = queries.effective_settings(enrolment.programme, enrolment)
    lines = thresholds(enrolment.programme.scoring, settings)
    points = history_points(enrolment, measure, first_day, now)
    chart = charts.trend_chart(
        points,
        measure=measure.name,
        first_day=first_day,
        last_day=today,
        unit=measure.unit,
        decimals=measure.decimals,
        thresholds=lines,
    )
    rows = [
        {
            "day": point.on,
            "value": (
                charts.with_unit(point.value, measure.unit, measure.decimals)
                if point.value is not None
                else ""
            ),
            "showed": showed(point.mark),
            "mark": point.mark.value,
        }
        for point in reversed(points)
    ]
    context = {
        "access": access,
        "person": access.person,
        "enrolment": enrolment,
        "measure": measure,
        "chart": chart,
        "rows": rows,
        "lines": [
            {
                "label": line.label,
                "value": charts.with_unit(line.value, measure.unit, measure.decimals),
            }
            for line in lines
        ],
        "first_day": first_day,
        "today": today,
        "back_url": _mine_url(access),
    }
    return render(request, "monitoring/citizen/history.html", context)


# --- My data: the codes stored on check-ins, alerts and thresholds, in words ------------------


def check_in_words(field_name: str, values: set) -> dict[str, str]:
    if field_name == "colour":
        return {value: showed(MARKS[value]) for value in values if value in MARKS}
    return {}


def alert_words(field_name: str, values: set) -> dict[str, str]:
    if field_name == "colour":
        words = {
            Colour.RED: _("Urgent"),
            Colour.AMBER: _("Warning signs"),
            Colour.GREY: _("For the care team to read or follow up"),
        }
        return {value: words[value] for value in values if value in words}
    return {}


def setting_words(field_name: str, values: set) -> dict[str, str]:
    """A threshold's key as the care team named it ("Dry weight")."""
    if field_name != "key":
        return {}
    labels = {
        setting.key: setting.label
        for programme in BUILT_IN.values()
        for setting in programme.settings
    }
    return {value: labels[value] for value in values if value in labels}


def my_data_section(
    name: str,
    model_label: str,
    person_field: str,
    title,
    title_for_others,
    fields: dict,
    *,
    describe=None,
) -> registry.PersonalDataSection:
    """What My data shows of the rows of a model: `fields`, in order, each named in the
    person's words (the first is each row's title)."""
    return registry.PersonalDataSection(
        name,
        model_label,
        person_field,
        title,
        title_for_others,
        describe=describe,
        field_labels=fields,
        page_fields=tuple(fields),
    )


PERSONAL_DATA = (
    my_data_section(
        "monitoring_enrolments",
        "monitoring.Enrolment",
        "person",
        gettext_lazy("Your daily check-ins"),
        gettext_lazy("Daily check-ins of {name}"),
        {
            "programme": gettext_lazy("Check-in"),
            "organisation": gettext_lazy("Care team at"),
            "starts_on": gettext_lazy("Check-ins from"),
            "window_opens": gettext_lazy("Opens each day at"),
            "window_closes": gettext_lazy("Closes each day at"),
            "enrolled_at": gettext_lazy("Started on"),
            "enrolled_by_label": gettext_lazy("Started by"),
            "ended_at": gettext_lazy("Ended on"),
            "ended_by_label": gettext_lazy("Ended by"),
            "end_reason": gettext_lazy("Why it ended"),
        },
    ),
    my_data_section(
        "monitoring_check_ins",
        "monitoring.CheckIn",
        "person",
        gettext_lazy("Your check-ins"),
        gettext_lazy("Check-ins of {name}"),
        {
            "day": gettext_lazy("Day"),
            "colour": gettext_lazy("What it showed"),
            "score": gettext_lazy("Score"),
            "submitted_at": gettext_lazy("Sent at"),
            "source": gettext_lazy("Sent from"),
            "submitted_by_label": gettext_lazy("Sent by"),
        },
        describe=check_in_words,
    ),
    my_data_section(
        "monitoring_missed_days",
        "monitoring.MissedDay",
        "enrolment__person",
        gettext_lazy("Days you did not check in"),
        gettext_lazy("Days {name} did not check in"),
        {"day": gettext_lazy("Day"), "reminded": gettext_lazy("Reminder sent")},
    ),
    my_data_section(
        "monitoring_alerts",
        "monitoring.Alert",
        "person",
        gettext_lazy("Warnings sent to your care team"),
        gettext_lazy("Warnings sent to the care team of {name}"),
        {
            "raised_at": gettext_lazy("Sent on"),
            "kind": gettext_lazy("Why"),
            "colour": gettext_lazy("How urgent"),
            "due_at": gettext_lazy("Care team to answer by"),
            "closed_at": gettext_lazy("Closed on"),
            "outcome": gettext_lazy("What happened"),
        },
        describe=alert_words,
    ),
    my_data_section(
        "monitoring_setting_changes",
        "monitoring.SettingChange",
        "enrolment__person",
        gettext_lazy("Changes to your thresholds"),
        gettext_lazy("Changes to the thresholds of {name}"),
        {
            "changed_at": gettext_lazy("Changed on"),
            "key": gettext_lazy("Threshold"),
            "old_value": gettext_lazy("From"),
            "new_value": gettext_lazy("To"),
            "why": gettext_lazy("Why"),
            "changed_by_label": gettext_lazy("Changed by"),
        },
        describe=setting_words,
    ),
)
