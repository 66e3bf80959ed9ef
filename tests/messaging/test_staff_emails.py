"""Emails to staff that work is waiting for them: sent after commit, once per key, in the
platform's language; someone with no email address gets none; a failure is recorded and not
tried again."""

import pytest
from django.core import mail

from coproduce.messaging import actions
from coproduce.messaging.message_templates import MessageTemplate
from coproduce.messaging.models import StaffMessage
from coproduce.messaging.tasks import deliver_staff_message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WAITING = MessageTemplate(
    "tests.waiting", subject="Something is waiting for you", body="Sign in: ((link))"
)


def send(user, key="k1"):
    return actions.send_staff_email(
        user_id=user.pk, key=key, template=WAITING, personalisation={"link": "https://x/"}
    )


def test_a_staff_email_is_sent_once_per_key_after_commit(django_capture_on_commit_callbacks):
    nurse = UserFactory(email="nurse@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        first = send(nurse)
        again = send(nurse)

    assert again.pk == first.pk and StaffMessage.objects.count() == 1
    (email,) = mail.outbox
    assert email.to == ["nurse@example.org"] and email.body == "Sign in: https://x/"
    first.refresh_from_db()
    assert first.status == "sent" and first.sent_at is not None


def test_someone_with_no_email_address_gets_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert send(UserFactory(email="")) is None
    assert not StaffMessage.objects.exists() and not mail.outbox


def test_a_failed_staff_email_is_recorded_and_not_retried(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.messaging.test_messages.BrokenEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = send(UserFactory(email="nurse@example.org"))

    message.refresh_from_db()
    assert message.status == "failed" and "relay refused" in message.failure_reason
    assert deliver_staff_message(message.pk) == "already handled"
