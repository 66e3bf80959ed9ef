from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.people.models import Channel, Organisation, Person, RecordCategory, User

# The platform's own messages (a broken guarantee, an offer of care elsewhere) are keyed in
# this namespace. send_message picks the namespace from who is sending, never from the request,
# so no client can take a key the platform will need later.
PLATFORM_NAMESPACE = "platform"


class Message(models.Model):
    """One message to one person, sent at most once: its key is unique within the namespace of
    whoever sends it (the platform, an organisation, or a person messaging themself)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    namespace = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="messages")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that sent it; empty for the platform's own messages.",
    )
    category = models.CharField(
        max_length=20,
        choices=RecordCategory.choices,
        null=True,
        blank=True,
        help_text="The record category the message belongs to; empty for the core record.",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=400)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "key"], name="message_key_unique_in_namespace"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.person}: {self.subject}"


class StaffMessage(models.Model):
    """One email to a member of staff about their work (something waiting in their queue),
    sent at most once per key. It is not part of any person's record, so it never says who
    or what it is about: it says there is something to see and where to sign in."""

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_messages")
    recipient = models.CharField(max_length=400)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=Message.Status.choices, default=Message.Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="staff_message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Email to {self.user}: {self.subject}"
