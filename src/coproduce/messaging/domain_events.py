"""The events messaging publishes (coproduce.events checks every publish against them)."""

from coproduce.events import EventType

FIELDS = {"message_id": "the message's id", "person_id": "the person's id (a UUID, as text)"}

EVENTS = (
    EventType("message.queued", "A message to a person was recorded, to be sent.", FIELDS),
    EventType("message.sent", "A message was handed to its email, SMS or letter service.", FIELDS),
    EventType("message.failed", "A message could not be sent; it is not tried again.", FIELDS),
)
