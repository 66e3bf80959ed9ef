"""My data's audit trail: appearances in staff lists are grouped by organisation and list
("Appeared in a list at Millbrook Surgery 24 times, last on ..."), apart from the times the
record was opened or changed, which are paged."""

import pytest
from django.test import Client

from coproduce.people.access import Actor, access_person
from coproduce.people.models import AuditEvent
from coproduce.people.views import AUDIT_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return factories.PersonFactory(user=factories.UserFactory())


def _surgery_sees(person, name="Millbrook Surgery"):
    surgery = factories.OrganisationFactory(name=name)
    factories.CareRelationshipFactory(person=person, organisation=surgery)
    return factories.RoleFactory(organisation=surgery).user


def _my_data(person, query: str = "") -> str:
    client = Client()
    client.force_login(person.user)
    return client.get(f"/my-data/{query}").content.decode()


def test_appearances_in_a_caseload_are_one_line_apart_from_record_opens(person):
    clinician = _surgery_sees(person)
    staff = Client()
    staff.force_login(clinician)
    for _ in range(24):
        staff.get("/home/")
    access_person(Actor(user=clinician), person.pk, what="record (person page)")

    html = _my_data(person)
    assert AuditEvent.objects.filter(person=person).count() == 25
    assert "Appeared in a list at Millbrook Surgery 24 times, last on" in html
    assert html.count("(caseload list)") == 1
    assert "1 time the record was opened or changed" in html
    assert "Looked at: record (person page)" in html


def test_record_opens_are_paged_newest_first(person):
    clinician = _surgery_sees(person)
    for n in range(AUDIT_PAGE_SIZE + 2):
        access_person(Actor(user=clinician), person.pk, what=f"look number {n:02d}")

    first = _my_data(person)
    assert f"{AUDIT_PAGE_SIZE + 2} times the record was opened or changed" in first
    assert f"look number {AUDIT_PAGE_SIZE + 1:02d}" in first
    assert "look number 00" not in first
    assert "?audit_page=2" in first
    second = _my_data(person, "?audit_page=2")
    assert "look number 00" in second and "look number 01" in second
    assert f"look number {AUDIT_PAGE_SIZE + 1:02d}" not in second
