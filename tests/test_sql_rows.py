"""Hand-written reads and inserts (coproduce.sql_rows, coproduce.inserts) give and store
exactly what the ORM would, on SQLite and PostgreSQL alike."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from coproduce.inserts import insert_all, insert_new
from coproduce.people.models import AuditEvent, Person
from coproduce.sql_rows import Columns, among, parameter
from tests.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _select(columns: Columns, model, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select_list()} FROM {model._meta.db_table} {columns.alias} "  # noqa: S608 - names are the models', values parameters
            f"WHERE {columns.alias}.id = %s",
            [parameter(model._meta.pk, pk)],
        )
        return columns.instance(cursor.fetchone())


@pytest.mark.parametrize("make", [ConsentFactory, CareRelationshipFactory, PersonFactory])
def test_a_row_read_by_hand_is_the_instance_the_orm_reads(make):
    stored = make()
    model = type(stored)
    by_orm = model.objects.get(pk=stored.pk)

    by_hand = _select(Columns(model, "row"), model, stored.pk)

    for field in model._meta.concrete_fields:
        assert getattr(by_hand, field.attname) == getattr(by_orm, field.attname), field.name
        assert type(getattr(by_hand, field.attname)) is type(getattr(by_orm, field.attname))


def test_a_column_left_out_is_read_when_first_used():
    person = PersonFactory(postcode="RV1 2AB")

    by_hand = _select(Columns(Person, "person", leave_out=["postcode"]), Person, person.pk)

    assert "postcode" in by_hand.get_deferred_fields()
    assert by_hand.postcode == "RV1 2AB"


def test_one_of_many_values_is_found_by_one_condition_and_none_is_refused():
    people = [PersonFactory() for _ in range(3)]
    condition, values = among("id", [parameter(Person._meta.pk, p.pk) for p in people[:2]])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Person._meta.db_table} WHERE {condition}", values)  # noqa: S608 - the model's name, values parameters
        found = {Columns(Person, "", only=["id"]).values(row)[0] for row in cursor.fetchall()}
    assert found == {people[0].pk, people[1].pk}
    with pytest.raises(ValueError):
        among("id", [])


def test_insert_new_stores_the_new_rows_and_leaves_the_ones_there_as_they_were():
    there = PersonFactory(given_name="Already here")
    again = PersonFactory.build(id=there.pk, given_name="Sent again")
    new = PersonFactory.build(id=uuid.uuid4(), given_name="New")

    stored = insert_new([again, new])

    assert stored == {new.pk}
    assert Person.objects.get(pk=there.pk).given_name == "Already here"
    assert Person.objects.get(pk=new.pk).given_name == "New"
    assert insert_new([]) == set()


def test_insert_all_stores_every_row_with_its_values():
    person = PersonFactory()
    when = timezone.now() - dt.timedelta(hours=2)
    rows = [
        AuditEvent(
            person=person,
            occurred_at=when,
            actor_label=f"Nurse {n} <b>'\"",
            action=AuditEvent.Action.READ,
            what="looked at the record",
            why="care",
            via=AuditEvent.Via.API,
        )
        for n in range(3)
    ]

    insert_all(rows)

    stored = AuditEvent.objects.filter(person=person).order_by("actor_label")
    assert [row.actor_label for row in stored] == [f"Nurse {n} <b>'\"" for n in range(3)]
    assert {row.occurred_at for row in stored} == {when}


def test_a_batch_too_big_for_one_statement_is_sent_in_several():
    # SQLite takes a limited number of values a statement; PostgreSQL about 65,000.
    people = [PersonFactory.build(id=uuid.uuid4()) for _ in range(600)]

    assert len(insert_new(people)) == 600
    assert Person.objects.filter(pk__in=[p.pk for p in people]).count() == 600


def _prepared_inserts_into(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    return sum(s.startswith(f'INSERT INTO "{model._meta.db_table}"') for s in statements)


@pytest.mark.parametrize("prepared", [True, False])
def test_hand_written_statements_work_prepared_or_not(prepared, settings):
    """Behind a pooler that keeps no prepared statements they are turned off, and the same
    reads and writes still work; on PostgreSQL, turned on, each is prepared once."""
    settings.COPRODUCE_PREPARED_STATEMENTS = prepared
    postgresql = connection.vendor == "postgresql"
    before = _prepared_inserts_into(Person) if postgresql else 0

    for _ in range(3):
        people = [PersonFactory.build(id=uuid.uuid4()) for _ in range(2)]
        assert insert_new(people) == {person.pk for person in people}
        assert insert_new(people[:1]) == set()

    if postgresql:
        # At most one statement for many rows and one for one row, however often sent.
        assert _prepared_inserts_into(Person) - before <= (2 if prepared else 0)
        if prepared:
            assert _prepared_inserts_into(Person) >= 2
