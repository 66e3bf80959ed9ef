"""Audit events are append-only: the database refuses changes on PostgreSQL, the app on both."""

import pytest
from django.db import DatabaseError, connection, transaction

from coproduce.people.access import Actor, access_person
from coproduce.people.models import AuditEvent, AuditEventImmutable
from tests.factories import ConsentFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_event():
    consent = ConsentFactory()
    nurse = RoleFactory(organisation=consent.organisation)
    access_person(Actor(user=nurse.user), consent.person.pk)
    return AuditEvent.objects.get()


def test_the_app_refuses_to_change_or_delete_audit_events(audit_event):
    audit_event.why = "covering my tracks"
    with pytest.raises(AuditEventImmutable):
        audit_event.save()
    with pytest.raises(AuditEventImmutable):
        audit_event.delete()
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=audit_event.pk).update(why="covering my tracks")
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().why.startswith("Consent")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE people_auditevent SET why = 'covering my tracks' WHERE id = %s",
        "DELETE FROM people_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_of_audit_rows(audit_event, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [audit_event.pk])
    assert AuditEvent.objects.get(pk=audit_event.pk).why.startswith("Consent")
