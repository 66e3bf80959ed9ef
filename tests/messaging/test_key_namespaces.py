"""Message keys: a client's keys are its organisation's own, and the platform's keys (a broken
guarantee, an offer of care elsewhere) are in a namespace no client can write. A client that
takes the key the platform will use next changes nothing for the person or the breach job."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from coproduce.guarantees import actions as guarantees
from coproduce.guarantees.models import Right
from coproduce.messaging import actions
from coproduce.messaging.models import PLATFORM_NAMESPACE, Message
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Role
from tests.factories import CareRelationshipFactory, OrganisationFactory, RoleFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
BREACH_SUBJECT = "longer than the guarantee allows"


def write_token(organisation) -> dict:
    admin = RoleFactory(organisation=organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user), organisation_id=organisation.pk, name="PAS feed", scope="write"
    )
    return {"Authorization": f"Bearer {raw}"}


def waiting_patient(hospital, referred_days_ago: int):
    """A patient of the hospital on an 18-week wait referred that many days ago."""
    clinician = Actor(user=RoleFactory(organisation=hospital).user)
    patient = CareRelationshipFactory(organisation=hospital).person
    pathway = guarantees.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    guarantees.record_event(
        clinician,
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=referred_days_ago),
    )
    return patient, pathway


def test_a_squatted_breach_key_neither_blocks_nor_hides_any_breach(
    django_capture_on_commit_callbacks,
):
    hospitals = [OrganisationFactory(kind=Organisation.Kind.HOSPITAL) for _ in range(3)]
    # One wait has broken its guarantee already: its right shows which key comes next.
    _, first = waiting_patient(hospitals[0], referred_days_ago=130)
    next_right = Right.objects.get(pathway=first).pk + 1
    waits = [waiting_patient(hospital, referred_days_ago=120) for hospital in hospitals]

    # A client of the first hospital takes the platform's next breach keys for its own patient.
    own_patient = waits[0][0]
    client = Client()
    headers = write_token(hospitals[0])
    for pk in range(next_right, next_right + len(waits)):
        squatted = client.post(
            f"/api/people/{own_patient.pk}/messages",
            {"subject": "Nothing to see", "body": "Ignore this", "key": f"guarantee-breach-{pk}"},
            content_type="application/json",
            headers=headers,
        )
        assert squatted.status_code == 201, squatted.content

    with django_capture_on_commit_callbacks(execute=True):
        assert guarantees.detect_breaches(TODAY + dt.timedelta(days=7)) == len(waits)
    for patient, pathway in waits:
        assert Right.objects.filter(pathway=pathway).exists()
        breach = Message.objects.get(person=patient, subject__contains=BREACH_SUBJECT)
        assert breach.namespace == PLATFORM_NAMESPACE
    told = {message.to[0] for message in mail.outbox if BREACH_SUBJECT in message.subject}
    assert told == {patient.email for patient, _ in waits}
    # The job keeps succeeding on later runs.
    assert guarantees.detect_breaches(TODAY + dt.timedelta(days=8)) == 0


def test_each_organisation_has_its_own_keys(django_capture_on_commit_callbacks):
    patient = CareRelationshipFactory().person
    CareRelationshipFactory(person=patient)
    organisations = [care.organisation for care in patient.care_relationships.all()]
    with django_capture_on_commit_callbacks(execute=True):
        sent = [
            actions.send_message(
                Actor(user=RoleFactory(organisation=organisation).user),
                person_id=patient.pk,
                key="reminder-1",
                subject="Reminder",
                body="Hello",
            )
            for organisation in organisations
        ]
    assert [message.organisation for message in sent] == organisations
    assert len(mail.outbox) == 2


def test_a_client_cannot_choose_the_platform_namespace():
    care = CareRelationshipFactory()
    response = Client().post(
        f"/api/people/{care.person.pk}/messages",
        {"subject": "S", "body": "B", "key": "k", "namespace": PLATFORM_NAMESPACE},
        content_type="application/json",
        headers=write_token(care.organisation),
    )
    assert response.status_code == 400
    assert "namespace" in response.json()["error"]["fields"]
    assert not Message.objects.exists()


def test_one_wait_that_cannot_be_checked_does_not_stop_the_others(monkeypatch, caplog):
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    waits = [waiting_patient(hospital, referred_days_ago=120) for _ in range(3)]
    broken_person = waits[1][0]
    real_send = guarantees.send_templated_message

    def send_failing_for_one_person(actor, **details):
        if details["person_id"] == broken_person.pk:
            raise ConnectionError("the message store is unreachable")
        return real_send(actor, **details)

    monkeypatch.setattr(guarantees, "send_templated_message", send_failing_for_one_person)
    with caplog.at_level(logging.ERROR, logger="coproduce.guarantees.actions"):
        assert guarantees.detect_breaches(TODAY + dt.timedelta(days=7)) == 2
    assert str(waits[1][1].pk) in caplog.text
    fired = set(Right.objects.values_list("pathway_id", flat=True))
    assert fired == {waits[0][1].pk, waits[2][1].pk}
    # The failed wait was rolled back whole, so the next run gives it its right.
    monkeypatch.setattr(guarantees, "send_templated_message", real_send)
    assert guarantees.detect_breaches(TODAY + dt.timedelta(days=7)) == 1
    assert Right.objects.filter(pathway=waits[1][1]).exists()
