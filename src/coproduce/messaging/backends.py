"""How a text message or letter leaves the platform. Email goes through Django's own backends.

Choose with COPRODUCE_SMS_BACKEND / COPRODUCE_LETTER_BACKEND (a dotted path):
- ConsoleBackend prints (the demo);
- LocmemBackend keeps messages in `outbox` (tests);
- NotifyBackend sends through GOV.UK Notify (production).
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from coproduce.people.models import Channel


@dataclass(frozen=True)
class Outgoing:
    key: str
    channel: str
    recipient: str
    subject: str
    body: str
    postal_address: tuple[str, ...] = ()


class DeliveryFailed(Exception):
    pass


class ConsoleBackend:
    def send(self, message: Outgoing) -> str:
        sys.stdout.write(
            f"[{message.channel} to {message.recipient}] {message.subject}\n{message.body}\n\n"
        )
        sys.stdout.flush()
        return f"console:{message.key}"


class LocmemBackend:
    outbox: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        LocmemBackend.outbox.append(message)
        return f"locmem:{len(LocmemBackend.outbox)}"


class NotifyBackend:
    """GOV.UK Notify, with one template per channel whose placeholders are
    ((subject)) and ((body)); letters also get address_line_1..7."""

    def __init__(self, client=None) -> None:
        if client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            client = NotificationsAPIClient(
                settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL
            )
        self.client = client

    def send(self, message: Outgoing) -> str:
        from notifications_python_client.errors import HTTPError

        personalisation = {"subject": message.subject, "body": message.body}
        try:
            if message.channel == Channel.SMS:
                response = self.client.send_sms_notification(
                    phone_number=message.recipient,
                    template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                    personalisation=personalisation,
                    reference=message.key,
                )
            else:
                lines = [line for line in message.postal_address if line][:7]
                personalisation |= {
                    f"address_line_{number}": line for number, line in enumerate(lines, start=1)
                }
                response = self.client.send_letter_notification(
                    template_id=settings.NOTIFY_LETTER_TEMPLATE_ID,
                    personalisation=personalisation,
                    reference=message.key,
                )
        except HTTPError as error:
            raise DeliveryFailed(f"GOV.UK Notify refused the message: {error}") from error
        return str(response.get("id", ""))


def send_email(message: Outgoing) -> str:
    send_mail(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        fail_silently=False,
    )
    return f"email:{message.key}"


def deliver(message: Outgoing) -> str:
    """Send by the message's channel; return the provider's reference."""
    if message.channel == Channel.EMAIL:
        return send_email(message)
    path = (
        settings.COPRODUCE_SMS_BACKEND
        if message.channel == Channel.SMS
        else settings.COPRODUCE_LETTER_BACKEND
    )
    return import_string(path)().send(message)
