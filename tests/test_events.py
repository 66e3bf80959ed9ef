"""Domain events: written to the outbox with the change, delivered at least once to each
subscriber after commit, recovered by the sweep after a crash, and checked against the
catalogue."""

import datetime as dt
import re
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from coproduce import events
from coproduce.celery import app
from coproduce.outbox import delivery
from coproduce.outbox.models import OutboxDelivery, OutboxEvent
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import Consent
from tests.factories import ConsentFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
AFTER_THE_GRACE = delivery.FIRST_DELIVERY_GRACE + dt.timedelta(seconds=1)


class Heard:
    """A subscriber that remembers what it heard, and can be made to fail."""

    def __init__(self, pattern: str, name: str):
        self.pattern, self.name = pattern, name
        self.events: list[events.Event] = []
        self.failures_left = 0

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the open-data service did not answer")

    @property
    def names(self) -> list[str]:
        return [event.name for event in self.events]


@pytest.fixture
def subscribe():
    subscribed = []

    def make(pattern: str, name: str) -> Heard:
        heard = Heard(pattern, name)
        events.subscribe(pattern, name=name)(heard)
        subscribed.append(heard)
        return heard

    yield make
    for heard in subscribed:
        events.unsubscribe(heard.pattern, heard)


@pytest.fixture
def consent():
    consent = ConsentFactory()
    consent.person.user = UserFactory()
    consent.person.save(update_fields=["user"])
    return consent


def revoke(consent: Consent) -> Consent:
    return actions.revoke_consent(Actor(user=consent.person.user), consent_id=consent.pk)


def sweep_after_the_grace() -> int:
    return delivery.deliver_due(as_of=timezone.now() + AFTER_THE_GRACE)


@pytest.mark.django_db(transaction=True)
def test_the_event_is_written_with_the_change_and_heard_only_after_commit(subscribe, consent):
    heard = subscribe("consent.*", "test-consents")
    with transaction.atomic():
        revoke(consent)
        # Written in the same transaction as the change, not yet delivered.
        assert OutboxEvent.objects.filter(name="consent.revoked").count() == 1
        assert heard.events == []
    assert heard.names == ["consent.revoked"]
    assert heard.events[0].payload == {
        "consent_id": consent.pk,
        "person_id": str(consent.person_id),
    }
    assert OutboxDelivery.objects.get().delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_events_is_heard_as_each_its_own_event_from_one_delivery_job(subscribe):
    heard = subscribe("consent.revoked", "test-consents")
    payloads = [{"consent_id": number, "person_id": f"person-{number}"} for number in (1, 2, 3)]
    with (
        mock.patch.object(
            delivery, "schedule_delivery", wraps=delivery.schedule_delivery
        ) as scheduled,
        transaction.atomic(),
    ):
        events.publish_many("consent.revoked", payloads)
    assert scheduled.call_count == 1
    assert [event.payload for event in heard.events] == payloads
    assert len({event.id for event in heard.events}) == 3
    assert not OutboxDelivery.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_batch_with_one_wrong_payload_is_refused_whole(subscribe):
    subscribe("consent.revoked", "test-consents")
    with pytest.raises(events.WrongPayload):
        events.publish_many(
            "consent.revoked", [{"consent_id": 1, "person_id": "a"}, {"consent_id": 2}]
        )
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_event_and_nobody_hears_it(subscribe, consent):
    heard = subscribe("consent.*", "test-consents")
    with pytest.raises(RuntimeError), transaction.atomic():
        revoke(consent)
        raise RuntimeError("the request failed after revoking")
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert not OutboxEvent.objects.exists()
    assert heard.events == []


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_but_never_delivered_is_delivered_by_the_sweep(subscribe, consent):
    heard = subscribe("consent.revoked", "test-consents")
    # The process dies between commit and delivery: the delivery scheduled on commit never runs.
    with mock.patch.object(delivery, "schedule_delivery") as crashed:
        revoke(consent)
    assert crashed.called and heard.events == []
    # The sweep leaves a just-committed event to its own delivery for a grace period...
    assert delivery.deliver_due() == 0
    assert heard.events == []
    # ...then delivers it, once, whichever worker runs the beat task.
    assert sweep_after_the_grace() == 1
    assert sweep_after_the_grace() == 0
    assert heard.names == ["consent.revoked"]
    app.finalize()
    assert any(
        entry["task"] == "coproduce.outbox.tasks.deliver_due_events"
        for entry in app.conf.beat_schedule.values()
    )


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_is_retried_later_and_never_holds_back_the_others(subscribe, consent):
    failing = subscribe("consent.*", "test-open-data")
    failing.failures_left = 1
    other = subscribe("consent.revoked", "test-notices")
    revoke(consent)
    assert other.names == ["consent.revoked"]
    assert failing.names == ["consent.revoked"]
    stuck = OutboxDelivery.objects.get(subscriber="test-open-data")
    assert stuck.delivered_at is None and stuck.attempts == 1
    assert "the open-data service did not answer" in stuck.last_error
    # Retried after a backoff, not at once.
    assert delivery.deliver_due(as_of=timezone.now()) == 0
    assert sweep_after_the_grace() == 1
    assert failing.names == ["consent.revoked", "consent.revoked"]
    assert other.names == ["consent.revoked"]
    assert not OutboxDelivery.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_repeat_delivery_has_the_same_event_id_so_a_subscriber_can_ignore_it(consent):
    calls, done = [], []

    def publish_once(event):
        calls.append(event.id)
        if event.id not in done:
            done.append(event.id)
        if len(calls) == 1:
            raise TimeoutError("the work was done but the reply was lost")

    events.subscribe("consent.revoked", name="test-publisher")(publish_once)
    try:
        revoke(consent)
        sweep_after_the_grace()
    finally:
        events.unsubscribe("consent.revoked", publish_once)
    event = OutboxEvent.objects.get()
    # Delivered at least once (here twice), done once.
    assert calls == [event.pk, event.pk]
    assert done == [event.pk]


