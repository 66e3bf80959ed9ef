"""People who go quiet: when a person's check-in window closes without a check-in they are
reminded, once; a second missed day in a row puts a "not heard from" alert in the named
clinician's queue, once per silence; a check-in ends the silence."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from coproduce.messaging.models import Message
from coproduce.monitoring import actions, tasks, timing
from coproduce.monitoring.models import Alert, CheckIn, MissedDay
from coproduce.people.access import Actor
from coproduce.people.models import Channel
from tests.factories import CareRelationshipFactory, PersonFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo(settings.TIME_ZONE)
TODAY = timing.local_day(timezone.now(), settings.TIME_ZONE)
MORNING = {"window_opens": time(6, 0), "window_closes": time(12, 0)}
WELL = {
    "weight_kg": 80.2,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}


def at(day, hour, minute=0, second=0):
    """A moment by the person's clock (they live in the service's time zone)."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON)


def run(now, on_commit):
    """The periodic job at `now`, with what it sends sent (after its commits)."""
    with on_commit(execute=True):
        actions.record_missed_check_ins(now)


def reminders_to(person):
    return Message.objects.filter(person=person, key__startswith="monitoring.missed:")


def test_a_window_that_closes_without_a_check_in_is_one_missed_day_and_one_reminder(
    enrol, patient, django_capture_on_commit_callbacks
):
    yesterday = TODAY - timedelta(days=1)
    enrol(patient, starts_on=yesterday, **MORNING)

    run(at(yesterday, 12), django_capture_on_commit_callbacks)
    run(at(yesterday, 12, 5), django_capture_on_commit_callbacks)
    run(at(TODAY, 11, 59), django_capture_on_commit_callbacks)

    missed = MissedDay.objects.get()
    assert missed.day == yesterday and missed.reminded
    reminder = reminders_to(patient).get()
    assert reminder.channel == Channel.EMAIL and reminder.category == "health"
    assert [email.to for email in mail.outbox] == [[patient.email]]
    assert "We have not had your check-in" in mail.outbox[0].subject
    assert "between 06:00 and 12:00" in mail.outbox[0].body
    assert not Alert.objects.exists()


def test_the_reminder_is_owed_the_moment_the_window_closes_not_before(
    enrol, patient, django_capture_on_commit_callbacks
):
    enrol(patient, starts_on=TODAY, **MORNING)

    run(at(TODAY, 11, 59, 59), django_capture_on_commit_callbacks)
    assert not MissedDay.objects.exists() and not mail.outbox

    run(at(TODAY, 12), django_capture_on_commit_callbacks)
    assert MissedDay.objects.get().day == TODAY
    assert len(mail.outbox) == 1


def test_someone_enrolled_today_is_not_reminded_before_their_first_window_closes(
    enrol, patient, django_capture_on_commit_callbacks
):
    enrol(patient)  # from today, a window open all day

    with django_capture_on_commit_callbacks(execute=True):
        tasks.record_missed_check_ins.delay()

    assert not MissedDay.objects.exists()
    assert not reminders_to(patient).exists() and not mail.outbox


def test_the_job_run_again_reminds_no_one_twice(enrol, patient, django_capture_on_commit_callbacks):
    enrol(patient, starts_on=TODAY - timedelta(days=1))  # yesterday's all-day window closed

    for _run in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.record_missed_check_ins.delay()

    assert MissedDay.objects.count() == 1
    assert reminders_to(patient).count() == 1 and len(mail.outbox) == 1


def test_two_missed_days_in_a_row_put_one_not_heard_from_alert_in_the_named_clinicians_queue(
    enrol, patient, clinician, django_capture_on_commit_callbacks
):
    first, second, third = (TODAY - timedelta(days=days) for days in (2, 1, 0))
    enrol(patient, starts_on=first, **MORNING)

    run(at(first, 12, 1), django_capture_on_commit_callbacks)
    assert not Alert.objects.exists()
    run(at(second, 12, 1), django_capture_on_commit_callbacks)
    run(at(second, 13), django_capture_on_commit_callbacks)
    run(at(third, 12, 1), django_capture_on_commit_callbacks)  # a third day: the same silence

    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.NOT_HEARD_FROM and alert.colour == "grey"
    assert alert.silent_since == first and alert.assigned_to == clinician
    # The clinician reads the day as a date in words, not as the database writes it.
    assert alert.reasons == [
        f"No check-ins from {first.day} {first:%B %Y}: two windows in a row missed."
    ]
    assert reminders_to(patient).count() == 3


def test_a_check_in_the_next_day_ends_the_silence(
    enrol, patient, django_capture_on_commit_callbacks
):
    enrol(patient, starts_on=TODAY - timedelta(days=1))  # windows open all day

    run(at(TODAY, 12), django_capture_on_commit_callbacks)  # yesterday missed
    actions.record_check_in(
        Actor(user=patient.user),
        actions.Submission(person_id=patient.pk, programme_key="heart-failure", answers=WELL),
        source=CheckIn.Source.WEB,
    )
    run(at(TODAY + timedelta(days=1), 12), django_capture_on_commit_callbacks)  # today's is in
    run(at(TODAY + timedelta(days=2), 12), django_capture_on_commit_callbacks)  # one more missed

    assert list(MissedDay.objects.order_by("day").values_list("day", flat=True)) == [
        TODAY - timedelta(days=1),
        TODAY + timedelta(days=1),
    ]
    assert not Alert.objects.exists()
    assert reminders_to(patient).count() == 2


def test_someone_who_can_only_get_letters_is_not_reminded_but_the_day_is_still_missed(
    enrol, hospital, django_capture_on_commit_callbacks
):
    """A letter would arrive after the next window: the care team's "not heard from" alert
    after a second missed day is how they find out instead."""
    letters_only = PersonFactory(email="", phone="", preferred_channel=Channel.LETTER)
    CareRelationshipFactory(person=letters_only, organisation=hospital)
    enrol(letters_only, starts_on=TODAY, **MORNING)

    run(at(TODAY, 12), django_capture_on_commit_callbacks)

    missed = MissedDay.objects.get()
    assert not missed.reminded
    assert not reminders_to(letters_only).exists() and not mail.outbox


def test_a_sweep_that_could_not_run_for_two_days_catches_up_and_reminds_only_of_the_latest(
    enrol, patient, clinician, django_capture_on_commit_callbacks
):
    first, second, third = (TODAY - timedelta(days=days) for days in (2, 1, 0))
    enrol(patient, starts_on=first, **MORNING)

    # The scheduler was down: the first run is after the third window closed.
    run(at(third, 12, 1), django_capture_on_commit_callbacks)

    assert sorted(MissedDay.objects.values_list("day", flat=True)) == [first, second, third]
    # A reminder of a day long gone would not help: only of the latest one.
    assert [message.key.rsplit(":", 1)[1] for message in reminders_to(patient)] == [
        third.isoformat()
    ]
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.NOT_HEARD_FROM and alert.silent_since == first
    assert alert.assigned_to == clinician
