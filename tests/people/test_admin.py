"""The back office: lists that name people are audited like any other look."""

import pytest

from coproduce.people.models import AuditEvent
from tests.factories import ConsentFactory, PersonFactory, RelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(client):
    client.force_login(UserFactory(username="backoffice", is_staff=True, is_superuser=True))
    return client


def test_the_people_list_audits_each_person_shown(back_office):
    people = PersonFactory.create_batch(3)
    assert back_office.get("/admin/people/person/").status_code == 200
    events = AuditEvent.objects.filter(via=AuditEvent.Via.ADMIN)
    assert {event.person_id for event in events} == {person.pk for person in people}
    assert {event.why for event in events} == {"Back-office administration"}


def test_consent_and_relationship_lists_audit_everyone_they_name(back_office):
    consent = ConsentFactory()
    relationship = RelationshipFactory()
    back_office.get("/admin/people/consent/")
    back_office.get("/admin/people/relationship/")
    audited = set(AuditEvent.objects.values_list("person_id", flat=True))
    assert audited == {consent.person_id, relationship.person_id, relationship.proxy_id}
