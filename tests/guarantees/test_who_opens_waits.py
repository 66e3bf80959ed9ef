"""Staff are offered only what their role does: a clinician at a GP practice is offered to
open a wait on a patient's page; a council's social worker, whom the person let see their
health record, is neither offered it nor let in by its address."""

import pytest
from django.test import Client

from coproduce.people.models import Organisation, RecordCategory, Role
from tests import factories

pytestmark = pytest.mark.django_db

OPEN_A_WAIT = "Open a wait for this person"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def person():
    return factories.PersonFactory()


def test_a_clinician_at_the_practice_is_offered_to_open_a_wait(person):
    practice = factories.OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    factories.CareRelationshipFactory(person=person, organisation=practice)
    clinician = factories.RoleFactory(organisation=practice, kind=Role.Kind.CLINICIAN).user
    client = logged_in(clinician)
    assert OPEN_A_WAIT in client.get(f"/people/{person.pk}/").content.decode()
    assert client.get(f"/waits/open/{person.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("organisation_kind", "role_kind"),
    [
        (Organisation.Kind.COUNCIL, Role.Kind.LEAD_PROFESSIONAL),  # the council social worker
        (Organisation.Kind.COUNCIL, Role.Kind.PROFESSIONAL),  # a council is no care provider
        (Organisation.Kind.GP_PRACTICE, Role.Kind.ORGANISATION_ADMIN),  # admins do not refer
    ],
)
def test_staff_whose_role_opens_no_waits_are_not_offered_it(person, organisation_kind, role_kind):
    organisation = factories.OrganisationFactory(kind=organisation_kind)
    # The person let the organisation see their health record: a health basis, but no more.
    factories.ConsentFactory(
        person=person, organisation=organisation, category=RecordCategory.HEALTH
    )
    user = factories.RoleFactory(organisation=organisation, kind=role_kind).user
    client = logged_in(user)
    page = client.get(f"/people/{person.pk}/")
    assert page.status_code == 200
    assert OPEN_A_WAIT not in page.content.decode()
    assert client.get(f"/waits/open/{person.pk}/").status_code == 404
    assert client.post(f"/waits/open/{person.pk}/", {"service": "Cardiology"}).status_code == 404
