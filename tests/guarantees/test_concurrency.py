"""Waits opened at the same moment (a provider's system sending its referrals on many
connections at once): every answer is a proper one, never a server error, and the database
holds each fact once."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.guarantees import actions
from coproduce.guarantees.models import Pathway, Scheme
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, CareRelationship, Organisation, Role
from tests.factories import ConsentFactory, OrganisationFactory, RoleFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

SENDERS = 20


@pytest.fixture
def hospital():
    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def patient(hospital):
    """Known to the hospital by consent only: the first wait there starts its care."""
    return ConsentFactory(organisation=hospital).person


@pytest.fixture
def write_token(hospital) -> dict:
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=hospital.pk,
        name="PAS feed",
        scope=ApiToken.Scope.WRITE,
    )
    return {"Authorization": f"Bearer {raw}"}


def open_at_once(payloads: list[dict], headers: dict) -> list[tuple[int, dict]]:
    """POST each wait on its own connection, all released at the same moment."""
    start = threading.Barrier(len(payloads))
    answers: list = [None] * len(payloads)

    def send(n: int) -> None:
        try:
            start.wait(timeout=30)
            response = Client().post(
                "/api/guarantees/pathways",
                payloads[n],
                content_type="application/json",
                headers=headers,
            )
            answers[n] = (response.status_code, response.json())
        except Exception as error:  # noqa: BLE001 - reported in the answers
            answers[n] = (None, repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def referral(patient, hospital, n: int, reference: str) -> dict:
    return {
        "person_id": str(patient.pk),
        "scheme": "uk-nhs-rtt",
        "provider_id": hospital.pk,
        "service": f"Clinic {n}",
        "external_id": reference,
    }


def test_twenty_referrals_at_once_give_twenty_waits_and_one_care_relationship(
    hospital, patient, write_token
):
    payloads = [referral(patient, hospital, n, f"REF-{n}") for n in range(SENDERS)]
    answers = open_at_once(payloads, write_token)
    assert [status for status, _ in answers] == [201] * SENDERS, answers
    assert Pathway.objects.filter(person=patient, provider=hospital).count() == SENDERS
    care = CareRelationship.objects.filter(person=patient, organisation=hospital)
    assert care.count() == 1
    assert care.get().ends_on is None


def test_one_referral_sent_twenty_times_at_once_opens_one_wait(hospital, patient, write_token):
    payloads = [referral(patient, hospital, n, "REF-1") for n in range(SENDERS)]
    answers = open_at_once(payloads, write_token)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (SENDERS - 1), answers
    refused = [body["error"] for status, body in answers if status == 409]
    assert {error["code"] for error in refused} == {"duplicate_reference"}
    assert Pathway.objects.filter(provider=hospital, external_id="REF-1").count() == 1
    assert CareRelationship.objects.filter(person=patient, organisation=hospital).count() == 1


def test_versions_of_a_guarantee_made_at_once_make_one_and_tell_the_others_why_not():
    """People in the back office make a version from next week at the same moment, some from
    today's version and some from tomorrow's: one is made, and the others are told what
    already exists, not that the rules are broken."""
    today = timezone.localdate()
    next_week = today + dt.timedelta(days=7)
    rules_admins = [Actor(user=UserFactory(is_staff=True, is_superuser=True)) for _ in range(10)]
    current = Scheme.objects.get(code="uk-nhs-rtt")
    tomorrows = actions.make_scheme_version(
        rules_admins[0],
        scheme_id=current.pk,
        effective_from=today + dt.timedelta(days=1),
        changes={"title": "RTT from tomorrow"},
    )
    start = threading.Barrier(len(rules_admins))
    made, refused, failures = [], [], []

    def make_version(admin: Actor, base: Scheme) -> None:
        try:
            start.wait(timeout=30)
            made.append(
                actions.make_scheme_version(
                    admin,
                    scheme_id=base.pk,
                    effective_from=next_week,
                    changes={"title": "RTT from next week"},
                ).code
            )
        except InvalidInput as error:
            refused.append(error.fields)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=make_version, args=(admin, base))
        for admin, base in zip(rules_admins, [current, tomorrows] * 5, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert made == [f"uk-nhs-rtt-{next_week}"]
    assert len(refused) == len(rules_admins) - 1
    for fields in refused:
        assert fields["code"] == [
            f"There is already a scheme uk-nhs-rtt-{next_week}: choose another code."
        ]
        assert "stages" not in fields
    assert Scheme.objects.filter(family="uk-nhs-rtt").count() == 3
