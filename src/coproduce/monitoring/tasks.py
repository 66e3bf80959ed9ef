"""Background jobs for monitoring: thin wrappers over actions, run by beat (apps.py)."""

from coproduce.celery import app

from . import actions


@app.task
def record_missed_check_ins() -> int:
    """Remind everyone whose window closed without a check-in, and raise "not heard from"
    alerts on a second missed day (every 5 minutes: a reminder comes soon after the close)."""
    return actions.record_missed_check_ins()


@app.task
def escalate_overdue_alerts() -> int:
    """Pass every alert no one took in hand by its due time to the next person on the team
    (every minute: a red alert is due within the hour)."""
    return actions.escalate_overdue_alerts()
