"""Background jobs for guarantees: thin wrappers over actions."""

from coproduce.celery import app

from . import actions


@app.task
def detect_breaches() -> int:
    """Make every right fire whose deadline passed since the last event (beat: every few
    minutes in production; the pages read the live clock, so they are right meanwhile)."""
    return actions.detect_breaches()
