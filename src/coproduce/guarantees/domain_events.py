"""The events guarantees publish (coproduce.events checks every publish against them)."""

from coproduce.events import EventType

PATHWAY_ID = "the wait's id (a UUID, as text)"
RIGHT_ID = "the right's id"

EVENTS = (
    EventType(
        "guarantee.scheme_version_made",
        "A new version of a guarantee scheme's rules was made; waits use it from now on.",
        {"scheme_id": "the new version's id", "code": "the scheme's code"},
    ),
    EventType(
        "guarantee.pathway_opened",
        "A wait was opened for a person under a scheme at a provider.",
        {"pathway_id": PATHWAY_ID},
    ),
    EventType(
        "guarantee.event_recorded",
        "Something that happened on a wait was recorded (or a correction of it).",
        {
            "pathway_id": PATHWAY_ID,
            "type": "the scheme's event type (referral, treatment...)",
            "occurred_on": "the day it happened (ISO date)",
        },
    ),
    EventType(
        "guarantee.clock_changed",
        "A wait's clocks were worked out again after its facts changed.",
        {"pathway_id": PATHWAY_ID, "stages": "each stage's code and its status now"},
    ),
    EventType(
        "guarantee.breached",
        "A stage's deadline passed: the person has a right to care elsewhere and was told.",
        {
            "pathway_id": PATHWAY_ID,
            "right_id": RIGHT_ID,
            "stage": "the stage's code",
            "provider": "the provider's code",
        },
    ),
    EventType(
        "guarantee.right_requested",
        "A person (or someone acting for them) asked for care elsewhere.",
        {"right_id": RIGHT_ID, "pathway_id": PATHWAY_ID},
    ),
    EventType(
        "guarantee.alternative_offered",
        "Staff offered the person care at another provider.",
        {"right_id": RIGHT_ID},
    ),
    EventType(
        "guarantee.alternative_accepted", "The person accepted the offer.", {"right_id": RIGHT_ID}
    ),
    EventType(
        "guarantee.alternative_declined", "The person declined the offer.", {"right_id": RIGHT_ID}
    ),
    EventType(
        "guarantee.alternative_treated",
        "Staff recorded that the person was treated elsewhere.",
        {"right_id": RIGHT_ID},
    ),
    EventType(
        "guarantee.statistics_changed",
        "Published waiting-time figures changed (open data publishes them again).",
        {
            "changes": "which figures: scheme, figures, stage, dimension, unit, service and "
            'month each, or [{"figures": "all"}] after a rebuild'
        },
    ),
)
