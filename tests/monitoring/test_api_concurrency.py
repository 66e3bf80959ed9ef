"""A device gateway that resends one check-in on many connections at once (a retry storm
after a timeout): every answer is a proper one, the check-in is stored once and it raises
one alert."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from coproduce.monitoring.models import Alert, CheckIn
from tests.monitoring.test_api import BREATHLESS_AT_REST, RESPONSES, check_in, token_for

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

SENDERS = 100
# PostgreSQL takes 100 connections (its default, here and in CI) for everyone, this test's
# own and the other test process's included: the senders share 40 at a time, as a server's
# connection pool would; the rest wait for one, so every send still races others.
CONNECTIONS = threading.BoundedSemaphore(40)


def send_at_once(body: dict, headers: dict) -> list:
    """POST the same body from SENDERS threads, all released at the same moment."""
    start = threading.Barrier(SENDERS)
    answers: list = [None] * SENDERS

    def send(n: int) -> None:
        try:
            start.wait(timeout=60)
            with CONNECTIONS:
                try:
                    response = Client().post(
                        RESPONSES, body, content_type="application/fhir+json", headers=headers
                    )
                finally:
                    connections.close_all()
            answers[n] = (response.status_code, response.json())
        except Exception as error:  # noqa: BLE001 - reported in the answers
            answers[n] = (None, repr(error))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return answers


def test_one_check_in_sent_a_hundred_times_at_once_is_stored_once_with_one_alert(
    enrolment, patient, hospital, settings
):
    settings.COPRODUCE_RATE_LIMITS = {**settings.COPRODUCE_RATE_LIMITS, "api-token": "1000/minute"}
    headers = {**token_for(hospital), "Idempotency-Key": "retry-storm-1"}

    answers = send_at_once(check_in(patient, BREATHLESS_AT_REST), headers)

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * (SENDERS - 1) + [201], answers
    assert len({body["id"] for _status, body in answers}) == 1
    assert CheckIn.objects.count() == 1
    assert Alert.objects.count() == 1
