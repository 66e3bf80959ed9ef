"""A device gateway that retries: the same check-in with the same Idempotency-Key arriving
100 times at once is stored once and raises one alert, and every sender gets that check-in
back (never an error). 50 connections send twice each, all released at one moment:
PostgreSQL here serves 100 connections in all, and the other tests hold some."""

import threading

import pytest
from django.db import connection, connections

from coproduce.monitoring import actions
from coproduce.monitoring.models import Alert, CheckIn
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, AuditEvent, Role
from tests.factories import RoleFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

SENDERS = 50
SENDS_EACH = 2
BREATHLESS_AT_REST = {
    "weight_kg": 80.2,
    "breathless": "at_rest",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}


def test_one_check_in_sent_a_hundred_times_at_once_is_stored_once_with_one_alert(
    enrolment, patient, hospital
):
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN)
    token, _raw = people_actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=hospital.pk,
        name="Home device gateway",
        scope=ApiToken.Scope.WRITE,
    )
    start = threading.Barrier(SENDERS)
    answers: list = []

    def send(n: int) -> None:
        try:
            actor = Actor(token=ApiToken.objects.get(pk=token.pk), via=AuditEvent.Via.API)
            start.wait(timeout=30)
            for _send in range(SENDS_EACH):
                outcome = actions.record_check_in(
                    actor,
                    actions.Submission(
                        patient.pk, "heart-failure", BREATHLESS_AT_REST, idempotency_key="reading-1"
                    ),
                    source="device",
                )
                answers.append(outcome.check_in.pk)
        except Exception as error:  # noqa: BLE001 - the test reports what any sender got
            answers.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = CheckIn.objects.get()
    assert answers == [stored.pk] * (SENDERS * SENDS_EACH)
    assert Alert.objects.count() == 1
