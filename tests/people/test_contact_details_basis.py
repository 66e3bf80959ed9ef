"""Consent to see is not permission to change (docs/security.md): contact details are changed
by the person, a `manage` proxy, or staff and write tokens whose organisation cares for the
person; staff with only a consent get not found, and nothing changes or is audited."""

import pytest
from django.test import Client

from coproduce.people.models import AuditEvent, Organisation, RecordCategory
from tests import factories

pytestmark = pytest.mark.django_db


def change_phone(user, person):
    client = Client()
    client.force_login(user)
    return client.patch(
        f"/api/people/{person.pk}/contact-details",
        {"phone": "07700 900456"},
        content_type="application/json",
    )


def test_staff_with_only_a_consent_cannot_change_contact_details():
    consent = factories.ConsentFactory(
        organisation=factories.OrganisationFactory(kind=Organisation.Kind.COUNCIL),
        category=RecordCategory.SOCIAL_CARE,
    )
    social_worker = factories.RoleFactory(organisation=consent.organisation).user
    response = change_phone(social_worker, consent.person)
    assert response.status_code == 404
    consent.person.refresh_from_db()
    assert consent.person.phone == "07700 900123"
    assert not AuditEvent.objects.filter(person=consent.person).exists()


def test_staff_caring_for_the_person_change_them_and_the_change_names_the_care():
    care = factories.CareRelationshipFactory(category=RecordCategory.EDUCATION)
    # A consent too: the change is still made on the strength of the care relationship.
    factories.ConsentFactory(person=care.person, organisation=care.organisation)
    teacher = factories.RoleFactory(organisation=care.organisation).user
    response = change_phone(teacher, care.person)
    assert response.status_code == 200
    assert response.json()["phone"] == "07700 900456"
    (row,) = AuditEvent.objects.filter(person=care.person)
    assert (row.action, row.what) == (AuditEvent.Action.WRITE, "contact details")
    assert row.why.startswith("Care relationship")
