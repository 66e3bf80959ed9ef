"""The events monitoring publishes (coproduce.events checks every publish against them)."""

from coproduce.events import EventType

ENROLMENT_ID = "the enrolment's id (a UUID, as text)"
ALERT_ID = "the alert's id (a UUID, as text)"

EVENTS = (
    EventType(
        "monitoring.enrolled",
        "A person was enrolled in a monitoring programme with a care team.",
        {"enrolment_id": ENROLMENT_ID, "programme": "the programme's key"},
    ),
    EventType(
        "monitoring.enrolment_ended",
        "A person's monitoring ended.",
        {"enrolment_id": ENROLMENT_ID},
    ),
    EventType(
        "monitoring.check_ins_recorded",
        "Check-ins arrived and were scored (one event for a submission or a device's batch).",
        {
            "check_in_ids": "the new check-ins' ids (UUIDs, as text)",
            "colours": "how many of them were green, amber and red",
        },
    ),
    EventType(
        "monitoring.day_missed",
        "A person's check-in window closed without a check-in; they were reminded.",
        {"enrolment_id": ENROLMENT_ID, "day": "the day missed (ISO date)"},
    ),
    EventType(
        "monitoring.alert_raised",
        "An alert was put in a care team's queue with its due time.",
        {
            "alert_id": ALERT_ID,
            "colour": "red, amber or grey",
            "kind": "reading, remark or not_heard_from",
        },
    ),
    EventType(
        "monitoring.alert_escalated",
        "An alert was passed to the next person on the care team.",
        {"alert_id": ALERT_ID, "level": "how many times it has been passed on"},
    ),
    EventType(
        "monitoring.alert_closed",
        "An alert was closed with its outcome.",
        {"alert_id": ALERT_ID, "outcome": "the outcome's code"},
    ),
    EventType(
        "monitoring.settings_changed",
        "A threshold of a programme or of one person's monitoring was changed.",
        {
            "programme": "the programme's key",
            "enrolment_id": "the enrolment's id, or empty for the programme's own settings",
            "keys": "the settings changed",
        },
    ),
)
