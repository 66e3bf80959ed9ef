"""No server errors on bad input: text with hidden control characters, ids and offsets beyond
any database key, and every error answer under /api/ in the one JSON envelope (401, 403 CSRF,
404, 405, 413, 500)."""

import json

import pytest
from django.test import Client

from coproduce import api, listing
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, Consent, Person, Role
from coproduce.text import has_unsafe_characters
from tests.factories import CareRelationshipFactory, RoleFactory

pytestmark = pytest.mark.django_db

UNSAFE = {
    "a NUL byte": "Priya\x00",
    "a right-to-left override": "Priya\u202eevil",
    "a left-to-right embedding": "\u202aPriya",
    "a first-strong isolate": "Pri\u2068ya",
    "a pop directional isolate": "Priya\u2069",
}
JUST_BEYOND_ANY_ID = 2**63


def assert_envelope(response, status, code=None, *fields):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    for field in fields:
        assert body["error"]["fields"][field][0], body
    return body["error"]


@pytest.fixture
def nurse():
    return RoleFactory(kind=Role.Kind.CLINICIAN)


@pytest.fixture
def signed_in(nurse):
    client = Client(raise_request_exception=False)
    client.force_login(nurse.user)
    return client


@pytest.fixture
def write_token(nurse):
    admin = RoleFactory(organisation=nurse.organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _token, raw = actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=nurse.organisation_id,
        name="PAS feed",
        scope=ApiToken.Scope.WRITE,
    )
    return {"Authorization": f"Bearer {raw}"}


def person_payload(**changes):
    return {
        "given_name": "Priya",
        "family_name": "Shah",
        "date_of_birth": "1984-06-01",
        "care_category": "health",
        "care_reason": "Registered patient",
        "email": "priya@example.org",
        "preferred_channel": "email",
        **changes,
    }


# --- (a) text ------------------------------------------------------------------------------


def test_the_unsafe_characters_are_exactly_nul_bidi_controls_and_lone_surrogates():
    for text in UNSAFE.values():
        assert has_unsafe_characters(text)
    assert has_unsafe_characters("\ud800")
    # Letters of every script, marks and emoji are text like any other.
    for text in ["Ní Bhriain", "O'Brien-Ångström", "محمد", "שלום", "\u200fRLM", "👩🏽‍⚕️", "a\tb\nc"]:
        assert not has_unsafe_characters(text)


@pytest.mark.parametrize("what", UNSAFE)
def test_unsafe_text_in_an_api_body_is_a_field_error_and_registers_nobody(
    what, client, write_token
):
    response = client.post(
        "/api/people",
        person_payload(given_name=UNSAFE[what]),
        content_type="application/json",
        headers=write_token,
    )
    error = assert_envelope(response, 400, "invalid_input", "given_name")
    assert "hidden characters" in error["fields"]["given_name"][0]
    assert not Person.objects.exists()


def test_unsafe_text_is_refused_in_every_router_and_in_query_strings(signed_in, nurse, write_token):
    person = CareRelationshipFactory(organisation=nurse.organisation).person
    client = Client(raise_request_exception=False)
    message = client.post(
        f"/api/people/{person.pk}/messages",
        {"subject": "Hello", "body": "Line one\u202e"},
        content_type="application/json",
        headers=write_token,
    )
    assert_envelope(message, 400, "invalid_input", "body")
    wait = client.post(
        "/api/guarantees/pathways",
        {
            "person_id": str(person.pk),
            "scheme": "uk-nhs-rtt",
            "provider_id": nurse.organisation_id,
            "service": "Knees\x00",
        },
        content_type="application/json",
        headers=write_token,
    )
    assert_envelope(wait, 400, "invalid_input", "service")
    contact = signed_in.patch(
        f"/api/people/{person.pk}/contact-details",
        {"town": "Riverside\u2066"},
        content_type="application/json",
    )
    assert_envelope(contact, 400, "invalid_input", "town")
    # A NUL in a search would be a database error on PostgreSQL.
    assert_envelope(signed_in.get("/api/people", {"search": "Ada\x00"}), 400, None, "search")


