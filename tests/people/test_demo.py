"""`coproduce demo`: the Riverside demo region, its fixed sign-ins and its determinism."""

import os
import random
import sqlite3
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from coproduce import registry
from coproduce.messaging.models import Message
from coproduce.people.access import Actor, find_access
from coproduce.people.demo import DEMO_PASSWORD, FIXED_SIGN_INS
from coproduce.people.demo_context import DemoContext
from coproduce.people.demo_names import NhsNumberSequence
from coproduce.people.identifiers import is_valid_nhs_number
from coproduce.people.models import (
    AuditEvent,
    CareRelationship,
    Consent,
    Locality,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
    User,
)

pytestmark = pytest.mark.django_db

PEOPLE = 200
SIGN_INS = FIXED_SIGN_INS


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The real hasher is slow on purpose; these tests check that passwords work, not how
    # strongly they are hashed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(people: int = PEOPLE, seed: int = 1) -> str:
    out = StringIO()
    call_command("demo", people=people, seed=seed, stdout=out)
    return out.getvalue()


class UndoTheRun(Exception):
    pass


def people_made_by_a_run(seed: int) -> list[tuple]:
    """Run the demo, note who was made, then roll it all back."""
    with pytest.raises(UndoTheRun), transaction.atomic():
        run_demo(seed=seed)
        people = list(
            Person.objects.order_by("nhs_number").values_list(
                "given_name", "family_name", "date_of_birth", "nhs_number", "postcode"
            )
        )
        raise UndoTheRun
    return people


def test_the_region_is_one_region_four_districts_and_fifteen_neighbourhoods():
    run_demo()
    region = Locality.objects.get(kind=Locality.Kind.REGION)
    assert region.name == "Riverside"
    districts = Locality.objects.filter(kind=Locality.Kind.DISTRICT)
    assert districts.count() == 4
    assert set(districts.values_list("parent", flat=True)) == {region.pk}
    neighbourhoods = Locality.objects.filter(kind=Locality.Kind.NEIGHBOURHOOD)
    assert neighbourhoods.count() == 15
    assert set(neighbourhoods.values_list("parent", flat=True)) == set(
        districts.values_list("pk", flat=True)
    )
    assert not Person.objects.exclude(locality__kind=Locality.Kind.NEIGHBOURHOOD).exists()


def test_every_kind_of_organisation_is_there_and_hospitals_belong_to_the_trust():
    run_demo()
    kinds = dict(Organisation.objects.values_list("kind").annotate(Count("id")))
    assert set(kinds) == set(Organisation.Kind.values)
    assert 45 <= sum(kinds.values()) <= 55
    trust = Organisation.objects.get(kind=Organisation.Kind.NHS_TRUST)
    hospitals = Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL)
    assert set(hospitals.values_list("parent", flat=True)) == {trust.pk}
    assert set(Role.objects.values_list("kind", flat=True)) == set(Role.Kind.values)


def test_people_have_valid_unique_nhs_numbers_a_gp_and_children_a_school():
    run_demo()
    assert Person.objects.count() == PEOPLE
    numbers = list(Person.objects.values_list("nhs_number", flat=True))
    assert len(set(numbers)) == PEOPLE
    assert all(is_valid_nhs_number(number) for number in numbers)
    # The block kept for test data, never issued to a real patient.
    assert all(number.startswith("999") for number in numbers)
    registered = CareRelationship.objects.filter(
        organisation__kind=Organisation.Kind.GP_PRACTICE, category=RecordCategory.HEALTH
    )
    assert set(registered.values_list("person", flat=True)) == set(
        Person.objects.values_list("pk", flat=True)
    )
    today = timezone.localdate()
    school_age = Person.objects.filter(
        date_of_birth__lte=today - timedelta(days=5 * 366),
        date_of_birth__gt=today - timedelta(days=17 * 365),
    )
    on_a_roll = CareRelationship.objects.filter(
        organisation__kind=Organisation.Kind.SCHOOL, category=RecordCategory.EDUCATION
    ).values_list("person", flat=True)
    assert school_age.exists()
    assert not school_age.exclude(pk__in=on_a_roll).exists()
    assert CareRelationship.objects.filter(organisation__kind=Organisation.Kind.COUNCIL).exists()
    assert Consent.objects.exclude(person__user__username__in=SIGN_INS).exists()


def test_the_fixed_sign_ins_work_with_the_demo_password_and_are_printed():
    output = run_demo()
    for username in SIGN_INS:
        response = Client().post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/home/", username
        assert f"  {username} " in output
    assert DEMO_PASSWORD in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert Role.objects.filter(
        user__username="clinician",
        kind=Role.Kind.CLINICIAN,
        organisation__care_relationships__person__user__username="citizen",
        organisation__kind=Organisation.Kind.GP_PRACTICE,
    ).exists()
    for username, kind in (
        ("socialworker", Role.Kind.LEAD_PROFESSIONAL),
        ("orgadmin", Role.Kind.ORGANISATION_ADMIN),
    ):
        role = Role.objects.get(user__username=username)
        assert (role.kind, role.organisation.kind) == (kind, Organisation.Kind.COUNCIL)


