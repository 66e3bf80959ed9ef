"""Staff are offered only what their role does: a clinician at a GP practice is offered to
open a wait on a patient's page; a council's social worker, whom the person let see their
health record, is neither offered it nor let in by its address, nor by the API: the action
asks the same rule (guarantees.queries.opens_waits_at) for the page, the API and imports."""

import pytest
from django.test import Client

from coproduce.guarantees.models import Pathway
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, Organisation, RecordCategory, Role
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


def open_through_the_api(client, person, provider, **headers):
    payload = {
        "person_id": str(person.pk),
        "scheme": "uk-nhs-rtt",
        "provider_id": provider.pk,
        "service": "Cardiology",
    }
    return client.post(
        "/api/guarantees/pathways", payload, content_type="application/json", headers=headers
    )


def write_token(organisation) -> dict[str, str]:
    admin = factories.RoleFactory(organisation=organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user), organisation_id=organisation.pk, name="Case system", scope="write"
    )
    assert ApiToken.objects.filter(organisation=organisation).exists()
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("organisation_kind", "role_kind"),
    [
        (Organisation.Kind.COUNCIL, Role.Kind.LEAD_PROFESSIONAL),
        (Organisation.Kind.COUNCIL, Role.Kind.PROFESSIONAL),
        (Organisation.Kind.GP_PRACTICE, Role.Kind.ORGANISATION_ADMIN),
    ],
)
def test_the_api_refuses_a_wait_from_staff_whose_role_opens_none(
    person, organisation_kind, role_kind
):
    organisation = factories.OrganisationFactory(kind=organisation_kind)
    factories.ConsentFactory(
        person=person, organisation=organisation, category=RecordCategory.HEALTH
    )
    user = factories.RoleFactory(organisation=organisation, kind=role_kind).user
    answer = open_through_the_api(logged_in(user), person, organisation)
    assert answer.status_code == 403, answer.content
    assert "waiting lists" in answer.json()["error"]["message"]
    assert not Pathway.objects.filter(person=person).exists()


def test_a_council_system_cannot_put_a_person_on_its_own_waiting_list(person):
    council = factories.OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    factories.CareRelationshipFactory(person=person, organisation=council)
    answer = open_through_the_api(Client(), person, council, **write_token(council))
    assert answer.status_code == 403, answer.content
    assert not Pathway.objects.filter(person=person).exists()


def test_a_hospitals_system_and_its_clinician_open_waits_there(person):
    hospital = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    factories.CareRelationshipFactory(person=person, organisation=hospital)
    assert (
        open_through_the_api(Client(), person, hospital, **write_token(hospital)).status_code == 201
    )
    clinician = factories.RoleFactory(organisation=hospital, kind=Role.Kind.CLINICIAN).user
    assert open_through_the_api(logged_in(clinician), person, hospital).status_code == 201
    assert Pathway.objects.filter(person=person, provider=hospital).count() == 2