def test_unsafe_text_in_a_website_form_is_a_govuk_error_and_changes_nothing(nurse):
    person = CareRelationshipFactory(organisation=nurse.organisation).person
    client = Client()
    client.force_login(nurse.user)
    response = client.post(
        f"/waits/open/{person.pk}/",
        {
            "scheme": "uk-nhs-rtt",
            "provider": nurse.organisation_id,
            "service": "Trauma\u202e and orthopaedics",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#service"' in html
    assert "Remove the hidden characters from this text" in html
    assert not person.pathways.exists()


def test_unsafe_text_in_an_imported_file_is_a_bad_row_and_imports_nothing(nurse, write_token):
    person = CareRelationshipFactory(organisation=nurse.organisation).person
    person.nhs_number = "9434765919"
    person.save(update_fields=["nhs_number"])
    header = "provider,pathway_ref,nhs_number,scheme,service,event_id,event_type,event_date,note"
    row = (
        f"{nurse.organisation.code},W-1,9434765919,uk-nhs-rtt,Cardiology,E1,referral,"
        "2025-03-01,Knee\x00"
    )
    response = Client(raise_request_exception=False).post(
        "/api/guarantees/imports",
        f"{header}\n{row}\n",
        content_type="text/csv",
        headers=write_token,
    )
    error = assert_envelope(response, 400, "invalid_rows", "line 2")
    assert "hidden characters" in error["fields"]["line 2"][0]
    assert not person.pathways.exists()


@pytest.mark.parametrize("search", ["Ada\x00", "Ada\u202e"])
def test_the_caseload_search_refuses_unsafe_text_with_a_govuk_error(nurse, search):
    CareRelationshipFactory(organisation=nurse.organisation)
    client = Client()
    client.force_login(nurse.user)
    response = client.get("/home/", {"q": search})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in html
    assert 'href="#q"' in html and 'id="q-error"' in html
    assert "Nobody is in your organisation" not in html
    assert 'href="/people/' not in html


# --- (b) numbers beyond range --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/organisations/{JUST_BEYOND_ANY_ID}",
        f"/api/guarantees/rights/{JUST_BEYOND_ANY_ID}",
        f"/api/people?offset={JUST_BEYOND_ANY_ID}",
        "/api/people?offset=1000001",
        f"/api/guarantees/pathways?offset={JUST_BEYOND_ANY_ID}",
        f"/api/guarantees/pathways?provider_id={JUST_BEYOND_ANY_ID}",
        f"/api/guarantees/rights?offset={JUST_BEYOND_ANY_ID}",
        f"/api/people?limit={JUST_BEYOND_ANY_ID}",
    ],
)
def test_ids_and_offsets_beyond_range_are_400_not_a_database_error(signed_in, url):
    assert_envelope(signed_in.get(url), 400, "invalid_input")


def test_ids_beyond_range_in_a_body_or_a_write_address_are_400(signed_in, nurse):
    person = CareRelationshipFactory(organisation=nurse.organisation).person
    consent = signed_in.post(
        f"/api/people/{person.pk}/consents",
        {"organisation_id": JUST_BEYOND_ANY_ID, "category": "health"},
        content_type="application/json",
    )
    assert_envelope(consent, 400, "invalid_input", "organisation_id")
    revoke = signed_in.post(f"/api/consents/{JUST_BEYOND_ANY_ID}/revoke")
    assert_envelope(revoke, 400, "invalid_input", "consent_id")
    assert not Consent.objects.exists()


def test_a_page_address_with_an_id_beyond_range_is_page_not_found(nurse):
    client = Client()
    client.force_login(nurse.user)
    for url in [
        f"/my-data/consents/{JUST_BEYOND_ANY_ID}/revoke/",
        f"/waits/offers/{JUST_BEYOND_ANY_ID}/accept/",
        f"/waits/rights/{JUST_BEYOND_ANY_ID}/offer/",
    ]:
        response = client.post(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()


# --- (c) every answer under /api/ in the envelope ------------------------------------------


def test_an_anonymous_write_is_401_not_a_csrf_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/people", person_payload(), content_type="application/json")
    assert_envelope(response, 401, "not_authenticated")


def test_a_signed_in_write_without_the_csrf_token_is_403_csrf_failed(nurse):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse.user)
    response = client.post("/api/people", person_payload(), content_type="application/json")
    error = assert_envelope(response, 403, "csrf_failed")
    assert "X-CSRFToken" in error["message"]
    assert not Person.objects.exists()

    # With the token from the cookie the same write goes through.
    client.get("/home/")
    token = client.cookies["csrftoken"].value
    ok = client.post(
        "/api/people",
        person_payload(organisation_id=nurse.organisation_id),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 201, ok.content


def test_a_method_an_address_does_not_accept_is_405_in_the_envelope(signed_in):
    response = signed_in.delete("/api/me")
    assert_envelope(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_oversized_body_is_413_in_the_envelope(settings, signed_in, write_token):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps(person_payload(care_reason="x" * 2000))
    for client, headers in [(signed_in, {}), (Client(), write_token)]:
        response = client.post("/api/people", big, content_type="application/json", headers=headers)
        assert_envelope(response, 413, "too_large")
    assert not Person.objects.exists()


def test_an_unknown_api_address_is_404_in_the_envelope(signed_in):
    assert_envelope(signed_in.get("/api/no-such-thing"), 404, "not_found")


def test_a_server_error_is_500_in_the_envelope_and_logged(signed_in, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("coproduce.people.queries.organisations", broken)
    response = Client(raise_request_exception=False).get("/api/organisations")
    error = assert_envelope(response, 500, "server_error")
    assert "database fell over" not in error["message"]
    assert "the database fell over" in caplog.text


def test_an_error_page_django_makes_outside_the_api_handlers_gets_the_envelope(settings):
    # A host Django refuses is answered before any view: still the envelope, not HTML.
    settings.ALLOWED_HOSTS = ["coproduce.example"]
    response = Client(raise_request_exception=False).get("/api/organisations")
    assert_envelope(response, 400, "bad_request")
    # Outside the API, pages stay pages.
    assert "json" not in Client(raise_request_exception=False).get("/")["Content-Type"]


def test_the_openapi_schema_documents_the_bounds(client):
    schema = client.get("/api/openapi.json").json()
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/people"]["get"]["parameters"]
    }
    assert parameters["offset"]["maximum"] == listing.MAX_OFFSET
    revoke = schema["paths"]["/api/consents/{consent_id}/revoke"]["post"]["parameters"][0]
    assert revoke["schema"]["maximum"] == api.MAX_ID
    assert {"413", "429"} <= set(schema["paths"]["/api/people"]["post"]["responses"])
