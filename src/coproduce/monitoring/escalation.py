"""Passing an alert along its care team: who holds it next, and the step that says so.

Pure: the caller saves (actions.escalate_alert and the overdue sweep one alert at a time,
the demo its whole history in bulk), so both follow the same order of the team.
"""

from datetime import datetime

from .models import Alert, AlertStep


def pass_on(
    alert: Alert, team: list, *, by, by_label: str, note: str, at: datetime, due_at: datetime
) -> AlertStep | None:
    """The alert passed to the person after its holder in `team` (user ids, in order), due
    again at due_at, and the step that says so; neither saved (the demo's history is written
    in bulk). None, and the alert unchanged, when no one is after them."""
    try:
        after = team.index(alert.assigned_to_id) + 1
    except ValueError:
        after = 0
    if after >= len(team):
        return None
    alert.assigned_to_id = team[after]
    alert.escalation_level += 1
    alert.handled_at = None
    alert.due_at = due_at
    return AlertStep(
        alert=alert,
        kind=AlertStep.Kind.ESCALATED,
        at=at,
        by=by,
        by_label=by_label[:300],
        assigned_to_id=alert.assigned_to_id,
        note=note,
    )
