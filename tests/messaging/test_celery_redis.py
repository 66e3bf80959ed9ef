"""The production path: a message is delivered by a real Celery worker through Redis, not
eagerly in-process. Needs Redis at REDIS_TEST_URL (default 127.0.0.1:6379, database 15)."""

import os
import socket
import time
from urllib.parse import urlparse

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from coproduce.celery import app
from coproduce.messaging import actions
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from tests.factories import CareRelationshipFactory

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    address = urlparse(REDIS_TEST_URL)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=1):
            return True
    except OSError:
        return False


if not redis_reachable():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI needs Redis at {REDIS_TEST_URL} for the Celery worker test.")
    pytestmark = pytest.mark.skip(reason=f"no Redis at {REDIS_TEST_URL}")


def forget_broker_connections() -> None:
    # The app keeps its producer pool for the broker it first used (the in-memory one the
    # other tests use); drop it so tasks go to the broker configured now.
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker():
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    forget_broker_connections()
    app.conf.update(
        broker_url=REDIS_TEST_URL,
        task_always_eager=False,
        broker_connection_retry_on_startup=False,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        forget_broker_connections()
        app.conf.update(previous)


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_delivers_the_message_once(redis_worker):
    assert app.conf.task_always_eager is False
    care = CareRelationshipFactory()
    message = actions.send_message(
        Actor.system(),
        person_id=care.person.pk,
        key="redis-1",
        subject="Your appointment",
        body="Tuesday 10am",
        reason="Appointment reminder",
    )
    deadline = time.monotonic() + 10
    while message.status in {Message.Status.PENDING, Message.Status.SENDING}:
        assert time.monotonic() < deadline, "the worker did not deliver within 10 s"
        time.sleep(0.1)
        message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [sent.to for sent in mail.outbox] == [[care.person.email]]
