"""The audit trail says what happened (docs/security.md, "The audit trail"): one READ row per
look, one WRITE row per change (a web write is not also a read), no row for an answer of 404
and no WRITE row for a refused write."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Organisation, RecordCategory, Relationship
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
READ, WRITE = AuditEvent.Action.READ, AuditEvent.Action.WRITE


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def trail(person) -> list[tuple[str, str]]:
    """The person's audit rows, oldest first, as (action, what)."""
    return list(
        AuditEvent.objects.filter(person=person).order_by("pk").values_list("action", "what")
    )


@pytest.fixture
def other_hospital():
    return factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


def proxy_of(person, scope):
    proxy = factories.PersonFactory(user=factories.UserFactory())
    factories.RelationshipFactory(person=person, proxy=proxy, scope=scope)
    return proxy.user


@pytest.fixture
def breached(clinician, patient, hospital):
    """A wait referred 130 days ago: past its 126-day deadline, so the right is owed."""
    actor = Actor(user=clinician)
    pathway = actions.open_pathway(
        actor,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Orthopaedics",
    )
    actions.record_event(
        actor,
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=130),
    )
    return pathway


def offered(patient, pathway, clinician, provider):
    right = actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=pathway.pk, stage="rtt"
    )
    return actions.offer_care_elsewhere(
        Actor(user=clinician),
        right_id=right.pk,
        provider_id=provider.pk,
        appointment_on=TODAY + dt.timedelta(days=10),
    )


def date_parts(name: str, day: dt.date) -> dict[str, int]:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


# --- no row for a 404 ----------------------------------------------------------------------


@pytest.mark.parametrize("address", ["audit-events", "data"])
def test_staff_asking_for_the_persons_own_answers_get_404_and_leave_no_row(
    patient, clinician, address
):
    """The audit trail and the download are the person's and their proxies' only: staff with
    a basis get not found, and a 404 is not a look."""
    response = signed_in(clinician).get(f"/api/people/{patient.pk}/{address}")
    assert response.status_code == 404
    assert trail(patient) == []


def test_a_view_proxy_giving_consent_gets_404_and_leaves_no_row(patient, other_hospital):
    viewer = proxy_of(patient, Relationship.Scope.VIEW)
    response = signed_in(viewer).post(
        f"/my-data/{patient.pk}/",
        {"organisation": other_hospital.pk, "category": RecordCategory.HEALTH},
    )
    assert response.status_code == 404
    assert trail(patient) == []


def test_a_view_proxy_asking_for_care_elsewhere_gets_404_and_leaves_no_row(patient, breached):
    before = trail(patient)
    viewer = proxy_of(patient, Relationship.Scope.VIEW)
    response = signed_in(viewer).post(f"/waits/ask/{breached.pk}/rtt/")
    assert response.status_code == 404
    assert trail(patient) == before


# --- a web write is one WRITE row ----------------------------------------------------------


def test_a_manage_proxy_giving_consent_on_the_web_is_one_write_row(patient, other_hospital):
    manager = proxy_of(patient, Relationship.Scope.MANAGE)
    response = signed_in(manager).post(
        f"/my-data/{patient.pk}/",
        {"organisation": other_hospital.pk, "category": RecordCategory.HEALTH},
    )
    assert response.status_code == 302
    assert trail(patient) == [(WRITE, "consents")]


def test_a_manage_proxy_asking_for_care_elsewhere_on_the_web_is_one_write_row(patient, breached):
    before = trail(patient)
    manager = proxy_of(patient, Relationship.Scope.MANAGE)
    response = signed_in(manager).post(f"/waits/ask/{breached.pk}/rtt/")
    assert response.status_code == 302
    assert trail(patient) == [*before, (WRITE, "right to care elsewhere")]


def test_staff_recording_an_event_on_the_web_is_one_write_row(patient, breached, clinician):
    before = trail(patient)
    response = signed_in(clinician).post(
        f"/waits/pathways/{breached.pk}/", {"type": "treatment", **date_parts("occurred_on", TODAY)}
    )
    assert response.status_code == 302
    assert trail(patient) == [*before, (WRITE, "wait: events recorded")]


