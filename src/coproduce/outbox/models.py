"""The transactional outbox: an event is a row written in the transaction that made it true,
with one delivery row for each subscriber, so each is retried on its own."""

from django.db import models


class OutboxEvent(models.Model):
    name = models.CharField(max_length=100)
    payload = models.JSONField()
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class OutboxDelivery(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=300)
    # The sweep delivers what is due; after a failure this moves on by the backoff.
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="outbox_one_delivery_per_subscriber"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="outbox_undelivered_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscriber}"