@pytest.mark.django_db(transaction=True)
def test_patterns_choose_what_a_subscriber_hears(subscribe, consent):
    consents = subscribe("consent.*", "test-consents")
    people = subscribe("person.*", "test-people")
    revoke(consent)
    assert consents.names == ["consent.revoked"]
    assert people.events == []
    assert OutboxDelivery.objects.get().subscriber == "test-consents"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_deliver_an_event_once(consent):
    calls = []

    def slow(event):
        calls.append(event.id)
        time.sleep(0.3)

    events.subscribe("consent.revoked", name="test-slow")(slow)
    start = threading.Barrier(2)
    delivered = []

    def sweep():
        try:
            start.wait()
            delivered.append(sweep_after_the_grace())
        finally:
            connections.close_all()

    try:
        with mock.patch.object(delivery, "schedule_delivery"):
            revoke(consent)
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        events.unsubscribe("consent.revoked", slow)
    assert len(calls) == 1
    assert sorted(delivered) == [0, 1]


@pytest.mark.django_db(transaction=True)
def test_delivered_events_are_forgotten_after_a_week_and_undelivered_ones_kept(subscribe, consent):
    failing = subscribe("consent.*", "test-open-data")
    failing.failures_left = 100
    subscribe("consent.revoked", "test-notices")
    revoke(consent)
    week_later = timezone.now() + delivery.KEEP_DELIVERED + dt.timedelta(minutes=1)
    delivery.deliver_due(as_of=week_later)
    assert OutboxEvent.objects.count() == 1
    failing.failures_left = 0
    delivery.deliver_due(as_of=week_later + dt.timedelta(hours=2))
    assert not OutboxEvent.objects.exists()


def test_a_subscription_that_matches_no_declared_event_fails_the_checks():
    def typo(event):
        pass

    assert events.check_subscriptions(None) == []
    events.subscribe("guarantees.*", name="test-typo")(typo)
    try:
        errors = events.check_subscriptions(None)
    finally:
        events.unsubscribe("guarantees.*", typo)
    assert [error.id for error in errors] == ["coproduce.E020"]
    assert "test-typo" in errors[0].msg


@pytest.mark.django_db
def test_an_event_nobody_subscribes_to_writes_nothing():
    events.publish("consent.revoked", consent_id=1, person_id="a")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "payload", "refusal"),
    [
        ("consent.withdrawn", {"consent_id": 1, "person_id": "a"}, events.UnknownEvent),
        ("consent.revoked", {"consent_id": 1}, events.WrongPayload),
        ("consent.revoked", {"consent_id": 1, "person_id": "a", "why": "x"}, events.WrongPayload),
        ("consent.revoked", {"consent_id": 1, "person_id": object()}, events.WrongPayload),
    ],
)
def test_unknown_events_and_wrong_payloads_are_refused(subscribe, name, payload, refusal):
    subscribe("consent.*", "test-consents")
    with pytest.raises(refusal):
        events.publish(name, **payload)
    assert not OutboxEvent.objects.exists()


PUBLISHED = re.compile(r"""events\.publish\(\s*["']([a-z_.]+)["']""")


def test_every_event_the_code_publishes_is_in_the_catalogue():
    published = {
        name
        for path in (ROOT / "src").rglob("*.py")
        for name in PUBLISHED.findall(path.read_text())
    }
    assert published, "the pattern no longer finds the calls"
    assert published - {event_type.name for event_type in events.catalogue()} == set()


def events_table() -> str:
    rows = [
        "| Event | Meaning | Payload |",
        "| --- | --- | --- |",
        *(
            f"| `{event_type.name}` | {event_type.meaning} | "
            + "; ".join(f"`{field}`: {about}" for field, about in event_type.fields.items())
            + " |"
            for event_type in events.catalogue()
        ),
    ]
    return "\n".join(rows)


def test_the_architecture_page_lists_the_catalogue():
    page = (ROOT / "docs" / "architecture.md").read_text()
    assert events_table() in page, "paste this table into docs/architecture.md:\n" + events_table()
