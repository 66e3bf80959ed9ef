"""A wait as FHIR R4: the Bundle validates under fhir.resources.R4B and references the
patient by NHS number, the provider by its code, and the referral from every visit."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from coproduce.guarantees import actions
from coproduce.guarantees.standards import fhir
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests.factories import CareRelationshipFactory, OrganisationFactory, RoleFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def hospital():
    return OrganisationFactory(code="RVJ01", kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return Actor(user=RoleFactory(organisation=hospital).user)


@pytest.fixture
def patient(hospital):
    person = CareRelationshipFactory(organisation=hospital).person
    person.nhs_number = "9000000017"
    person.save(update_fields=["nhs_number"])
    return person


def open_wait(clinician, patient, hospital, scheme="uk-nhs-rtt", ref="W-1"):
    return actions.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code=scheme,
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
        external_id=ref,
    )


def record(clinician, pathway, type_, ago, **extra):
    return actions.record_event(
        clinician, pathway_id=pathway.pk, type=type_, occurred_on=days_ago(ago), **extra
    )


def validated(bundle: dict) -> Bundle:
    return Bundle.model_validate(bundle)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_running_wait_is_an_active_service_request_with_its_deadline(
    clinician, patient, hospital
):
    pathway = open_wait(clinician, patient, hospital)
    record(clinician, pathway, "referral", 30)
    bundle = fhir.pathway_bundle(pathway)
    model = validated(bundle)
    assert model.type == "collection"
    (request,) = resources(bundle, "ServiceRequest")
    assert request["status"] == "active"
    assert request["intent"] == "order"
    assert request["code"] == {"text": "Trauma and orthopaedics"}
    assert request["subject"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9000000017",
    }
    (performer,) = request["performer"]
    assert performer["identifier"]["value"] == "RVJ01"
    assert performer["display"] == hospital.name  # hostile text survives as data
    assert request["authoredOn"] == days_ago(30).isoformat()
    assert request["occurrencePeriod"] == {
        "start": days_ago(30).isoformat(),
        "end": (days_ago(30) + dt.timedelta(days=126)).isoformat(),
    }
    assert {"value": "W-1"}.items() <= request["identifier"][1].items()
    assert bundle["entry"][0]["fullUrl"] == f"urn:uuid:{pathway.pk}"
    assert not resources(bundle, "Appointment")


def test_visits_are_appointments_based_on_the_referral_and_a_dna_is_a_noshow(
    clinician, patient, hospital
):
    pathway = open_wait(clinician, patient, hospital, scheme="se-vardgaranti-2019")
    record(clinician, pathway, "referral", 80)
    record(clinician, pathway, "dna", 60)
    wrong = record(clinician, pathway, "first_visit", 41)
    record(clinician, pathway, "first_visit", 40, corrects_id=wrong.pk, note="Keyed wrongly")
    record(clinician, pathway, "decision_to_treat", 40)
    record(clinician, pathway, "treatment", 10)
    bundle = fhir.pathway_bundle(pathway)
    validated(bundle)
    (request,) = resources(bundle, "ServiceRequest")
    assert request["status"] == "completed"
    appointments = resources(bundle, "Appointment")
    # The replaced first visit is left out: only the facts that stand.
    assert [(a["status"], a["description"], a["start"][:10]) for a in appointments] == [
        ("noshow", "Did not attend", days_ago(60).isoformat()),
        ("fulfilled", "First specialist visit", days_ago(40).isoformat()),
        ("fulfilled", "Treatment", days_ago(10).isoformat()),
    ]
    assert appointments[1]["comment"] == "Keyed wrongly"
    for appointment in appointments:
        assert appointment["basedOn"] == [{"reference": f"urn:uuid:{pathway.pk}"}]
        assert appointment["participant"][0]["actor"]["identifier"]["value"] == "9000000017"
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    # Stable: the same wait exports with the same identifiers.
    assert [e["fullUrl"] for e in fhir.pathway_bundle(pathway)["entry"]] == full_urls


def test_a_nullified_clock_is_a_revoked_request_and_no_nhs_number_uses_the_person_id(
    clinician, patient, hospital
):
    patient.nhs_number = None
    patient.save(update_fields=["nhs_number"])
    pathway = open_wait(clinician, patient, hospital)
    record(clinician, pathway, "referral", 30)
    record(clinician, pathway, "dna", 20)
    bundle = fhir.pathway_bundle(pathway)
    validated(bundle)
    (request,) = resources(bundle, "ServiceRequest")
    assert request["status"] == "revoked"
    assert request["subject"]["identifier"] == {
        "system": "urn:ietf:rfc:3986",
        "value": f"urn:uuid:{patient.pk}",
    }


def test_the_api_serves_the_bundle_as_fhir_json_to_those_who_may_see_the_wait(
    clinician, patient, hospital
):
    pathway = open_wait(clinician, patient, hospital)
    record(clinician, pathway, "referral", 30)
    client = Client()
    client.force_login(clinician.user)
    response = client.get(f"/api/guarantees/pathways/{pathway.pk}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    validated(response.json())

    stranger = Client()
    stranger.force_login(RoleFactory().user)
    response = stranger.get(f"/api/guarantees/pathways/{pathway.pk}/fhir")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Client().get(f"/api/guarantees/pathways/{pathway.pk}/fhir").status_code == 401
