"""Record categories are enforced everywhere (docs/security.md, "Seeing a person"): a basis in
one category shows identity and contact details, and only what else is in that category. A
community group or a council's social workers never learn the person's NHS number, their
waits, the messages about their health, or which other organisations they have consented to.
The person and their proxies see all of it."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.guarantees import actions as waits
from coproduce.messaging.actions import send_message
from coproduce.people.access import Actor
from coproduce.people.actions import create_api_token
from coproduce.people.models import (
    ApiToken,
    AuditEvent,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
)
from coproduce.people.sections import PERSON_FIELDS
from tests import factories

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"
# Pages write it in three groups, as people read it out.
NHS_NUMBER_WRITTEN = "943 476 5919"
# What the platform tells the person when their wait breaks its guarantee.
HEALTH_SUBJECT = "Your wait for Trauma and orthopaedics is longer than the guarantee allows"
CORE_SUBJECT = "Your new address is saved"
SERVICE = "Trauma and orthopaedics"

COMMUNITY_STAFF = "staff of a community group with consent"
SOCIAL_CARE_STAFF = "staff of a council caring for the person's social care"
COMMUNITY_TOKEN = "the community group's read token"
HOSPITAL_STAFF = "staff of the hospital caring for the person's health"
SURGERY_STAFF = "staff of a surgery with health consent"
PERSON = "the person"
VIEW_PROXY = "a view proxy"

NARROW_STAFF = (COMMUNITY_STAFF, SOCIAL_CARE_STAFF)
NARROW = (*NARROW_STAFF, COMMUNITY_TOKEN)
HEALTH = (HOSPITAL_STAFF, SURGERY_STAFF)
OWN = (PERSON, VIEW_PROXY)


@dataclass
class Record:
    person: Person
    pathway: object
    right: object
    consent_purposes: dict[str, str]
    clients: dict[str, Client]


@pytest.fixture
def record() -> Record:
    """A hospital patient with an NHS number, a wait past its guarantee (with the platform's
    message about it) and a request for care elsewhere, a core message, consents to a surgery
    (health) and a community group, and a council caring for their social care; a view
    proxy; and staff of each organisation."""
    hospital = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    surgery = factories.OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    group = factories.OrganisationFactory(kind=Organisation.Kind.VOLUNTARY_GROUP)
    council = factories.OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    person = factories.PersonFactory(user=factories.UserFactory(), nhs_number=NHS_NUMBER)
    factories.CareRelationshipFactory(
        person=person, organisation=hospital, category=RecordCategory.HEALTH
    )
    factories.CareRelationshipFactory(
        person=person, organisation=council, category=RecordCategory.SOCIAL_CARE
    )
    purposes = {
        SURGERY_STAFF: "Repeat prescriptions at the surgery",
        COMMUNITY_STAFF: "Befriending visits from the group",
    }
    factories.ConsentFactory(
        person=person,
        organisation=surgery,
        category=RecordCategory.HEALTH,
        purpose=purposes[SURGERY_STAFF],
    )
    factories.ConsentFactory(
        person=person,
        organisation=group,
        category=RecordCategory.COMMUNITY,
        purpose=purposes[COMMUNITY_STAFF],
    )
    viewer = factories.PersonFactory(user=factories.UserFactory())
    factories.RelationshipFactory(person=person, proxy=viewer, scope=Relationship.Scope.VIEW)

    clinician = factories.RoleFactory(organisation=hospital).user
    as_clinician = Actor(user=clinician)
    pathway = waits.open_pathway(
        as_clinician,
        person_id=person.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service=SERVICE,
    )
    waits.record_event(
        as_clinician,
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=timezone.localdate() - dt.timedelta(days=200),
    )
    # Past its 126-day guarantee: the person asks for care elsewhere, so a right is on record.
    right = waits.ask_for_care_elsewhere(
        Actor(user=person.user), pathway_id=pathway.pk, stage="rtt"
    )
    send_message(
        as_clinician, person_id=person.pk, key="moved", subject=CORE_SUBJECT, body="Thank you."
    )

    admin = factories.RoleFactory(organisation=group, kind=Role.Kind.ORGANISATION_ADMIN).user
    _token, raw = create_api_token(
        Actor(user=admin), organisation_id=group.pk, name="Group CRM", scope=ApiToken.Scope.READ
    )
    users = {
        COMMUNITY_STAFF: factories.RoleFactory(
            organisation=group, kind=Role.Kind.PROFESSIONAL
        ).user,
        SOCIAL_CARE_STAFF: factories.RoleFactory(
            organisation=council, kind=Role.Kind.PROFESSIONAL
        ).user,
        HOSPITAL_STAFF: clinician,
        SURGERY_STAFF: factories.RoleFactory(organisation=surgery).user,
        PERSON: person.user,
        VIEW_PROXY: viewer.user,
    }
    clients = {COMMUNITY_TOKEN: Client(headers={"Authorization": f"Bearer {raw}"})}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    return Record(
        person=person, pathway=pathway, right=right, consent_purposes=purposes, clients=clients
    )


def get_json(record: Record, who: str, url: str):
    response = record.clients[who].get(url)
    assert response.status_code == 200, response.content
    return response.json()


def get_page(record: Record, who: str, url: str) -> str:
    response = record.clients[who].get(url)
    assert response.status_code == 200, response.content
    return response.content.decode()


def shows_the_nhs_number(html: str) -> bool:
    return NHS_NUMBER in html or NHS_NUMBER_WRITTEN in html


def test_every_field_of_a_person_is_in_a_category():
    fields = {field.name for field in Person._meta.concrete_fields}
    assert fields == set(PERSON_FIELDS)


# --- The API -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", NARROW)
def test_a_basis_in_another_category_shows_identity_and_contact_details_but_no_nhs_number(
    record, who
):
    shown = get_json(record, who, f"/api/people/{record.person.pk}")
    person = record.person
    assert (shown["given_name"], shown["family_name"]) == (person.given_name, person.family_name)
    assert shown["date_of_birth"] == person.date_of_birth.isoformat()
    assert (shown["email"], shown["phone"], shown["postcode"]) == (
        person.email,
        person.phone,
        person.postcode,
    )
    assert shown["nhs_number"] is None
    assert NHS_NUMBER not in json.dumps(shown)


@pytest.mark.parametrize("who", HEALTH + OWN)
def test_a_health_basis_and_the_person_and_their_proxy_get_the_nhs_number(record, who):
    assert get_json(record, who, f"/api/people/{record.person.pk}")["nhs_number"] == NHS_NUMBER


def test_changing_contact_details_does_not_show_the_nhs_number(record):
    response = record.clients[SOCIAL_CARE_STAFF].patch(
        f"/api/people/{record.person.pk}/contact-details",
        {"phone": "07700 900456"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "07700 900456"
    assert response.json()["nhs_number"] is None


@pytest.mark.parametrize(
    ("who", "consents_seen"),
    [
        (COMMUNITY_STAFF, {COMMUNITY_STAFF}),
        (COMMUNITY_TOKEN, {COMMUNITY_STAFF}),
        (SOCIAL_CARE_STAFF, set()),
        (HOSPITAL_STAFF, set()),
        (SURGERY_STAFF, {SURGERY_STAFF}),
        (PERSON, {COMMUNITY_STAFF, SURGERY_STAFF}),
        (VIEW_PROXY, {COMMUNITY_STAFF, SURGERY_STAFF}),
    ],
)
def test_staff_see_only_the_consents_given_to_their_own_organisation(record, who, consents_seen):
    listed = get_json(record, who, f"/api/people/{record.person.pk}/consents")
    assert {consent["purpose"] for consent in listed} == {
        record.consent_purposes[given_to] for given_to in consents_seen
    }


@pytest.mark.parametrize(
    ("who", "subjects"),
    [(who, {CORE_SUBJECT}) for who in NARROW]
    + [(who, {CORE_SUBJECT, HEALTH_SUBJECT}) for who in (HOSPITAL_STAFF, SURGERY_STAFF, *OWN)],
)
def test_messages_about_health_need_a_health_basis(record, who, subjects):
    listed = get_json(record, who, f"/api/people/{record.person.pk}/messages")["results"]
    assert {message["subject"] for message in listed} == subjects


@pytest.mark.parametrize("who", NARROW)
def test_waits_are_not_found_without_a_health_basis(record, who):
    client = record.clients[who]
    assert client.get(f"/api/guarantees/pathways/{record.pathway.pk}").status_code == 404
    assert client.get(f"/api/guarantees/pathways/{record.pathway.pk}/fhir").status_code == 404
    listed = client.get(f"/api/guarantees/pathways?person_id={record.person.pk}")
    assert listed.status_code == 200 and listed.json()["count"] == 0

    assert client.get(f"/api/guarantees/rights/{record.right.pk}").status_code == 404
    rights = client.get("/api/guarantees/rights")
    assert rights.status_code == 200 and rights.json()["count"] == 0


@pytest.mark.parametrize("who", (HOSPITAL_STAFF, *OWN))
def test_waits_are_read_with_a_health_basis_and_by_the_person_and_their_proxy(record, who):
    shown = get_json(record, who, f"/api/guarantees/pathways/{record.pathway.pk}")
    assert shown["service"] == SERVICE
    listed = get_json(record, who, f"/api/guarantees/pathways?person_id={record.person.pk}")
    assert listed["count"] == 1
    assert get_json(record, who, f"/api/guarantees/rights/{record.right.pk}")["stage"] == "rtt"
    assert get_json(record, who, "/api/guarantees/rights")["count"] == 1


@pytest.mark.parametrize("who", NARROW + HEALTH)
def test_the_audit_trail_and_the_download_are_not_found_for_staff(record, who):
    client = record.clients[who]
    for part in ("audit-events", "data"):
        assert client.get(f"/api/people/{record.person.pk}/{part}").status_code == 404


@pytest.mark.parametrize("who", OWN)
def test_the_person_and_their_proxy_download_everything(record, who):
    data = get_json(record, who, f"/api/people/{record.person.pk}/data")
    assert data["person"]["nhs_number"] == NHS_NUMBER
    assert {consent["purpose"] for consent in data["consents"]} == set(
        record.consent_purposes.values()
    )
    assert {message["subject"] for message in data["messages"]} == {CORE_SUBJECT, HEALTH_SUBJECT}
    assert [pathway["service"] for pathway in data["guarantee_pathways"]] == [SERVICE]
    get_json(record, COMMUNITY_STAFF, f"/api/people/{record.person.pk}")
    trail = get_json(record, who, f"/api/people/{record.person.pk}/audit-events")["results"]
    assert any(
        event["what"] == "record" and event["why"].startswith("Consent to see community")
        for event in trail
    )


@pytest.mark.parametrize("who", NARROW)
@pytest.mark.parametrize("number", (NHS_NUMBER, NHS_NUMBER_WRITTEN))
def test_searching_by_nhs_number_finds_nobody_without_a_health_basis(record, who, number):
    by_number = get_json(record, who, f"/api/people?search={number}")
    assert by_number["count"] == 0
    by_name = get_json(record, who, f"/api/people?search={record.person.family_name[:20]}")
    assert [found["id"] for found in by_name["results"]] == [str(record.person.pk)]


@pytest.mark.parametrize("who", HEALTH)
@pytest.mark.parametrize("number", (NHS_NUMBER, NHS_NUMBER_WRITTEN))
def test_searching_by_nhs_number_finds_the_person_with_a_health_basis(record, who, number):
    by_number = get_json(record, who, f"/api/people?search={number}")
    assert [found["id"] for found in by_number["results"]] == [str(record.person.pk)]


def test_the_api_schema_says_when_the_nhs_number_is_left_out(client):
    schema = client.get("/api/openapi.json").json()
    described = schema["components"]["schemas"]["PersonOut"]["properties"]["nhs_number"]
    assert "health basis" in described["description"]


# --- The pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", NARROW_STAFF)
def test_the_staff_page_shows_identity_and_contact_details_only(record, who):
    html = get_page(record, who, reverse("people:person", args=[record.person.pk]))
    person = record.person
    for detail in (person.email, person.phone, person.postcode, "28 February 1950"):
        assert detail in html
    assert not shows_the_nhs_number(html)
    assert "NHS number" not in html
    assert CORE_SUBJECT in html
    assert HEALTH_SUBJECT not in html
    assert "Open a wait for this person" not in html
    assert reverse("guarantees:open", args=[person.pk]) not in html


@pytest.mark.parametrize("who", HEALTH)
def test_the_staff_page_shows_the_health_record_with_a_health_basis(record, who):
    html = get_page(record, who, reverse("people:person", args=[record.person.pk]))
    assert shows_the_nhs_number(html)
    assert HEALTH_SUBJECT in html and CORE_SUBJECT in html
    assert reverse("guarantees:open", args=[record.person.pk]) in html


@pytest.mark.parametrize("who", NARROW_STAFF)
def test_the_caseload_lists_the_name_without_the_nhs_number(record, who):
    html = get_page(record, who, reverse("web:dashboard"))
    assert reverse("people:person", args=[record.person.pk]) in html
    assert not shows_the_nhs_number(html)
    listing = AuditEvent.objects.filter(person=record.person, what__contains="caseload").get()
    assert listing.what == "name and date of birth (caseload list)"

    html = get_page(record, who, reverse("web:dashboard") + f"?q={NHS_NUMBER}")
    assert reverse("people:person", args=[record.person.pk]) not in html
    assert "Nobody you can see matches" in html


@pytest.mark.parametrize("who", HEALTH)
def test_the_caseload_lists_the_nhs_number_with_a_health_basis(record, who):
    # Searched for as the page writes it.
    html = get_page(record, who, reverse("web:dashboard") + "?q=943+476+5919")
    assert reverse("people:person", args=[record.person.pk]) in html
    assert shows_the_nhs_number(html)
    listing = AuditEvent.objects.filter(person=record.person, what__contains="caseload").get()
    assert listing.what == "name, date of birth and NHS number (caseload list)"


@pytest.mark.parametrize("who", NARROW_STAFF)
def test_wait_pages_are_not_found_without_a_health_basis(record, who):
    client = record.clients[who]
    for url in (
        reverse("guarantees:pathway", args=[record.pathway.pk]),
        reverse("guarantees:open", args=[record.person.pk]),
        reverse("guarantees:offer", args=[record.right.pk]),
    ):
        assert client.get(url).status_code == 404, url
    worklist = get_page(record, who, reverse("guarantees:worklist"))
    assert SERVICE not in worklist


@pytest.mark.parametrize("who", NARROW_STAFF + HEALTH)
def test_my_data_and_my_waits_are_not_for_staff(record, who):
    client = record.clients[who]
    for url_name in (
        "people:my-data-for",
        "people:my-data-download-for",
        "guarantees:my-waits-for",
    ):
        assert client.get(reverse(url_name, args=[record.person.pk])).status_code == 404


def test_the_wait_page_shows_the_nhs_number_with_a_health_basis(record):
    html = get_page(record, HOSPITAL_STAFF, reverse("guarantees:pathway", args=[record.pathway.pk]))
    assert shows_the_nhs_number(html) and SERVICE in html


@pytest.mark.parametrize(
    ("who", "url_name", "args"),
    [(PERSON, "people:my-data", []), (VIEW_PROXY, "people:my-data-for", ["person"])],
)
def test_the_person_and_their_proxy_see_everything_on_my_data(record, who, url_name, args):
    url = reverse(url_name, args=[record.person.pk for _ in args])
    html = get_page(record, who, url)
    assert shows_the_nhs_number(html)
    for purpose in record.consent_purposes.values():
        assert purpose in html
    assert HEALTH_SUBJECT in html and CORE_SUBJECT in html and SERVICE in html
    waits_url = "guarantees:my-waits" if who == PERSON else "guarantees:my-waits-for"
    assert SERVICE in get_page(
        record, who, reverse(waits_url, args=[record.person.pk for _ in args])
    )
