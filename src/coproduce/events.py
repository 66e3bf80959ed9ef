"""Domain events: a catalogue of the facts modules announce, written to the outbox in the
transaction that made them true, and delivered at least once to whoever subscribed.

A module declares its events in its own `domain_events.py` and registers them from
`AppConfig.ready()` (`events.declare(*domain_events.EVENTS)`); `publish` refuses a name that
is not in the catalogue, or a payload whose fields are not the declared ones, so the
catalogue (and the table in docs/architecture.md, checked by a test) stays true.

A subscriber (`@events.subscribe("consent.*")`) is called with an `Event` after the
transaction commits, by the `coproduce.outbox` delivery task, and again by its sweep if that
delivery failed or never ran (the process died after commit). It may hear one event more than
once, so it de-duplicates by `event.id`. Nothing is delivered if the transaction rolls back.
"""

import fnmatch
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EventType:
    """One fact a module announces: `fields` maps each payload field to what it holds."""

    name: str
    meaning: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Event:
    """What a subscriber receives. `id` is the same on every delivery of one event."""

    id: int
    name: str
    payload: dict[str, Any]
    published_at: datetime


Handler = Callable[[Event], Any]


@dataclass(frozen=True)
class Subscription:
    name: str
    pattern: str
    handler: Handler


class UnknownEvent(LookupError):
    """A name that no module declared: declare it in the module's domain_events.py."""


class WrongPayload(TypeError):
    """A payload whose fields are not the declared ones, or that is not plain JSON."""


_catalogue: dict[str, EventType] = {}
_subscriptions: dict[str, Subscription] = {}


def declare(*event_types: EventType) -> None:
    for event_type in event_types:
        known = _catalogue.get(event_type.name)
        if known is not None and known != event_type:
            raise ValueError(f"The event {event_type.name} is declared twice, differently.")
        _catalogue[event_type.name] = event_type


def catalogue() -> list[EventType]:
    return sorted(_catalogue.values(), key=lambda event_type: event_type.name)


def subscribe(pattern: str, *, name: str | None = None) -> Callable[[Handler], Handler]:
    """Decorator: call the handler with every event whose name matches the pattern.

    Deliveries are recorded per subscriber under `name` (by default the handler's module and
    qualified name), so keep it stable: a renamed subscriber is a new one, and the old
    name's undelivered events fail until it is back."""

    def register(handler: Handler) -> Handler:
        subscription = Subscription(
            name=name or f"{handler.__module__}.{handler.__qualname__}",
            pattern=pattern,
            handler=handler,
        )
        known = _subscriptions.get(subscription.name)
        if known is not None and known != subscription:
            raise ValueError(f"Another subscriber is already named {subscription.name}.")
        _subscriptions[subscription.name] = subscription
        return handler

    return register


def unsubscribe(pattern: str, handler: Handler) -> None:
    for name, subscription in list(_subscriptions.items()):
        if subscription.pattern == pattern and subscription.handler == handler:
            del _subscriptions[name]


def subscriber(name: str) -> Subscription | None:
    return _subscriptions.get(name)


def subscribers_of(event_name: str) -> list[str]:
    return sorted(
        name
        for name, subscription in _subscriptions.items()
        if fnmatch.fnmatchcase(event_name, subscription.pattern)
    )


def check_subscriptions(app_configs, **kwargs) -> list:
    """A pattern that matches no declared event is a typo that would hear nothing, silently."""
    from django.core import checks

    return [
        checks.Error(
            f"The subscriber {subscription.name} listens for {subscription.pattern!r}, "
            "which matches no declared event.",
            hint="Subscribe to a name in the catalogue (docs/architecture.md), or declare it.",
            id="coproduce.E020",
        )
        for subscription in _subscriptions.values()
        if not any(fnmatch.fnmatchcase(name, subscription.pattern) for name in _catalogue)
    ]


def publish(name: str, /, **payload: Any) -> None:
    """Write the event to the outbox in the current transaction, for delivery after commit.

    Outside a transaction (autocommit) the event is written on its own, straight after the
    change that came before it: actions are `@transaction.atomic`, so theirs are one. An
    event nobody subscribes to is checked and then dropped: there is no one to deliver to.
    """
    publish_many(name, [payload])


def publish_many(name: str, payloads: list[dict[str, Any]], /) -> None:
    """`publish` for many events of one name at once (a batch of check-ins raising many
    alerts): each is checked and delivered as its own event, but they are written in one go
    and scheduled for delivery together."""
    event_type = _catalogue.get(name)
    if event_type is None:
        raise UnknownEvent(f"No module declares the event {name!r}.")
    declared = set(event_type.fields)
    for payload in payloads:
        if set(payload) != declared:
            missing = sorted(declared - set(payload))
            unexpected = sorted(set(payload) - declared)
            raise WrongPayload(f"{name}: missing fields {missing}, unexpected fields {unexpected}.")
    try:
        json.dumps(payloads)
    except (TypeError, ValueError) as error:
        raise WrongPayload(f"{name}: the payload must be plain JSON ({error}).") from error
    names = subscribers_of(name)
    if names and payloads:
        from coproduce.outbox import delivery

        delivery.record_many(name, payloads, names)
