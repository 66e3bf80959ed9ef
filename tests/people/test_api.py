"""The people API: access rule over HTTP, bearer tokens, and one error envelope for bad input."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, AuditEvent, Consent, Person, Role
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VALID_PERSON = {
    "given_name": "Priya",
    "family_name": "Shah",
    "date_of_birth": "1984-06-01",
    "nhs_number": "943 476 5919",
    "email": "priya@example.org",
    "preferred_channel": "email",
    "care_category": "health",
    "care_reason": "Registered patient",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response, status, *fields):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"]
    assert body["error"]["message"]
    for field in fields:
        assert field in body["error"]["fields"], body
        assert body["error"]["fields"][field][0]
    return body["error"]


@pytest.fixture
def nurse():
    return RoleFactory(kind=Role.Kind.CLINICIAN)


@pytest.fixture
def citizen_with_consent(nurse):
    consent = ConsentFactory(organisation=nurse.organisation)
    consent.person.user = UserFactory()
    consent.person.save(update_fields=["user"])
    return consent


def test_openapi_and_docs_are_served():
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    assert "/api/people/{person_id}" in schema.json()["paths"]
    assert Client().get("/api/docs").status_code == 200


def test_staff_see_a_person_only_with_consent_and_not_after_it_is_revoked(
    nurse, citizen_with_consent
):
    person = citizen_with_consent.person
    stranger = RoleFactory()
    assert_error(signed_in(stranger.user).get(f"/api/people/{person.pk}"), 404)

    response = signed_in(nurse.user).get(f"/api/people/{person.pk}")
    assert response.status_code == 200
    assert response.json()["family_name"] == person.family_name
    assert response.json()["why_you_can_see"].startswith("Consent")
    assert AuditEvent.objects.filter(person=person, actor_user=nurse.user).count() == 1

    revoked = signed_in(person.user).post(f"/api/consents/{citizen_with_consent.pk}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["current"] is False
    assert_error(signed_in(nurse.user).get(f"/api/people/{person.pk}"), 404)


def test_unknown_and_hidden_people_answer_the_same(nurse):
    hidden = signed_in(nurse.user).get(f"/api/people/{PersonFactory().pk}")
    missing = signed_in(nurse.user).get(f"/api/people/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_anonymous_requests_get_401_in_the_envelope():
    assert_error(Client().get("/api/me"), 401)


def test_a_bearer_token_acts_for_its_organisation_and_is_stored_only_as_a_hash(nurse):
    admin = RoleFactory(organisation=nurse.organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    token, raw = actions.create_api_token(
        Actor(user=admin.user), organisation_id=nurse.organisation_id, name="PAS feed"
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64

    care = CareRelationshipFactory(organisation=nurse.organisation)
    headers = {"Authorization": f"Bearer {raw}"}
    response = Client().get(f"/api/people/{care.person.pk}", headers=headers)
    assert response.status_code == 200
    event = AuditEvent.objects.get(person=care.person)
    assert event.actor_token_id == token.pk and event.via == "api"
    assert "PAS feed" in event.actor_label

    assert_error(Client().get(f"/api/people/{PersonFactory().pk}", headers=headers), 404)
    assert_error(Client().get("/api/me", headers={"Authorization": f"Bearer {raw}x"}), 401)
    actions.revoke_api_token(Actor(user=admin.user), token_id=token.pk)
    assert_error(Client().get(f"/api/people/{care.person.pk}", headers=headers), 401)


def test_a_read_only_token_cannot_register_people(nurse):
    admin = RoleFactory(organisation=nurse.organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = actions.create_api_token(
        Actor(user=admin.user), organisation_id=nurse.organisation_id, name="Dashboards"
    )
    response = Client().post(
        "/api/people",
        VALID_PERSON,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert_error(response, 403)
    assert not Person.objects.exists()


def test_only_an_organisation_admin_can_make_tokens(nurse):
    with pytest.raises(actions.NotAllowed):
        actions.create_api_token(
            Actor(user=nurse.user), organisation_id=nurse.organisation_id, name="x"
        )


def test_staff_register_a_person_and_their_organisation_then_cares_for_them(nurse):
    response = signed_in(nurse.user).post(
        "/api/people", VALID_PERSON, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get()
    assert person.nhs_number == "9434765919"
    assert person.care_relationships.get().organisation == nurse.organisation
    assert AuditEvent.objects.get(person=person).action == AuditEvent.Action.WRITE
    assert signed_in(nurse.user).get(f"/api/people/{person.pk}").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"date_of_birth": "not-a-date"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"nhs_number": "9434765918"}, "nhs_number"),
        ({"email": "not-an-email"}, "email"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"preferred_channel": "sms", "phone": ""}, "phone"),
        ({"care_category": "astrology"}, "care_category"),
        ({"care_reason": ""}, "care_reason"),
        ({"locality_code": "NOWHERE"}, "locality_code"),
        ({"shoe_size": 9}, "shoe_size"),
    ],
)
def test_registering_with_bad_input_names_the_field_and_changes_nothing(nurse, change, field):
    payload = {**VALID_PERSON, **change}
    response = signed_in(nurse.user).post("/api/people", payload, content_type="application/json")
    assert_error(response, 400, field)
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_registering_a_taken_nhs_number_is_a_conflict(nurse):
    PersonFactory(nhs_number="9434765919")
    response = signed_in(nurse.user).post(
        "/api/people", VALID_PERSON, content_type="application/json"
    )
    assert_error(response, 409, "nhs_number")
    assert Person.objects.count() == 1


def test_malformed_json_is_a_400_in_the_envelope(nurse):
    response = signed_in(nurse.user).post(
        "/api/people", "{not json", content_type="application/json"
    )
    assert_error(response, 400)


def test_a_citizen_changes_their_contact_details_and_bad_ones_change_nothing(
    citizen_with_consent,
):
    person = citizen_with_consent.person
    client = signed_in(person.user)
    url = f"/api/people/{person.pk}/contact-details"
    ok = client.patch(url, {"phone": "07700 900456"}, content_type="application/json")
    assert ok.status_code == 200
    person.refresh_from_db()
    assert person.phone == "07700 900456"

    for payload, field in [
        ({"email": "nope"}, "email"),
        ({"preferred_channel": "sms", "phone": ""}, "phone"),
        ({"given_name": "Eve"}, "given_name"),
        ({"postcode": "X" * 11}, "postcode"),
    ]:
        before = Person.objects.values().get(pk=person.pk)
        assert_error(client.patch(url, payload, content_type="application/json"), 400, field)
        assert Person.objects.values().get(pk=person.pk) == before
    assert_error(client.patch(url, {}, content_type="application/json"), 400)


def test_consent_given_through_the_api_lets_the_organisation_see(citizen_with_consent):
    person = citizen_with_consent.person
    school = OrganisationFactory(kind="school")
    teacher = RoleFactory(organisation=school, kind=Role.Kind.PROFESSIONAL)
    assert_error(signed_in(teacher.user).get(f"/api/people/{person.pk}"), 404)
    expires = (timezone.now() + dt.timedelta(days=30)).isoformat()
    response = signed_in(person.user).post(
        f"/api/people/{person.pk}/consents",
        {"organisation_id": school.pk, "category": "education", "expires_at": expires},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["current"] is True
    assert signed_in(teacher.user).get(f"/api/people/{person.pk}").status_code == 200


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"organisation_id": 999999, "category": "health"}, 400, "organisation_id"),
        ({"organisation_id": None, "category": "health"}, 400, "organisation_id"),
        ({"organisation_id": "ORG", "category": "weather"}, 400, "category"),
        ({"category": "health", "expires_at": "2001-01-01T00:00:00Z"}, 400, "expires_at"),
        ({"category": "health", "purpose": "x" * 301}, 400, "purpose"),
    ],
)
def test_giving_consent_with_bad_input_changes_nothing(
    citizen_with_consent, payload, status, field
):
    person = citizen_with_consent.person
    org = OrganisationFactory()
    payload = {"organisation_id": org.pk, **payload}
    before = Consent.objects.count()
    response = signed_in(person.user).post(
        f"/api/people/{person.pk}/consents", payload, content_type="application/json"
    )
    assert_error(response, status, field)
    assert Consent.objects.count() == before


def test_giving_consent_without_an_organisation_names_the_field(citizen_with_consent):
    person = citizen_with_consent.person
    response = signed_in(person.user).post(
        f"/api/people/{person.pk}/consents", {"category": "health"}, content_type="application/json"
    )
    assert_error(response, 400, "organisation_id")
    assert Consent.objects.count() == 1


def test_giving_a_consent_that_already_exists_is_a_conflict(citizen_with_consent):
    person = citizen_with_consent.person
    response = signed_in(person.user).post(
        f"/api/people/{person.pk}/consents",
        {"organisation_id": citizen_with_consent.organisation_id, "category": "health"},
        content_type="application/json",
    )
    assert_error(response, 409)
    assert Consent.objects.count() == 1


def test_staff_cannot_give_or_revoke_consent_for_the_person(nurse, citizen_with_consent):
    person = citizen_with_consent.person
    client = signed_in(nurse.user)
    response = client.post(
        f"/api/people/{person.pk}/consents",
        {"organisation_id": nurse.organisation_id, "category": "education"},
        content_type="application/json",
    )
    assert_error(response, 404)
    assert_error(client.post(f"/api/consents/{citizen_with_consent.pk}/revoke"), 404)
    assert Consent.objects.get().revoked_at is None


def test_revoking_twice_or_revoking_nothing(citizen_with_consent):
    client = signed_in(citizen_with_consent.person.user)
    assert client.post(f"/api/consents/{citizen_with_consent.pk}/revoke").status_code == 200
    assert_error(client.post(f"/api/consents/{citizen_with_consent.pk}/revoke"), 409)
    assert_error(client.post("/api/consents/999999/revoke"), 404)
    assert_error(client.post("/api/consents/not-a-number/revoke"), 400, "consent_id")


def test_someone_elses_consent_cannot_be_revoked(citizen_with_consent):
    other = PersonFactory(user=UserFactory())
    response = signed_in(other.user).post(f"/api/consents/{citizen_with_consent.pk}/revoke")
    assert_error(response, 404)
    assert Consent.objects.get().revoked_at is None


def test_session_writes_need_the_csrf_token(citizen_with_consent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen_with_consent.person.user)
    response = client.post(f"/api/consents/{citizen_with_consent.pk}/revoke")
    assert_error(response, 403)
    assert Consent.objects.get().revoked_at is None


def test_the_citizen_reads_their_audit_trail_and_data_but_staff_cannot(nurse, citizen_with_consent):
    person = citizen_with_consent.person
    signed_in(nurse.user).get(f"/api/people/{person.pk}")
    trail = signed_in(person.user).get(f"/api/people/{person.pk}/audit-events")
    assert trail.status_code == 200
    assert trail.json()["count"] == 1
    assert [event["what"] for event in trail.json()["results"]] == ["record"]
    assert trail.json()["results"][0]["organisation"] == nurse.organisation.name
    data = signed_in(person.user).get(f"/api/people/{person.pk}/data")
    assert data.status_code == 200
    assert data.json()["person"]["id"] == str(person.pk)
    assert_error(signed_in(nurse.user).get(f"/api/people/{person.pk}/audit-events"), 404)
    assert_error(signed_in(nurse.user).get(f"/api/people/{person.pk}/data"), 404)


def test_staff_list_only_their_caseload_and_each_listing_is_audited(
    nurse, django_assert_max_num_queries
):
    cared_for = CareRelationshipFactory.create_batch(3, organisation=nurse.organisation)
    PersonFactory.create_batch(2)
    client = signed_in(nurse.user)
    with django_assert_max_num_queries(12):
        response = client.get("/api/people?limit=10")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert {row["id"] for row in response.json()["results"]} == {
        str(care.person_id) for care in cared_for
    }
    assert AuditEvent.objects.count() == 3
    assert_error(client.get("/api/people?limit=1000"), 400, "limit")
    assert_error(signed_in(PersonFactory(user=UserFactory()).user).get("/api/people"), 403)


def test_organisations_are_public_reference_data():
    organisation = OrganisationFactory()
    response = Client().get("/api/organisations")
    assert response.status_code == 200
    assert response.json()[0]["code"] == organisation.code
    assert_error(Client().get("/api/organisations/999999"), 404)


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("get", "/api/people/not-a-uuid", "person_id"),
        ("patch", "/api/people/not-a-uuid/contact-details", "person_id"),
        ("get", "/api/people/not-a-uuid/consents", "person_id"),
        ("post", "/api/people/not-a-uuid/consents", "person_id"),
        ("get", "/api/people/not-a-uuid/audit-events", "person_id"),
        ("get", "/api/people/not-a-uuid/data", "person_id"),
        ("get", "/api/people/not-a-uuid/messages", "person_id"),
        ("post", "/api/people/not-a-uuid/messages", "person_id"),
        ("get", "/api/people?offset=-1", "offset"),
        ("get", "/api/organisations/abc", "organisation_id"),
        ("get", "/api/organisations?kind=castle", "kind"),
    ],
)
def test_malformed_addresses_and_parameters_name_the_field(nurse, method, url, field):
    client = signed_in(nurse.user)
    response = getattr(client, method)(url, {}, content_type="application/json")
    assert_error(response, 400, field)
