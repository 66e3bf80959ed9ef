"""What monitoring tells people and their clinicians, through the core's messages: each is
recorded and sent once (a key per enrolment and day, per enrolment, per alert and owner).

- The person is told how their check-in works when they are enrolled (on
  `monitoring.enrolled`), by the channel they chose, and reminded when a window closes with
  no check-in (actions.record_missed_check_ins, in its transaction).
- The person is told, not a proxy: the check-in, and the questions about how they feel,
  are theirs. A proxy who manages for them sees every message in the person's record and can
  check in for them; a second missed day raises a "not heard from" alert, so the care team
  calls whoever answers.
- The clinician an alert is assigned to is emailed when it is raised or passed on to them
  (on `monitoring.alert_raised` / `monitoring.alert_escalated`). Staff have an email address
  in the core but no phone number, so clinicians are not texted.
"""

from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from coproduce.events import Event
from coproduce.messaging.actions import send_staff_email, send_templated_message
from coproduce.messaging.message_templates import Phrase
from coproduce.messaging.models import Message, StaffMessage
from coproduce.people.access import Actor
from coproduce.people.models import Channel, Person, RecordCategory

from . import message_templates as words
from . import queries, timing
from .models import Alert, Enrolment
from .programmes import Colour

# A reminder is only worth sending if it arrives before the next window: a letter does not.
REMINDER_CHANNELS = (Channel.EMAIL, Channel.SMS)


def remind_missed_check_in(enrolment: Enrolment, day: date) -> Message | None:
    """Tell the person we have not had their check-in for `day`, when they can next check
    in, and what to do if they feel unwell. None when they have no email address or phone
    number: then the care team hears of a second missed day through its alert."""
    person = enrolment.person
    channel = reminder_channel(person)
    if channel is None:
        return None
    window = next_window(enrolment, after=day, now=timezone.now())
    return send_templated_message(
        Actor.system(),
        person_id=person.pk,
        key=f"monitoring.missed:{enrolment.pk}:{day.isoformat()}",
        template=words.MISSED_CHECK_IN,
        personalisation={
            "programme": enrolment.programme.title,
            "day": day,
            "next_day": window.day,
            "opens": clock(enrolment.window_opens),
            "closes": clock(enrolment.window_closes),
            "link": site_link(),
            "contact": named_contact(enrolment),
            "organisation": enrolment.organisation.name,
        },
        reason="A reminder: the day's check-in window closed without a check-in.",
        channel=channel,
        category=RecordCategory.HEALTH,
    )


def reminder_channel(person: Person) -> str | None:
    """Email or a text: the person's own choice when it is one of them, otherwise whichever
    they have details for, email first; None for someone who can only get letters."""
    if person.preferred_channel in REMINDER_CHANNELS:
        return person.preferred_channel
    if person.email:
        return Channel.EMAIL
    if person.phone:
        return Channel.SMS
    return None


def next_window(enrolment: Enrolment, *, after: date, now: datetime) -> timing.Window:
    """The first window after `after` that has not closed yet (a reminder sent late, when
    the next day's window is already open, still points at a window the person can use)."""
    day = max(after + timedelta(days=1), enrolment.starts_on)
    while True:
        window = timing.window_on(
            day, enrolment.window_opens, enrolment.window_closes, enrolment.time_zone
        )
        if now < window.closes_at:
            return window
        day += timedelta(days=1)


def tell_how_it_works(enrolment: Enrolment) -> Message:
    """When to check in, and who will contact the person and how fast, by their own channel
    (a letter is fine for this)."""
    definition = queries.programme_definition(enrolment.programme)
    return send_templated_message(
        Actor.system(),
        person_id=enrolment.person_id,
        key=f"monitoring.enrolled:{enrolment.pk}",
        template=words.ENROLLED,
        personalisation={
            "organisation": enrolment.organisation.name,
            "programme": enrolment.programme.title,
            "description": definition.description,
            "opens": clock(enrolment.window_opens),
            "closes": clock(enrolment.window_closes),
            "link": site_link(),
            "first_day": enrolment.starts_on,
            "contact": named_contact(enrolment),
            "red_within": answered_within(definition, Colour.RED),
            "amber_within": answered_within(definition, Colour.AMBER),
        },
        reason="Told how monitoring works when they were enrolled.",
        category=RecordCategory.HEALTH,
    )


def answered_within(definition, colour: Colour) -> Phrase:
    response_time = timing.response_time_for(colour, definition.response_times)
    if response_time.minutes is not None:
        return Phrase(words.WITHIN_MINUTES, minutes=response_time.minutes)
    return Phrase(words.BY_END_OF_WORKING_DAY, time=clock(response_time.working_day_ends))


def tell_clinician(alert: Alert, *, passed_on: bool) -> StaffMessage | None:
    """Email the alert's owner that it waits for them and by when; once per alert and owner
    (escalation level)."""
    due = timezone.localtime(alert.due_at)
    return send_staff_email(
        user_id=alert.assigned_to_id,
        key=f"monitoring.alert:{alert.pk}:{alert.escalation_level}",
        template=words.ALERT_PASSED_ON if passed_on else words.ALERT_WAITING,
        personalisation={
            "alert": alert_in_words(alert),
            "due": Phrase(words.DUE_AT, time=clock(due.time()), day=due.date()),
            # Where to sign in to see it: its address holds no more than its id.
            "link": queries.site_url() + reverse("monitoring:alert", args=[alert.pk]),
        },
    )


def alert_in_words(alert: Alert):
    if alert.kind == Alert.Kind.NOT_HEARD_FROM:
        return words.NOT_HEARD_FROM_ALERT
    if alert.kind == Alert.Kind.REMARK:
        return words.REMARK_ALERT
    return words.RED_ALERT if alert.colour == Colour.RED else words.AMBER_ALERT


def named_contact(enrolment: Enrolment):
    """Who the person hears from: the named clinician's job title ("Heart failure nurse")."""
    team = queries.current_team(enrolment)
    return team[0].job_title if team else words.CARE_TEAM


def clock(moment) -> str:
    return f"{moment:%H:%M}"


def site_link() -> str:
    """Where the person signs in and lands on their own home page."""
    return queries.site_url() + reverse("web:dashboard")


# --- what the outbox delivers (apps.py subscribes these) -----------------------------------


def on_enrolled(event: Event) -> None:
    enrolment = (
        Enrolment.objects.filter(pk=event.payload["enrolment_id"], ended_at__isnull=True)
        .select_related("programme", "organisation")
        .first()
    )
    if enrolment is not None:
        tell_how_it_works(enrolment)


def on_alert_raised(event: Event) -> None:
    _tell_owner(event.payload["alert_id"], level=0, passed_on=False)


def on_alert_escalated(event: Event) -> None:
    _tell_owner(event.payload["alert_id"], level=event.payload["level"], passed_on=True)


def _tell_owner(alert_id: str, *, level: int, passed_on: bool) -> None:
    # Closed, taken in hand or passed on again since the event: nothing to say, or the
    # next event tells the next owner.
    alert = Alert.objects.filter(
        pk=alert_id,
        escalation_level=level,
        closed_at__isnull=True,
        handled_at__isnull=True,
        assigned_to__isnull=False,
    ).first()
    if alert is not None:
        tell_clinician(alert, passed_on=passed_on)
