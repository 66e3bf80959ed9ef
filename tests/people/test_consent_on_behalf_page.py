"""Staff record a consent the person gave them (issue 11, item 1, on the website): only where
their organisation cares for the person in that category, saying how the person asked; the
consent is in the staff member's name and the person is told. A consent to see is not enough."""

import pytest
from django.test import Client

from coproduce.messaging.models import Message
from coproduce.people.models import AuditEvent, Consent, Organisation, RecordCategory, Role
from tests.factories import (
    ConsentFactory,
    OrganisationFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def council():
    return OrganisationFactory(kind=Organisation.Kind.COUNCIL)


def page_url(person) -> str:
    return f"/people/{person.pk}/consents/give/"


def test_a_clinician_records_a_consent_the_patient_gave_them(clinician, patient, council):
    client = signed_in(clinician)
    record = client.get(f"/people/{patient.pk}/").content.decode()
    assert page_url(patient) in record

    form = client.get(page_url(patient)).content.decode()
    # Only the categories the hospital cares for the patient in can be chosen.
    assert 'value="health"' in form and 'value="social_care"' not in form

    response = client.post(
        page_url(patient),
        {"organisation": council.pk, "category": "health", "asked_by": "phone", "confirmed": "on"},
    )
    assert response.status_code == 302 and response["Location"] == f"/people/{patient.pk}/"
    consent = Consent.objects.get(person=patient, organisation=council)
    assert consent.category == RecordCategory.HEALTH and consent.granted_by == clinician
    [told] = Message.objects.filter(person=patient, subject__contains="on your behalf")
    assert council.name in told.body or council.name in told.subject
    [written] = AuditEvent.objects.filter(
        person=patient, actor_user=clinician, action=AuditEvent.Action.WRITE
    )
    assert "asked by phone" in written.why
    banner = client.get(f"/people/{patient.pk}/").content.decode()
    assert "They have been told that you recorded it for them" in banner


def test_without_saying_how_the_person_asked_nothing_is_recorded(clinician, patient, council):
    response = signed_in(clinician).post(
        page_url(patient), {"organisation": council.pk, "category": "health"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select how the person asked you to do this" in html
    assert "Confirm that the person asked you to do this" in html
    assert not Consent.objects.filter(person=patient, organisation=council).exists()
    assert not Message.objects.filter(person=patient).exists()


def test_a_category_the_organisation_does_not_care_in_cannot_be_chosen(clinician, patient, council):
    response = signed_in(clinician).post(
        page_url(patient),
        {"organisation": council.pk, "category": "housing", "asked_by": "phone", "confirmed": "on"},
    )
    assert response.status_code == 200
    assert "Select which part of the record they can see" in response.content.decode()
    assert not Consent.objects.filter(person=patient).exists()


def test_a_consent_that_is_already_current_is_an_error_on_the_organisation(
    clinician, patient, council
):
    ConsentFactory(person=patient, organisation=council, category=RecordCategory.HEALTH)
    response = signed_in(clinician).post(
        page_url(patient),
        {"organisation": council.pk, "category": "health", "asked_by": "phone", "confirmed": "on"},
    )
    assert response.status_code == 200
    assert "can already see these records" in response.content.decode()
    assert Consent.objects.filter(person=patient, organisation=council).count() == 1


def test_staff_who_may_only_see_the_person_get_not_found_and_no_link(patient, council):
    """A consent to see the record, even in health, is not a care relationship."""
    ConsentFactory(person=patient, organisation=council, category=RecordCategory.HEALTH)
    worker = RoleFactory(organisation=council, kind=Role.Kind.PROFESSIONAL).user
    client = signed_in(worker)
    assert client.get(f"/people/{patient.pk}/").status_code == 200
    assert page_url(patient) not in client.get(f"/people/{patient.pk}/").content.decode()
    rows_before = AuditEvent.objects.count()
    assert client.get(page_url(patient)).status_code == 404
    response = client.post(
        page_url(patient),
        {"organisation": council.pk, "category": "health", "asked_by": "phone", "confirmed": "on"},
    )
    assert response.status_code == 404
    assert AuditEvent.objects.count() == rows_before
    assert Consent.objects.filter(person=patient).count() == 1
