"""Writing events to the outbox and delivering them, at least once, to each subscriber.

`record_many` runs inside the publishing transaction. After commit, `deliver_events` (a Celery
task, eager in the embedded default) tries every subscriber once; `deliver_due`, run by beat,
tries again whatever is still undelivered when it falls due: a subscriber that failed (after
a backoff) and an event whose delivery never ran because the process died after commit.
Each subscriber has its own delivery row, so one that fails never holds the others back.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from coproduce import events

from .models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

# How long the delivery scheduled on commit has before the sweep assumes it never ran.
FIRST_DELIVERY_GRACE = timedelta(seconds=60)
FIRST_RETRY_AFTER = timedelta(seconds=30)
LONGEST_RETRY_AFTER = timedelta(hours=1)
# Delivered events are kept this long, to see what happened, then forgotten by the sweep.
KEEP_DELIVERED = timedelta(days=7)
SWEEP_BATCH = 500


def record_many(name: str, payloads: list[dict], subscribers: list[str]) -> list[OutboxEvent]:
    """Write the events and a delivery of each to each subscriber, in two inserts whatever
    their number; after commit one job delivers them all."""
    now = timezone.now()
    published = OutboxEvent.objects.bulk_create(
        OutboxEvent(name=name, payload=payload, published_at=now) for payload in payloads
    )
    OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=event, subscriber=subscriber, due_at=now + FIRST_DELIVERY_GRACE)
        for event in published
        for subscriber in subscribers
    )
    event_ids = [event.pk for event in published]
    # robust: a broker that cannot be reached must not fail a change already committed; the
    # sweep delivers the events instead.
    transaction.on_commit(lambda: schedule_delivery(event_ids), robust=True)
    return published


def schedule_delivery(event_ids: list[int]) -> None:
    from .tasks import deliver_events

    deliver_events.delay(event_ids)


def deliver_events(event_ids: list[int]) -> int:
    """Try each subscriber of just-committed events once; returns how many heard them."""
    first_tries = (
        OutboxDelivery.objects.filter(event_id__in=event_ids, attempts=0, delivered_at__isnull=True)
        .order_by("event_id", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_attempt(delivery_id, timezone.now()) for delivery_id in list(first_tries))


def deliver_due(as_of: datetime | None = None) -> int:
    """Try every undelivered delivery that is due; forget events delivered long ago."""
    as_of = as_of or timezone.now()
    due = (
        OutboxDelivery.objects.filter(delivered_at__isnull=True, due_at__lte=as_of)
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    delivered = sum(_attempt(delivery_id, as_of) for delivery_id in list(due))
    OutboxEvent.objects.filter(published_at__lt=as_of - KEEP_DELIVERED).exclude(
        deliveries__delivered_at__isnull=True
    ).delete()
    return delivered


def _attempt(delivery_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # Locked while the subscriber runs, so two workers never deliver it at once; what the
        # subscriber writes commits with "delivered", or not at all.
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, delivered_at__isnull=True)
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        try:
            with transaction.atomic():
                _call(delivery)
        except Exception as error:
            logger.exception(
                "Subscriber %s failed on event %s", delivery.subscriber, delivery.event_id
            )
            retry_after = min(FIRST_RETRY_AFTER * 2 ** (delivery.attempts - 1), LONGEST_RETRY_AFTER)
            delivery.due_at = now + retry_after
            delivery.last_error = (f"{error.__class__.__name__}: {error}")[:2000]
            delivery.save(update_fields=["attempts", "due_at", "last_error"])
            return False
        delivery.delivered_at = timezone.now()
        delivery.save(update_fields=["attempts", "delivered_at"])
        return True


def _call(delivery: OutboxDelivery) -> None:
    subscription = events.subscriber(delivery.subscriber)
    if subscription is None:
        raise LookupError(f"No subscriber named {delivery.subscriber} in this process.")
    event = delivery.event
    subscription.handler(
        events.Event(
            id=event.pk, name=event.name, payload=event.payload, published_at=event.published_at
        )
    )
