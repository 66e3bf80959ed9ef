"""Domain events reach subscribers after commit, never after a rollback."""

import pytest
from django.db import transaction

from coproduce import events


@pytest.fixture
def heard():
    received = []

    def handler(event):
        received.append((event.name, event.payload))

    events.subscribe("consent.*")(handler)
    yield received
    events.unsubscribe("consent.*", handler)


@pytest.mark.django_db(transaction=True)
def test_subscribers_hear_events_only_after_commit(heard):
    with transaction.atomic():
        events.publish("consent.revoked", consent_id=7)
        assert heard == []
    assert heard == [("consent.revoked", {"consent_id": 7})]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_events_are_never_heard(heard):
    with pytest.raises(ValueError), transaction.atomic():
        events.publish("consent.granted", consent_id=1)
        raise ValueError
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_patterns_select_events_and_a_failing_subscriber_does_not_silence_others(heard):
    def broken(event):
        raise RuntimeError("subscriber bug")

    events.subscribe("consent.revoked")(broken)
    try:
        events.publish("consent.revoked", consent_id=2)
        events.publish("message.sent", message_id=3)
    finally:
        events.unsubscribe("consent.revoked", broken)
    assert heard == [("consent.revoked", {"consent_id": 2})]
