"""A missed check-in's reminder leaves the platform as real email: a local SMTP server
(aiosmtpd) receives it from Django's SMTP backend when the periodic job runs."""

import email
import socket
from datetime import timedelta
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from coproduce.messaging.models import Message
from coproduce.monitoring import tasks, timing

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server was given: each message's envelope recipients and the message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email_policy)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_a_missed_check_in_reminder_arrives_at_the_smtp_server(
    enrol, patient, smtp_server, django_capture_on_commit_callbacks
):
    yesterday = timing.local_day(timezone.now(), settings.TIME_ZONE) - timedelta(days=1)
    enrol(patient, starts_on=yesterday)  # yesterday's all-day window closed without a check-in

    with django_capture_on_commit_callbacks(execute=True):
        tasks.record_missed_check_ins.delay()

    ((recipients, message),) = smtp_server.received
    assert recipients == [patient.email]
    assert message["To"] == patient.email
    assert message["Subject"].startswith("We have not had your check-in for")
    body = " ".join(message.get_content().split())
    assert "We have not had your check-in for Heart failure (weight and symptoms)" in body
    assert "If you feel unwell, do not wait for your next check-in" in body
    assert "call NHS 111" in body
    assert Message.objects.get(person=patient).status == Message.Status.SENT
