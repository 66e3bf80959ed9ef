"""An alert as FHIR R4: a `Flag` on the person and a `Task` for the care team. Pure
functions of plain data: no database. Both are valid under `fhir.resources.R4B`
(tests/monitoring/test_fhir_alert.py)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from ..programmes import Colour

FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"

# Our words for where an alert is, and FHIR's Task status for each.
TASK_STATUSES = {
    "open": "requested",
    "escalated": "requested",
    "acknowledged": "accepted",
    "remeasure_requested": "on-hold",
    "in_progress": "in-progress",
    "closed": "completed",
    "cancelled": "cancelled",
}
# How soon: red is wanted within the hour (asap, the one below stat, which is for
# emergencies already in hand); amber the same working day; a person's remark in routine.
TASK_PRIORITIES = {Colour.RED: "asap", Colour.AMBER: "urgent", Colour.GREY: "routine"}
COLOUR_WORDS = {Colour.RED: "Red alert", Colour.AMBER: "Amber alert", Colour.GREY: "Remark to read"}


def alert_flag(
    *,
    alert_id,
    subject_reference: str,
    colour: Colour | str,
    reasons: Sequence[str],
    raised_at: datetime,
    closed_at: datetime | None,
    base_url: str,
) -> dict:
    """The alert as a FHIR Flag on the person: active until it is closed."""
    colour = _alert_colour(colour)
    period = {"start": _instant(raised_at)}
    if closed_at is not None:
        period["end"] = _instant(closed_at)
    return {
        "resourceType": "Flag",
        "id": str(alert_id),
        "identifier": [_alert_identifier(alert_id, base_url)],
        "status": "active" if closed_at is None else "inactive",
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {
            "coding": [_colour_coding(colour, base_url)],
            "text": "; ".join(reasons) or COLOUR_WORDS[colour],
        },
        "subject": {"reference": subject_reference},
        "period": period,
    }


def alert_task(
    *,
    alert_id,
    subject_reference: str,
    focus_reference: str,
    owner_reference: str | None,
    colour: Colour | str,
    status: str,
    due: datetime,
    raised_at: datetime,
    history: Iterable[tuple[datetime, str]] = (),
    base_url: str,
) -> dict:
    """The alert as a FHIR Task for the care team: review the check-in (its focus) by `due`.
    Our own word for the status stays in businessStatus; the history is in the notes."""
    colour = _alert_colour(colour)
    if status not in TASK_STATUSES:
        raise ValueError(f"no FHIR Task status for the alert status {status!r}")
    history = list(history)
    task = {
        "resourceType": "Task",
        "id": str(alert_id),
        "identifier": [_alert_identifier(alert_id, base_url)],
        "status": TASK_STATUSES[status],
        "businessStatus": {"text": status.replace("_", " ")},
        "intent": "order",
        "priority": TASK_PRIORITIES[colour],
        "code": {"coding": [_colour_coding(colour, base_url)], "text": "Review the check-in"},
        "description": f"{COLOUR_WORDS[colour]}: review the check-in and contact the person.",
        "focus": {"reference": focus_reference},
        "for": {"reference": subject_reference},
        "authoredOn": _instant(raised_at),
        "lastModified": _instant(max([raised_at, *(when for when, _ in history)])),
        "restriction": {"period": {"end": _instant(due)}},
    }
    if owner_reference is not None:
        task["owner"] = {"reference": owner_reference}
    if history:
        task["note"] = [{"time": _instant(when), "text": what} for when, what in history]
    return task


def _alert_colour(colour) -> Colour:
    colour = Colour(colour)
    if colour not in TASK_PRIORITIES:
        raise ValueError(f"a {colour} check-in raises no alert")
    return colour


def _alert_identifier(alert_id, base_url: str) -> dict:
    return {"system": f"{base_url.rstrip('/')}/fhir/monitoring-alert", "value": str(alert_id)}


def _colour_coding(colour: Colour, base_url: str) -> dict:
    system = f"{base_url.rstrip('/')}/fhir/CodeSystem/monitoring-alert-colour"
    return {"system": system, "code": colour.value, "display": COLOUR_WORDS[colour]}


def _instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("FHIR needs timezone-aware datetimes")
    return moment.isoformat()
