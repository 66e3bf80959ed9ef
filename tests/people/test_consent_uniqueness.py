"""One standing consent per person, organisation and category: the database refuses a second,
giving consent again while one is current is a conflict that changes nothing, and giving it
again after it has run out replaces the old one, which stays in the history."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from coproduce.errors import Conflict
from coproduce.messaging.models import Message
from coproduce.people import actions
from coproduce.people.access import Actor, current_consents
from coproduce.people.models import AuditEvent, Consent, RecordCategory
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CONCURRENT_GRANTS = 20


@pytest.fixture
def citizen():
    return PersonFactory(user=UserFactory())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def give(client: Client, person, organisation, **extra):
    return client.post(
        f"/api/people/{person.pk}/consents",
        {"organisation_id": organisation.pk, "category": "health", **extra},
        content_type="application/json",
    )


def test_the_database_refuses_a_second_standing_consent():
    consent = ConsentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentFactory(
            person=consent.person, organisation=consent.organisation, category=consent.category
        )
    assert Consent.objects.count() == 1


def test_the_database_allows_a_new_consent_beside_revoked_and_replaced_ones():
    now = timezone.now()
    consent = ConsentFactory(revoked_at=now)
    same = {
        "person": consent.person,
        "organisation": consent.organisation,
        "category": consent.category,
    }
    ConsentFactory(**same, expires_at=now - dt.timedelta(days=1), replaced_at=now)
    ConsentFactory(**same)
    assert Consent.objects.filter(**same).count() == 3


def test_giving_consent_again_while_it_is_current_is_a_conflict_that_changes_nothing(citizen):
    consent = ConsentFactory(person=citizen, expires_at=timezone.now() + dt.timedelta(days=30))
    before = AuditEvent.objects.count()

    response = give(signed_in(citizen.user), citizen, consent.organisation, purpose="Again")

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "consent_exists"
    assert error["message"] == f"{consent.organisation.name} can already see these records."
    assert list(Consent.objects.all()) == [consent]
    consent.refresh_from_db()
    assert consent.replaced_at is None and consent.purpose != "Again"
    assert AuditEvent.objects.count() == before


def test_giving_consent_on_someones_behalf_while_it_is_current_changes_nothing(citizen):
    consent = ConsentFactory(person=citizen)
    care = CareRelationshipFactory(person=citizen, category=RecordCategory.HEALTH)
    nurse = RoleFactory(organisation=care.organisation)

    response = give(
        signed_in(nurse.user),
        citizen,
        consent.organisation,
        on_behalf=True,
        asked_by="phone",
    )

    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "consent_exists"
    assert Consent.objects.count() == 1
    # Nothing was done on their behalf, so nobody tells them it was.
    assert not Message.objects.filter(person=citizen).exists()
    assert not AuditEvent.objects.filter(person=citizen).exists()


def test_giving_consent_again_after_it_ran_out_replaces_the_old_one(citizen):
    now = timezone.now()
    ended = ConsentFactory(
        person=citizen,
        granted_at=now - dt.timedelta(days=60),
        expires_at=now - dt.timedelta(days=1),
    )

    response = give(signed_in(citizen.user), citizen, ended.organisation)

    assert response.status_code == 201, response.content
    assert response.json()["current"] is True
    ended.refresh_from_db()
    assert ended.replaced_at is not None and ended.revoked_at is None
    new = Consent.objects.exclude(pk=ended.pk).get()
    assert new.pk == response.json()["id"]
    assert list(current_consents(timezone.now()).filter(person=citizen)) == [new]

    listed = signed_in(citizen.user).get(f"/api/people/{citizen.pk}/consents").json()
    assert {(row["id"], row["current"]) for row in listed} == {(ended.pk, False), (new.pk, True)}
    assert [row["replaced_at"] is not None for row in listed if row["id"] == ended.pk] == [True]

    html = signed_in(citizen.user).get("/my-data/").content.decode()
    table = html[html.index('id="consents-table"') :]
    table = table[: table.index("</table>")]
    assert table.count(">Current</strong>") == 1
    assert table.count(">Ended</strong>") == 1


def test_a_consent_marked_replaced_no_longer_counts_and_says_so_on_my_data(citizen):
    now = timezone.now()
    replaced = ConsentFactory(person=citizen, granted_at=now - dt.timedelta(days=10))
    Consent.objects.filter(pk=replaced.pk).update(replaced_at=now - dt.timedelta(days=2))
    staff = RoleFactory(organisation=replaced.organisation)

    assert not current_consents(now).filter(pk=replaced.pk).exists()
    assert signed_in(staff.user).get(f"/api/people/{citizen.pk}").status_code == 404
    html = signed_in(citizen.user).get("/my-data/").content.decode()
    assert "Replaced by a newer consent" in html
    assert "govuk-tag--green" not in html


def test_taking_back_a_replaced_consent_is_refused(citizen):
    now = timezone.now()
    ended = ConsentFactory(
        person=citizen,
        granted_at=now - dt.timedelta(days=60),
        expires_at=now - dt.timedelta(days=1),
    )
    actions.grant_consent(
        Actor(user=citizen.user),
        person_id=citizen.pk,
        organisation_id=ended.organisation_id,
        category=ended.category,
    )
    with pytest.raises(Conflict):
        actions.revoke_consent(Actor(user=citizen.user), consent_id=ended.pk)


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_newest_of_duplicate_consents_and_replaces_the_rest():
    executor = MigrationExecutor(connection)
    before = [("people", "0003_external_identity")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    # Rows made with the models as they were then: today's have columns added since.
    person = old_apps.get_model("people", "Person").objects.create(
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1950, 1, 1),
        email="ada@example.org",
        preferred_channel="email",
    )
    locality = old_apps.get_model("people", "Locality").objects.create(
        code="E09999999", name="Region", kind="region"
    )
    organisation = old_apps.get_model("people", "Organisation").objects.create(
        code="ORG-OLD", name="Old", kind="gp_practice", locality_id=locality.pk
    )
    OldConsent = old_apps.get_model("people", "Consent")
    now = timezone.now()
    older, newest = (
        OldConsent.objects.create(
            person_id=person.pk,
            organisation_id=organisation.pk,
            category="health",
            granted_at=now - dt.timedelta(days=days),
        )
        for days in (20, 5)
    )
    other = OldConsent.objects.create(
        person_id=person.pk, organisation_id=organisation.pk, category="housing", granted_at=now
    )

    # Forward to the latest of every app: going back also took back the modules' tables
    # that need today's people (monitoring's), and later tests need them.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    replaced_at = dict(Consent.objects.values_list("pk", "replaced_at"))
    assert replaced_at[older.pk] == newest.granted_at
    assert replaced_at[newest.pk] is None
    assert replaced_at[other.pk] is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write at a time, so grants cannot race there",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_people_giving_the_same_consent_at_once_make_one():
    citizen = PersonFactory(user=UserFactory())
    organisation = OrganisationFactory()
    start = threading.Barrier(CONCURRENT_GRANTS)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def grant() -> None:
        try:
            start.wait()
            actions.grant_consent(
                Actor(user=citizen.user),
                person_id=citizen.pk,
                organisation_id=organisation.pk,
                category=RecordCategory.HEALTH,
            )
            outcomes.append("granted")
        except Conflict as refusal:
            outcomes.append(refusal.code)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant) for _ in range(CONCURRENT_GRANTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert Counter(outcomes) == {"granted": 1, "consent_exists": CONCURRENT_GRANTS - 1}
    assert Consent.objects.filter(person=citizen).count() == 1
    assert current_consents(timezone.now()).filter(person=citizen).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write at a time, so grants cannot race there",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_grants_at_once_over_the_api_answer_one_201_and_nineteen_409s():
    citizen = PersonFactory(user=UserFactory())
    organisation = OrganisationFactory()
    start = threading.Barrier(CONCURRENT_GRANTS)
    statuses: list[int] = []
    codes: list[str] = []

    def grant() -> None:
        try:
            client = signed_in(citizen.user)
            start.wait()
            response = give(client, citizen, organisation)
            statuses.append(response.status_code)
            if response.status_code != 201:
                codes.append(response.json()["error"]["code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant) for _ in range(CONCURRENT_GRANTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(statuses) == {201: 1, 409: CONCURRENT_GRANTS - 1}
    assert set(codes) == {"consent_exists"}
    assert Consent.objects.filter(person=citizen).count() == 1
