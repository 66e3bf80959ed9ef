"""Domain events: publish after the transaction commits, subscribe by name.

A module announces a fact (`publish("guarantee.breached", pathway_id=...)`); any module that
cares subscribes by name, or by a pattern such as "guarantee.*". Nothing is delivered if the
transaction rolls back, so a subscriber never sees a fact that did not happen.
"""

import fnmatch
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[["Event"], Any]


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]


_subscriptions: list[tuple[str, Handler]] = []


def subscribe(pattern: str) -> Callable[[Handler], Handler]:
    """Decorator: call the handler with every event whose name matches the pattern."""

    def register(handler: Handler) -> Handler:
        if (pattern, handler) not in _subscriptions:
            _subscriptions.append((pattern, handler))
        return handler

    return register


def unsubscribe(pattern: str, handler: Handler) -> None:
    _subscriptions.remove((pattern, handler))


def publish(name: str, /, **payload: Any) -> None:
    """Deliver the event to its subscribers once the current transaction commits."""
    event = Event(name=name, payload=payload)
    transaction.on_commit(lambda: _deliver(event))


def _deliver(event: Event) -> None:
    for pattern, handler in list(_subscriptions):
        if fnmatch.fnmatchcase(event.name, pattern):
            try:
                handler(event)
            except Exception:
                # One failing subscriber must not stop the others hearing the fact.
                logger.exception("Subscriber %r failed on %s", handler, event.name)
