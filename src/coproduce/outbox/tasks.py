"""Background jobs for the outbox: thin wrappers over delivery."""

from coproduce.celery import app

from . import delivery


@app.task
def deliver_events(event_ids: list[int]) -> int:
    """Scheduled when the publishing transaction commits."""
    return delivery.deliver_events(event_ids)


@app.task
def deliver_due_events() -> int:
    """Beat, every minute: what failed or was never delivered (the process died)."""
    return delivery.deliver_due()