def test_staff_opening_a_wait_on_the_web_is_one_write_row(patient, clinician, hospital):
    response = signed_in(clinician).post(
        f"/waits/open/{patient.pk}/",
        {"scheme": "uk-nhs-rtt", "provider": hospital.pk, "service": "Cardiology"},
    )
    assert response.status_code == 302
    assert trail(patient) == [(WRITE, "wait for Cardiology opened")]


def test_staff_offering_care_elsewhere_on_the_web_is_one_write_row_by_them(
    patient, breached, clinician, other_hospital
):
    right = actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=breached.pk, stage="rtt"
    )
    response = signed_in(clinician).post(
        f"/waits/rights/{right.pk}/offer/",
        {"provider": other_hospital.pk, **date_parts("appointment_on", TODAY)},
    )
    assert response.status_code == 302
    by_them = AuditEvent.objects.filter(person=patient, actor_user=clinician).order_by("-pk")
    assert [(row.action, row.what) for row in by_them[:2]] == [
        (WRITE, "offer of care elsewhere"),
        (WRITE, "wait: events recorded"),  # the referral, in the fixture
    ]


def test_recording_treatment_elsewhere_is_one_write_row(
    patient, breached, clinician, other_hospital
):
    """Treatment elsewhere also stops the clock with an event: one change, one row."""
    right = offered(patient, breached, clinician, other_hospital)
    actions.reply_to_offer(Actor(user=patient.user), right_id=right.pk, accept=True)
    before = trail(patient)
    response = signed_in(clinician).post(
        f"/waits/rights/{right.pk}/treated/", date_parts("treated_on", TODAY)
    )
    assert response.status_code == 302
    assert right_status(right.__class__.objects.get(pk=right.pk)) == RightStatus.TREATED
    assert trail(patient) == [*before, (WRITE, "care elsewhere recorded")]


def test_declining_an_offer_is_one_row_for_a_proxy_and_none_for_the_person(
    patient, breached, clinician, other_hospital, hospital
):
    """The lapse that declining brings is part of the reply, not a change by "Coproduce
    (automatic)"."""
    right = offered(patient, breached, clinician, other_hospital)
    before = trail(patient)
    response = signed_in(patient.user).post(f"/waits/offers/{right.pk}/decline/")
    assert response.status_code == 302
    assert right_status(right.__class__.objects.get(pk=right.pk)) == RightStatus.DECLINED
    assert breached.events.filter(type="declined_alternative").exists()
    assert trail(patient) == before

    second = actions.open_pathway(
        Actor(user=clinician),
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    actions.record_event(
        Actor(user=clinician),
        pathway_id=second.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=130),
    )
    right = offered(patient, second, clinician, other_hospital)
    manager = proxy_of(patient, Relationship.Scope.MANAGE)
    before = trail(patient)
    response = signed_in(manager).post(f"/waits/offers/{right.pk}/decline/")
    assert response.status_code == 302
    assert trail(patient) == [*before, (WRITE, "reply to an offer of care elsewhere")]


# --- no WRITE row for a refused write ------------------------------------------------------


def test_a_refused_web_event_is_a_look_not_an_event_recorded(patient, breached, clinician):
    """The page shown again with the error is a look at the wait; nothing was recorded."""
    before = trail(patient)
    response = signed_in(clinician).post(
        f"/waits/pathways/{breached.pk}/", {"type": "treatment", "occurred_on_day": "x"}
    )
    assert response.status_code == 200
    assert trail(patient) == [*before, (READ, "wait: events and clock")]


def test_a_refused_api_write_leaves_no_row(patient, breached, clinician):
    before = trail(patient)
    response = signed_in(clinician).post(
        f"/api/guarantees/pathways/{breached.pk}/events",
        {"type": "treatment", "occurred_on": "2999-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert trail(patient) == before


def test_a_refused_web_offer_shows_the_page_as_a_look(patient, breached, clinician, other_hospital):
    right = actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=breached.pk, stage="rtt"
    )
    before = trail(patient)
    response = signed_in(clinician).post(f"/waits/rights/{right.pk}/offer/", {})
    assert response.status_code == 200
    assert trail(patient) == [*before, (READ, "request for care elsewhere")]
