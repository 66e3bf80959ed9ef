"""Messages are shown by record category: staff and tokens see core messages and those in a
category they have a basis in; the person and their proxies see every message."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.guarantees import actions as guarantees
from coproduce.messaging import actions
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, RecordCategory
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HEALTH_SUBJECT = "Your wait for Trauma and orthopaedics is longer than the guarantee allows"
CORE_SUBJECT = "Your new address is saved"


@pytest.fixture
def patient():
    """A hospital patient whose wait broke its guarantee, who also had a core message."""
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    patient = CareRelationshipFactory(organisation=hospital).person
    patient.user = UserFactory()
    patient.save()
    clinician = Actor(user=RoleFactory(organisation=hospital).user)
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
        occurred_on=timezone.localdate() - dt.timedelta(days=130),
    )
    actions.send_message(
        clinician, person_id=patient.pk, key="moved", subject=CORE_SUBJECT, body="Thank you."
    )
    return patient


@pytest.fixture
def community_worker(patient):
    """Staff of a voluntary group the person consented to see their community record."""
    consent = ConsentFactory(
        person=patient,
        category=RecordCategory.COMMUNITY,
        organisation=OrganisationFactory(kind=Organisation.Kind.VOLUNTARY_GROUP),
    )
    return RoleFactory(organisation=consent.organisation).user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def subjects_listed(client: Client, person) -> set[str]:
    response = client.get(f"/api/people/{person.pk}/messages")
    assert response.status_code == 200, response.content
    return {message["subject"] for message in response.json()["results"]}


def test_the_wait_message_is_a_health_message(patient):
    listed = signed_in(patient.user).get(f"/api/people/{patient.pk}/messages").json()["results"]
    assert {m["subject"]: m["category"] for m in listed} == {
        HEALTH_SUBJECT: "health",
        CORE_SUBJECT: None,
    }


def test_community_staff_see_core_messages_but_not_health_ones(patient, community_worker):
    assert subjects_listed(signed_in(community_worker), patient) == {CORE_SUBJECT}
    page = signed_in(community_worker).get(f"/people/{patient.pk}/")
    assert page.status_code == 200
    assert CORE_SUBJECT in page.content.decode()
    assert "longer than the guarantee allows" not in page.content.decode()


def test_health_staff_see_health_messages(patient):
    gp = CareRelationshipFactory(person=patient, category=RecordCategory.HEALTH).organisation
    client = signed_in(RoleFactory(organisation=gp).user)
    assert subjects_listed(client, patient) == {HEALTH_SUBJECT, CORE_SUBJECT}
    page = client.get(f"/people/{patient.pk}/").content.decode()
    assert "longer than the guarantee allows" in page


def test_the_person_and_their_proxy_see_every_message(patient):
    proxy = RelationshipFactory(person=patient, proxy__user=UserFactory()).proxy
    for user in (patient.user, proxy.user):
        assert subjects_listed(signed_in(user), patient) == {HEALTH_SUBJECT, CORE_SUBJECT}
    for user, url in ((patient.user, "/messages/"), (proxy.user, f"/messages/for/{patient.pk}/")):
        listed = signed_in(user).get(url).content.decode()
        assert "longer than the guarantee allows" in listed and CORE_SUBJECT in listed


def test_staff_cannot_send_a_message_in_a_category_they_have_no_basis_in(patient, community_worker):
    response = signed_in(community_worker).post(
        f"/api/people/{patient.pk}/messages",
        {"subject": "About your hip", "body": "x", "category": "health"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not patient.messages.filter(subject="About your hip").exists()