def test_the_citizen_has_consents_messages_and_staff_looks_at_their_record():
    run_demo()
    citizen = Person.objects.get(user__username="citizen")
    now = timezone.now()
    current = {
        (consent.organisation.kind, consent.category)
        for consent in citizen.consents.select_related("organisation")
        if consent.is_current(now)
    }
    assert (Organisation.Kind.COUNCIL, RecordCategory.SOCIAL_CARE) in current
    assert (Organisation.Kind.HOSPITAL, RecordCategory.HEALTH) in current
    assert citizen.consents.filter(revoked_at__isnull=False).count() == 1
    assert Message.objects.filter(person=citizen, key__startswith="demo:").count() >= 2
    clinician = User.objects.get(username="clinician")
    looks = AuditEvent.objects.filter(
        person=citizen, actor_user=clinician, action=AuditEvent.Action.READ
    )
    assert looks.count() >= 1
    assert AuditEvent.objects.filter(
        person=citizen, actor_user__username="socialworker", why__startswith="Consent"
    ).exists()
    assert find_access(Actor(user=clinician), citizen) is not None


def test_the_carer_acts_for_their_mother_who_has_no_sign_in():
    run_demo()
    carer = Person.objects.get(user__username="carer")
    relationship = Relationship.objects.get(proxy=carer)
    assert relationship.kind == Relationship.Kind.CARER
    assert relationship.scope == Relationship.Scope.MANAGE
    assert relationship.ends_on == timezone.localdate() + timedelta(days=365)
    mother = relationship.person
    assert mother.user is None
    assert mother.date_of_birth.year < carer.date_of_birth.year - 30
    access = find_access(Actor(user=carer.user), mother)
    assert access is not None and access.can_act


def test_the_same_seed_makes_the_same_people_and_another_seed_does_not():
    first = people_made_by_a_run(seed=7)
    assert len(first) == PEOPLE
    assert people_made_by_a_run(seed=7) == first
    assert people_made_by_a_run(seed=8) != first


def test_a_second_run_is_refused_with_one_line_and_adds_nothing():
    run_demo()
    before = Person.objects.count(), User.objects.count()
    with pytest.raises(CommandError) as refusal:
        run_demo()
    message = str(refusal.value)
    assert "already has people" in message and "coproduce migrate" in message
    assert "\n" not in message
    assert (Person.objects.count(), User.objects.count()) == before


def test_keep_existing_keeps_the_data_and_prints_the_sign_ins_again():
    run_demo()
    before = Person.objects.count(), User.objects.count(), AuditEvent.objects.count()
    out = StringIO()
    call_command("demo", people=PEOPLE, seed=1, keep_existing=True, stdout=out)
    assert "kept as it is" in out.getvalue()
    for username in SIGN_INS:
        assert username in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    assert (Person.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before


def test_too_few_people_is_refused():
    with pytest.raises(CommandError, match="at least 10 people"):
        run_demo(people=3)
    assert not Person.objects.exists()


def test_later_generators_get_the_region_and_sign_ins_from_the_context(monkeypatch):
    seen: dict = {}

    def later_module(context: DemoContext) -> None:
        seen["organisations"] = len(context.organisations)
        seen["citizen"] = context.sign_ins["citizen"].user.person.full_name
        seen["people"] = context.people

    generator = registry.DemoGenerator("later", later_module, order=50)
    monkeypatch.setitem(registry._demo_generators, "later", generator)
    run_demo()
    assert seen["organisations"] == Organisation.objects.count()
    assert seen["citizen"] == "Alex Morgan"
    assert seen["people"] == PEOPLE


def test_nhs_numbers_stay_valid_and_distinct_when_the_test_block_runs_out():
    numbers = NhsNumberSequence(random.Random(1))
    numbers.position = NhsNumberSequence.BLOCK_SIZE - 100
    drawn = [next(numbers) for _ in range(200)]
    assert len(set(drawn)) == 200
    assert all(is_valid_nhs_number(number) for number in drawn)
    assert {number[:3] for number in drawn} == {"999", "998"}


def test_the_command_line_gives_the_same_region_in_separate_databases(tmp_path):
    """Two separate processes (with different hash seeds) and databases, same people; then a
    second run on the same database exits non-zero with one line."""

    def coproduce(var_dir, *args, hash_seed):
        environment = {
            **os.environ,
            "COPRODUCE_VAR_DIR": str(var_dir),
            "PYTHONHASHSEED": hash_seed,
        }
        environment.pop("DATABASE_URL", None)
        return subprocess.run(
            [sys.executable, "-m", "coproduce.cli", *args],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    people = []
    for name, hash_seed in (("first", "1"), ("second", "2")):
        var_dir = tmp_path / name
        assert coproduce(var_dir, "migrate", "-v0", hash_seed=hash_seed).returncode == 0
        run = coproduce(var_dir, "demo", "--people", "50", "--seed", "3", hash_seed=hash_seed)
        assert run.returncode == 0, run.stderr
        with sqlite3.connect(var_dir / "coproduce.sqlite3") as database:
            people.append(
                database.execute(
                    "SELECT given_name, family_name, date_of_birth, nhs_number, address_line_1 "
                    "FROM people_person ORDER BY nhs_number"
                ).fetchall()
            )
    assert len(people[0]) == 50
    assert people[0] == people[1]

    again = coproduce(tmp_path / "second", "demo", hash_seed="2")
    assert again.returncode != 0
    refusal = [line for line in again.stderr.splitlines() if line.startswith("CommandError")]
    assert len(refusal) == 1 and "already has people" in refusal[0]
