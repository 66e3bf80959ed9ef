"""Registering someone with an NHS number already on a record: one refusal that names nobody
and is the same whether or not the organisation may see that record, written to that
person's audit trail (who tried is not hidden from them), at most five times an hour per
organisation, and safe when many registrations of one number arrive at once."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from coproduce.people.identifiers import nhs_check_digit
from coproduce.people.models import AuditEvent, Person, Role
from tests.factories import CareRelationshipFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSALS_AN_HOUR = 5
CONCURRENT_REGISTRATIONS = 10


def nhs_numbers(count: int) -> list[str]:
    """The first `count` valid NHS numbers from 400 000 000 on (always the same ones)."""
    numbers: list[str] = []
    first_nine = 400_000_000
    while len(numbers) < count:
        check = nhs_check_digit(str(first_nine))
        if check is not None:
            numbers.append(f"{first_nine}{check}")
        first_nine += 1
    return numbers


def registration(nhs_number: str, **extra) -> dict:
    return {
        "given_name": "Priya",
        "family_name": "Shah",
        "date_of_birth": "1984-06-01",
        "nhs_number": nhs_number,
        "email": "priya@example.org",
        "preferred_channel": "email",
        "care_category": "health",
        "care_reason": "Registered patient",
        **extra,
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(client: Client, nhs_number: str, **extra):
    return client.post(
        "/api/people", registration(nhs_number, **extra), content_type="application/json"
    )


@pytest.fixture
def nurse():
    return RoleFactory(kind=Role.Kind.CLINICIAN, user__first_name="Nia", user__last_name="Jones")


def test_the_refusal_is_the_same_for_a_record_they_can_see_and_one_they_cannot(nurse):
    number_seen, number_unseen = nhs_numbers(2)
    seen = CareRelationshipFactory(organisation=nurse.organisation, person__nhs_number=number_seen)
    unseen = PersonFactory(nhs_number=number_unseen)
    client = signed_in(nurse.user)

    refused_seen = register(client, number_seen)
    refused_unseen = register(client, number_unseen)

    assert refused_seen.status_code == refused_unseen.status_code == 409
    assert refused_seen.json() == refused_unseen.json()
    error = refused_seen.json()["error"]
    assert error["code"] == "nhs_number_taken"
    assert list(error["fields"]) == ["nhs_number"]
    body = refused_seen.content.decode()
    for person in (seen.person, unseen):
        assert str(person.pk) not in body
        assert person.given_name not in body and person.family_name not in body
    assert Person.objects.count() == 2
    # Both holders are told someone tried, whether or not that organisation may see them.
    for person in (seen.person, unseen):
        assert (
            AuditEvent.objects.filter(person=person, organisation=nurse.organisation).count() == 1
        )


def test_the_person_whose_number_it_is_sees_who_tried_on_my_data_and_in_the_api(nurse):
    holder = PersonFactory(nhs_number=nhs_numbers(1)[0], user=UserFactory())

    assert register(signed_in(nurse.user), holder.nhs_number).status_code == 409

    row = AuditEvent.objects.get(person=holder)
    assert row.organisation == nurse.organisation
    assert row.actor_user == nurse.user
    assert "Nia Jones" in row.actor_label
    assert row.why.startswith(f"{nurse.organisation.name} tried to register a new record")

    trail = signed_in(holder.user).get(f"/api/people/{holder.pk}/audit-events").json()["results"]
    assert [(entry["who"], entry["why"]) for entry in trail] == [(row.actor_label, row.why)]
    assert trail[0]["organisation"] == nurse.organisation.name

    html = signed_in(holder.user).get("/my-data/").content.decode()
    audit = html[html.index('id="audit-trail"') :]
    assert "Looked at: whether your NHS number is on a record" in audit
    assert "tried to register a new record with your NHS number" in audit
    assert "Nia Jones" in audit
    assert "nhs_number" not in audit


def test_the_organisation_that_tried_is_not_told_whose_number_it_is(nurse):
    holder = PersonFactory(nhs_number=nhs_numbers(1)[0])
    client = signed_in(nurse.user)

    register(client, holder.nhs_number)

    assert client.get(f"/api/people/{holder.pk}").status_code == 404
    listed = client.get("/api/people", {"search": holder.nhs_number}).json()
    assert listed["count"] == 0
    # Nothing of theirs was registered, and the only row is on the holder's trail.
    assert list(AuditEvent.objects.values_list("person", flat=True)) == [holder.pk]


def test_after_five_refusals_in_an_hour_an_organisation_gets_429_without_a_look_up(nurse):
    numbers = nhs_numbers(2 * REFUSALS_AN_HOUR + 3)
    taken, new, free = (
        numbers[: REFUSALS_AN_HOUR + 2],
        numbers[REFUSALS_AN_HOUR + 2 : -1],
        numbers[-1],
    )
    holders = [PersonFactory(nhs_number=number) for number in taken]
    client = signed_in(nurse.user)
    # Registrations that succeed do not count.
    for number in new:
        assert register(client, number).status_code == 201
    for number in taken[:REFUSALS_AN_HOUR]:
        assert register(client, number).status_code == 409

    sixth = register(client, taken[REFUSALS_AN_HOUR])

    assert sixth.status_code == 429, sixth.content
    assert sixth.json()["error"]["code"] == "too_many_attempts"
    assert int(sixth["Retry-After"]) > 0
    # Not looked up: the sixth holder has no row, and a free number gets the same answer.
    assert not AuditEvent.objects.filter(person=holders[REFUSALS_AN_HOUR]).exists()
    refused_free = register(client, free)
    assert (refused_free.status_code, refused_free.json()) == (429, sixth.json())
    assert Person.objects.count() == len(taken) + len(new)
    # Someone with no NHS number can still be registered, and other organisations may still.
    without = registration("", given_name="Sam")
    del without["nhs_number"]
    registered = client.post("/api/people", without, content_type="application/json")
    assert registered.status_code == 201, registered.content
    other = RoleFactory(kind=Role.Kind.CLINICIAN)
    assert register(signed_in(other.user), taken[-1]).status_code == 409


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write at a time, so registrations cannot race there",
)
@pytest.mark.django_db(transaction=True)
def test_ten_registrations_of_one_nhs_number_at_once_make_one_person():
    nurses = [RoleFactory(kind=Role.Kind.CLINICIAN) for _ in range(CONCURRENT_REGISTRATIONS)]
    number = nhs_numbers(1)[0]
    start = threading.Barrier(CONCURRENT_REGISTRATIONS)
    answers: list[tuple[int, str]] = []

    def register_at_once(nurse) -> None:
        try:
            client = signed_in(nurse.user)
            start.wait()
            response = register(client, number)
            code = "" if response.status_code == 201 else response.json()["error"]["code"]
            answers.append((response.status_code, code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register_at_once, args=(nurse,)) for nurse in nurses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(answers) == {
        (201, ""): 1,
        (409, "nhs_number_taken"): CONCURRENT_REGISTRATIONS - 1,
    }
    person = Person.objects.get(nhs_number=number)
    refused = AuditEvent.objects.filter(person=person, action=AuditEvent.Action.READ)
    assert refused.count() == CONCURRENT_REGISTRATIONS - 1
