"""What monitoring tells people and clinicians: the person, how their check-in works and who
will contact them by when; a reminder by email or text in their own language; the clinician
an alert waits for, an email that says by when and where to sign in, and nothing about the
patient. Each is sent once, however often its event is delivered."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from coproduce.events import Event
from coproduce.messaging.backends import LocmemBackend
from coproduce.messaging.models import Message, StaffMessage
from coproduce.monitoring import actions, notifications, timing
from coproduce.monitoring.models import Alert, CheckIn
from coproduce.people.access import Actor
from coproduce.people.models import Channel, Relationship
from tests.factories import CareRelationshipFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timing.local_day(timezone.now(), settings.TIME_ZONE)
WELL = {
    "weight_kg": 80.2,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}
BREATHLESS_AT_REST = {**WELL, "breathless": "at_rest"}
BREATHLESS_MORE_THAN_USUAL = {**WELL, "breathless": "more_than_usual"}


@pytest.fixture
def clinician_email(clinician):
    clinician.email = "nurse@hospital.example"
    clinician.save(update_fields=["email"])
    return clinician.email


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run a block with what it sends after commit sent (the outbox's events delivered)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def check_in(person, answers):
    return actions.record_check_in(
        Actor(user=person.user),
        actions.Submission(person_id=person.pk, programme_key="heart-failure", answers=answers),
        source=CheckIn.Source.WEB,
    )


def delivered_again(name, **payload):
    """The outbox delivers an event at least once: here, once more."""
    return Event(id=0, name=name, payload=payload, published_at=timezone.now())


def remind(enrol, person, on_commit):
    enrolment = enrol(person, starts_on=TODAY - timedelta(days=1))
    with on_commit():
        return notifications.remind_missed_check_in(enrolment, TODAY - timedelta(days=1))


def in_words(day, language="en-gb"):
    with translation.override(language):
        return date_format(day, "j F Y")


# --- enrolled -------------------------------------------------------------------------------


def test_someone_enrolled_is_told_when_to_check_in_and_who_will_contact_them_by_when(
    enrol, patient, hospital, on_commit
):
    with on_commit():
        enrolment = enrol(patient, window_opens=time(7, 30), window_closes=time(11, 0))

    (email,) = mail.outbox
    assert email.to == [patient.email]
    assert email.subject == "How your daily check-in works"
    body = " ".join(email.body.split())
    assert "each day between 07:30 and 11:00" in body
    assert f"Your first check-in is on {in_words(TODAY)}" in body
    assert f"your Heart failure nurse at {hospital.name} sees your answers" in body
    assert "contact you within 60 minutes" in body
    assert "contact you by 17:00 the same working day" in body
    assert "call 999" in body and settings.COPRODUCE_SITE_URL + "/home/" in body

    notifications.on_enrolled(
        delivered_again(
            "monitoring.enrolled", enrolment_id=str(enrolment.pk), programme="heart-failure"
        )
    )
    assert len(mail.outbox) == 1
    assert Message.objects.filter(person=patient).count() == 1


def test_someone_who_prefers_letters_is_told_by_letter(enrol, hospital, on_commit):
    by_post = PersonFactory(preferred_channel=Channel.LETTER)
    CareRelationshipFactory(person=by_post, organisation=hospital)

    with on_commit():
        enrol(by_post)

    (letter,) = LocmemBackend.outbox
    assert letter.channel == Channel.LETTER and letter.postal_address[1] == by_post.address_line_1
    assert not mail.outbox


# --- reminders ------------------------------------------------------------------------------


def test_the_reminder_says_when_to_check_in_next_and_what_to_do_if_unwell(
    enrol, patient, hospital, on_commit
):
    reminder = remind(enrol, patient, on_commit)

    yesterday = TODAY - timedelta(days=1)
    assert reminder.subject == f"We have not had your check-in for {in_words(yesterday)}"
    body = " ".join(reminder.body.split())
    assert f"for Heart failure (weight and symptoms) on {in_words(yesterday)}" in body
    # Windows open all day: today's is the next one.
    assert f"next check in on {in_words(TODAY)} between 00:00 and 23:59" in body
    assert f"Contact your Heart failure nurse at {hospital.name}, or call NHS 111" in body
    assert "In an emergency, call 999" in body
    assert reminder.body == mail.outbox[0].body


@pytest.mark.parametrize(
    ("prefers", "email", "phone", "sent_as"),
    [
        (Channel.SMS, "ann@example.org", "07700 900123", Channel.SMS),
        (Channel.EMAIL, "ann@example.org", "07700 900123", Channel.EMAIL),
        (Channel.LETTER, "ann@example.org", "07700 900123", Channel.EMAIL),
        (Channel.LETTER, "", "07700 900123", Channel.SMS),
    ],
)
def test_a_reminder_goes_by_the_persons_choice_of_email_or_text_and_never_by_letter(
    enrol, hospital, on_commit, prefers, email, phone, sent_as
):
    person = PersonFactory(preferred_channel=prefers, email=email, phone=phone)
    CareRelationshipFactory(person=person, organisation=hospital)

    reminder = remind(enrol, person, on_commit)

    assert reminder.channel == sent_as
    sent = [message.channel for message in LocmemBackend.outbox] + ["email"] * len(mail.outbox)
    assert sent == [sent_as]


def test_the_reminder_goes_to_the_person_not_to_someone_who_acts_for_them(
    enrol, patient, on_commit
):
    daughter = PersonFactory(email="daughter@example.org")
    Relationship.objects.create(
        person=patient,
        proxy=daughter,
        kind=Relationship.Kind.CARER,
        scope=Relationship.Scope.MANAGE,
        ends_on=TODAY + timedelta(days=365),
    )

    remind(enrol, patient, on_commit)

    assert [email.to for email in mail.outbox] == [[patient.email]]
    assert not Message.objects.filter(person=daughter).exists()


def test_a_welsh_speaker_is_reminded_in_welsh(enrol, patient, on_commit):
    patient.language = "cy"
    patient.save(update_fields=["language"])

    reminder = remind(enrol, patient, on_commit)

    yesterday = in_words(TODAY - timedelta(days=1), "cy")
    assert reminder.subject == f"Nid ydym wedi cael eich gwiriad ar gyfer {yesterday}"
    assert "ffoniwch GIG 111" in reminder.body and "Mewn argyfwng, ffoniwch 999" in reminder.body
    assert "call NHS 111" not in reminder.body
    assert mail.outbox[0].subject == reminder.subject


# --- alerts to clinicians -------------------------------------------------------------------


def test_the_clinician_an_alert_waits_for_is_emailed_by_when_without_the_patients_details(
    enrolment, patient, clinician, clinician_email, on_commit
):
    with on_commit():
        outcome = check_in(patient, BREATHLESS_AT_REST)

    due = timezone.localtime(outcome.alert.due_at)
    (email,) = mail.outbox
    assert email.to == [clinician_email]
    assert email.subject == (
        f"A red alert is waiting for you, due by {due:%H:%M} on {in_words(due.date())}"
    )
    assert f"{settings.COPRODUCE_SITE_URL}/monitoring/alerts/{outcome.alert.pk}/" in email.body
    for detail in (patient.given_name, patient.family_name, "breath", "80.2", "Heart failure"):
        assert detail not in email.subject + email.body
    assert StaffMessage.objects.get().status == "sent"

    notifications.on_alert_raised(
        delivered_again(
            "monitoring.alert_raised", alert_id=str(outcome.alert.pk), colour="red", kind="reading"
        )
    )
    assert len(mail.outbox) == 1 and StaffMessage.objects.count() == 1


def test_an_amber_alert_says_amber(enrolment, patient, clinician_email, on_commit):
    with on_commit():
        check_in(patient, BREATHLESS_MORE_THAN_USUAL)

    assert mail.outbox[0].subject.startswith("An amber alert is waiting for you, due by 17:00")


def test_an_overdue_alert_passed_on_is_emailed_to_the_next_on_the_team_only(
    enrolment, patient, clinician, backup_clinician, clinician_email, on_commit
):
    backup_clinician.email = "gp@surgery.example"
    backup_clinician.save(update_fields=["email"])
    with on_commit():
        outcome = check_in(patient, BREATHLESS_AT_REST)

    with on_commit():
        actions.escalate_overdue_alerts(outcome.alert.due_at + timedelta(minutes=1))

    assert [email.to for email in mail.outbox] == [[clinician_email], ["gp@surgery.example"]]
    assert mail.outbox[1].subject.startswith("A red alert has been passed to you, due by")


def test_an_alert_taken_in_hand_before_its_email_goes_is_not_emailed(
    enrolment, patient, clinician, clinician_email
):
    outcome = check_in(patient, BREATHLESS_AT_REST)  # its event not yet delivered
    actions.acknowledge_alert(Actor(user=clinician), alert_id=outcome.alert.pk)

    notifications.on_alert_raised(
        delivered_again(
            "monitoring.alert_raised", alert_id=str(outcome.alert.pk), colour="red", kind="reading"
        )
    )

    assert not StaffMessage.objects.exists() and not mail.outbox


def test_a_clinician_with_no_email_address_still_has_the_alert_in_their_queue(
    enrolment, patient, clinician, on_commit
):
    with on_commit():
        check_in(patient, BREATHLESS_AT_REST)

    assert Alert.objects.get().assigned_to == clinician
    assert not StaffMessage.objects.exists() and not mail.outbox


def test_a_person_not_heard_from_is_emailed_to_the_clinician_as_such(
    enrol, patient, clinician_email, on_commit
):
    enrolment = enrol(patient, starts_on=TODAY - timedelta(days=2))
    for days_ago in (2, 1):
        day = TODAY - timedelta(days=days_ago)
        moment = timing.window_on(day, time(0), time(23, 59, 59), settings.TIME_ZONE).closes_at
        with on_commit():
            actions.record_missed_check_ins(moment + timedelta(minutes=1))

    assert Alert.objects.get(enrolment=enrolment).kind == Alert.Kind.NOT_HEARD_FROM
    to_clinician = [email for email in mail.outbox if email.to == [clinician_email]]
    assert [email.subject.split(",")[0] for email in to_clinician] == [
        "A patient not heard from for two days is waiting for you"
    ]


def test_a_member_of_staff_who_left_is_not_emailed(enrolment, patient, clinician, on_commit):
    clinician.email = "left@hospital.example"
    clinician.is_active = False
    clinician.save(update_fields=["email", "is_active"])

    with on_commit():
        check_in(patient, BREATHLESS_AT_REST)

    assert Alert.objects.get().assigned_to == clinician
    assert not StaffMessage.objects.exists() and not mail.outbox
