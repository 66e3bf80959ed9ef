"""Messages to people: by their preferred channel, after commit, at most once per key."""

import pytest
from django.core import mail
from django.test import Client

from coproduce.errors import Conflict, InvalidInput
from coproduce.messaging import actions
from coproduce.messaging.backends import LocmemBackend, NotifyBackend, Outgoing
from coproduce.messaging.models import Message
from coproduce.messaging.tasks import deliver_message
from coproduce.people.access import Actor, PersonNotFound
from coproduce.people.models import AuditEvent, Channel
from tests.factories import CareRelationshipFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def send(actor, person, key="k1", **extra):
    return actions.send_message(
        actor,
        person_id=person.pk,
        key=key,
        subject="Your appointment",
        body="Tuesday 10am",
        **extra,
    )


@pytest.fixture
def care():
    return CareRelationshipFactory()


@pytest.fixture
def nurse(care):
    return Actor(user=RoleFactory(organisation=care.organisation).user)


def test_email_is_sent_after_commit_and_recorded(care, nurse, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(nurse, care.person)
        assert not mail.outbox  # nothing leaves before the transaction commits
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [care.person.email]
    assert mail.outbox[0].subject == "Your appointment"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.sent_at is not None
    event = AuditEvent.objects.get(person=care.person)
    assert event.action == AuditEvent.Action.WRITE and "message" in event.what


def test_nothing_is_sent_when_the_transaction_rolls_back(care, nurse):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send(nurse, care.person)
        raise RuntimeError("the caller's work failed")
    assert not Message.objects.exists()
    assert not mail.outbox


def test_the_same_key_is_sent_once(care, nurse, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(nurse, care.person)
    with django_capture_on_commit_callbacks(execute=True):
        second = send(nurse, care.person)
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1
    assert deliver_message(first.pk) == "already handled"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("channel", "field"), [(Channel.SMS, "phone"), (Channel.LETTER, "address_line_1")]
)
def test_texts_and_letters_go_through_the_pluggable_backend(
    care, nurse, channel, field, django_capture_on_commit_callbacks
):
    care.person.preferred_channel = channel
    care.person.save()
    with django_capture_on_commit_callbacks(execute=True):
        send(nurse, care.person)
    assert [m.channel for m in LocmemBackend.outbox] == [channel]
    assert getattr(care.person, field) in LocmemBackend.outbox[0].recipient
    assert not mail.outbox


def test_a_failed_delivery_is_recorded_and_not_retried(
    care, nurse, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.messaging.test_messages.BrokenEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = send(nurse, care.person)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "relay refused" in message.failure_reason
    assert deliver_message(message.pk) == "already handled"


class BrokenEmailBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("relay refused the connection")


def test_staff_without_access_cannot_message_the_person(care):
    stranger = Actor(user=RoleFactory().user)
    with pytest.raises(PersonNotFound):
        send(stranger, care.person)
    assert not Message.objects.exists()


def test_the_platform_sends_for_a_module_but_must_say_why(care):
    with pytest.raises(InvalidInput) as refused:
        send(Actor.system(), care.person)
    assert "reason" in refused.value.fields
    message = send(Actor.system(), care.person, reason="Your wait passed its guarantee")
    assert AuditEvent.objects.get(person=care.person).why == "Your wait passed its guarantee"
    assert message.recipient == care.person.email


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [("", "x", "subject"), ("x", "", "body"), ("x" * 201, "x", "subject")],
)
def test_empty_or_long_messages_are_refused(care, nurse, subject, body, field):
    with pytest.raises(InvalidInput) as refused:
        actions.send_message(nurse, person_id=care.person.pk, key="k", subject=subject, body=body)
    assert field in refused.value.fields
    assert not Message.objects.exists()


def test_the_person_sees_their_messages_and_staff_send_through_the_api(
    care, django_capture_on_commit_callbacks
):
    care.person.user = UserFactory()
    care.person.save()
    staff = Client()
    staff.force_login(RoleFactory(organisation=care.organisation).user)
    url = f"/api/people/{care.person.pk}/messages"
    with django_capture_on_commit_callbacks(execute=True):
        sent = staff.post(
            url,
            {"subject": "Hello", "body": "Welcome", "key": "welcome-1"},
            content_type="application/json",
        )
    assert sent.status_code == 201
    bad = staff.post(url, {"subject": "", "body": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "subject" in bad.json()["error"]["fields"]
    assert Message.objects.count() == 1

    citizen = Client()
    citizen.force_login(care.person.user)
    listed = citizen.get(url)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert [(m["subject"], m["status"]) for m in listed.json()["results"]] == [("Hello", "sent")]
    assert citizen.get(f"{url}?limit=101").status_code == 400


class FakeNotifyClient:
    def __init__(self):
        self.calls = []

    def send_sms_notification(self, **kwargs):
        self.calls.append(("sms", kwargs))
        return {"id": "notify-sms-1"}

    def send_letter_notification(self, **kwargs):
        self.calls.append(("letter", kwargs))
        return {"id": "notify-letter-1"}


def test_gov_uk_notify_backend_sends_templates_with_the_message(settings):
    settings.NOTIFY_SMS_TEMPLATE_ID = "sms-template"
    settings.NOTIFY_LETTER_TEMPLATE_ID = "letter-template"
    client = FakeNotifyClient()
    backend = NotifyBackend(client=client)
    reference = backend.send(
        Outgoing(key="k1", channel="sms", recipient="07700900123", subject="S", body="B")
    )
    assert reference == "notify-sms-1"
    kind, sms = client.calls[0]
    assert kind == "sms" and sms["phone_number"] == "07700900123"
    assert sms["template_id"] == "sms-template" and sms["reference"] == "k1"
    assert sms["personalisation"] == {"subject": "S", "body": "B"}

    backend.send(
        Outgoing(
            key="k2",
            channel="letter",
            recipient="",
            subject="S",
            body="B",
            postal_address=("Ada Lovelace", "1 High Street", "Riverside", "RV1 2AB"),
        )
    )
    kind, letter = client.calls[1]
    assert kind == "letter" and letter["template_id"] == "letter-template"
    assert letter["personalisation"]["address_line_1"] == "Ada Lovelace"
    assert letter["personalisation"]["address_line_4"] == "RV1 2AB"


def test_person_without_contact_for_the_channel_is_told_clearly(nurse, care):
    care.person.phone = ""
    care.person.save()
    with pytest.raises(InvalidInput) as refused:
        send(nurse, care.person, channel=Channel.SMS)
    assert "channel" in refused.value.fields


def test_unknown_person_messages_are_not_found(nurse):
    with pytest.raises(PersonNotFound):
        send(nurse, PersonFactory())


def test_a_key_used_for_one_person_cannot_read_or_resend_to_another(care, nurse):
    send(nurse, care.person, key="shared")
    other = CareRelationshipFactory(organisation=care.organisation)
    with pytest.raises(Conflict):
        send(nurse, other.person, key="shared")
    assert Message.objects.count() == 1
