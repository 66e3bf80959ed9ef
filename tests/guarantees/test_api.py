"""The guarantees API: the access rule over HTTP (401, 404 without access), field errors in
the one envelope with nothing changed, the whole staff and citizen flow from referral to
treatment elsewhere, and bulk import with a bearer token."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.guarantees.models import Pathway, PathwayEvent, Right
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, AuditEvent, Organisation, Role
from tests.factories import (
    CareRelationshipFactory,
    OrganisationFactory,
    PersonFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CSV_HEADER = "provider,pathway_ref,nhs_number,scheme,service,event_id,event_type,event_date"


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response, status, *fields):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] and body["error"]["message"]
    for field in fields:
        assert body["error"]["fields"].get(field), body
    return body["error"]


@pytest.fixture
def hospital():
    return OrganisationFactory(code="RVJ01", kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return RoleFactory(organisation=hospital, kind=Role.Kind.CLINICIAN).user


@pytest.fixture
def patient(hospital):
    person = CareRelationshipFactory(organisation=hospital).person
    person.user = UserFactory()
    person.nhs_number = "9000000017"
    person.save(update_fields=["user", "nhs_number"])
    return person


def open_wait(client, patient, hospital, **overrides):
    payload = {
        "person_id": str(patient.pk),
        "scheme": "uk-nhs-rtt",
        "provider_id": hospital.pk,
        "service": "Trauma and orthopaedics",
        "external_id": "W-1",
        **overrides,
    }
    return client.post("/api/guarantees/pathways", payload, content_type="application/json")


def post(client, url, payload, **headers):
    return client.post(url, payload, content_type="application/json", headers=headers)


def test_every_endpoint_needs_a_sign_in_or_token(hospital, clinician, patient):
    pathway = actions.open_pathway(
        Actor(user=clinician),
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    anonymous = Client()
    for response in (
        anonymous.get("/api/guarantees/pathways"),
        anonymous.get(f"/api/guarantees/pathways/{pathway.pk}"),
        open_wait(anonymous, patient, hospital),
        post(anonymous, f"/api/guarantees/pathways/{pathway.pk}/events", {}),
        anonymous.get("/api/guarantees/rights"),
        anonymous.post("/api/guarantees/imports", "x", content_type="text/csv"),
    ):
        assert_error(response, 401)
    assert Pathway.objects.count() == 1
    # The schemes are public.
    schemes = anonymous.get("/api/guarantees/schemes").json()
    rtt = next(scheme for scheme in schemes if scheme["code"] == "uk-nhs-rtt")
    assert (rtt["stages"][0]["limit"], rtt["stages"][0]["unit"]) == (18, "weeks")
    assert "referral" in rtt["event_types"]


def test_a_wait_is_not_found_without_access_and_nothing_is_revealed(hospital, clinician, patient):
    client = signed_in(clinician)
    pathway_id = open_wait(client, patient, hospital).json()["id"]
    other_staff = signed_in(RoleFactory().user)
    other_citizen = signed_in(PersonFactory(user=UserFactory()).user)
    for outsider in (other_staff, other_citizen):
        assert_error(outsider.get(f"/api/guarantees/pathways/{pathway_id}"), 404)
        response = post(
            outsider,
            f"/api/guarantees/pathways/{pathway_id}/events",
            {"type": "referral", "occurred_on": days_ago(3)},
        )
        assert_error(response, 404)
        assert outsider.get("/api/guarantees/pathways").json()["count"] == 0
    assert_error(client.get("/api/guarantees/pathways/00000000-0000-0000-0000-000000000000"), 404)
    assert not PathwayEvent.objects.exists()
    # Staff elsewhere cannot open a wait at a provider they do not work for.
    response = open_wait(other_staff, patient, hospital, external_id="W-2")
    assert response.status_code in (403, 404)
    assert Pathway.objects.count() == 1


def test_bad_input_gets_field_errors_and_changes_nothing(hospital, clinician, patient):
    client = signed_in(clinician)
    error = assert_error(
        open_wait(client, patient, hospital, scheme="no-such", provider_id=999999),
        400,
        "scheme",
        "provider_id",
    )
    assert error["code"] == "invalid_input"
    assert_error(open_wait(client, patient, hospital, service=""), 400, "service")
    assert_error(open_wait(client, patient, hospital, colour="blue"), 400, "colour")
    assert not Pathway.objects.exists()

    pathway_id = open_wait(client, patient, hospital).json()["id"]
    assert_error(open_wait(client, patient, hospital), 409, "external_id")
    url = f"/api/guarantees/pathways/{pathway_id}/events"
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert_error(post(client, url, {"type": "visit", "occurred_on": days_ago(1)}), 400, "type")
    assert_error(post(client, url, {"type": "referral", "occurred_on": tomorrow}), 400)
    assert_error(post(client, url, {"type": "referral", "occurred_on": "1/3/2025"}), 400)
    assert_error(
        post(client, url, {"type": "referral", "occurred_on": days_ago(1), "corrects_id": 0}),
        400,
        "corrects_id",
    )
    assert not PathwayEvent.objects.exists()


def test_the_staff_and_citizen_flow_from_referral_to_treatment_elsewhere(
    hospital, clinician, patient
):
    staff = signed_in(clinician)
    citizen = signed_in(patient.user)
    response = open_wait(staff, patient, hospital)
    assert response.status_code == 201, response.content
    pathway_id = response.json()["id"]
    response = post(
        staff,
        f"/api/guarantees/pathways/{pathway_id}/events",
        {"type": "referral", "occurred_on": days_ago(140), "event_id": "PAS-1"},
    )
    assert response.status_code == 201
    assert response.json()["standing"] is True

    # The citizen sees their wait, breached, with the right owed.
    waits = citizen.get("/api/guarantees/pathways").json()
    assert waits["count"] == 1
    (stage,) = waits["results"][0]["stages"]
    assert (stage["stage"], stage["status"], stage["days_waited"]) == ("rtt", "breached", 140)
    wait = citizen.get(f"/api/guarantees/pathways/{pathway_id}").json()
    assert [event["type"] for event in wait["events"]] == ["referral"]
    (right,) = wait["rights"]
    assert right["status"] == "owed"

    # They ask for care elsewhere in one step; staff see the request and offer another provider.
    response = post(
        citizen, f"/api/guarantees/pathways/{pathway_id}/care-elsewhere", {"stage": "rtt"}
    )
    assert response.json()["status"] == "requested"
    requested = staff.get("/api/guarantees/rights", {"status": "requested"}).json()
    assert [r["id"] for r in requested["results"]] == [right["id"]]
    elsewhere = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    soon = (TODAY + dt.timedelta(days=5)).isoformat()
    response = post(
        staff,
        f"/api/guarantees/rights/{right['id']}/offer",
        {"provider_id": elsewhere.pk, "appointment_on": soon},
    )
    assert response.status_code == 200, response.content
    assert response.json()["offered_provider"]["code"] == elsewhere.code
    response = post(citizen, f"/api/guarantees/rights/{right['id']}/reply", {"accept": True})
    assert response.json()["status"] == "accepted"
    response = post(
        staff, f"/api/guarantees/rights/{right['id']}/treated", {"treated_on": days_ago(0)}
    )
    assert response.json()["status"] == "treated"

    wait = staff.get(f"/api/guarantees/pathways/{pathway_id}").json()
    assert [event["type"] for event in wait["events"]] == ["referral", "treatment"]
    assert wait["stages"][0]["end"] == days_ago(0)
    assert wait["rights"][0]["status"] == "treated"
    assert citizen.get(f"/api/guarantees/rights/{right['id']}").json()["status"] == "treated"
    # Each staff look at the wait is on the person's audit trail.
    assert AuditEvent.objects.filter(person=patient, what="wait").exists()


def test_a_correction_replaces_the_event_it_corrects(hospital, clinician, patient):
    staff = signed_in(clinician)
    pathway_id = open_wait(staff, patient, hospital).json()["id"]
    url = f"/api/guarantees/pathways/{pathway_id}/events"
    first = post(staff, url, {"type": "referral", "occurred_on": days_ago(20)}).json()
    post(staff, url, {"type": "referral", "occurred_on": days_ago(10), "corrects_id": first["id"]})
    wait = staff.get(f"/api/guarantees/pathways/{pathway_id}").json()
    assert [(e["occurred_on"], e["standing"]) for e in wait["events"]] == [
        (days_ago(20), False),
        (days_ago(10), True),
    ]
    assert wait["stages"][0]["start"] == days_ago(10)
    again = post(
        staff, url, {"type": "referral", "occurred_on": days_ago(5), "corrects_id": first["id"]}
    )
    assert_error(again, 400, "corrects_id")


def test_lists_are_paged_show_only_the_providers_waits_and_do_not_grow_queries(
    hospital, clinician, django_assert_max_num_queries
):
    staff = Actor(user=clinician)
    for n in range(6):
        person = CareRelationshipFactory(organisation=hospital).person
        pathway = actions.open_pathway(
            staff,
            person_id=person.pk,
            scheme_code="uk-nhs-rtt",
            provider_id=hospital.pk,
            service="Cardiology",
        )
        actions.record_event(
            staff, pathway_id=pathway.pk, type="referral", occurred_on=TODAY - dt.timedelta(n)
        )
    elsewhere = RoleFactory()
    other = CareRelationshipFactory(organisation=elsewhere.organisation).person
    actions.open_pathway(
        Actor(user=elsewhere.user),
        person_id=other.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=elsewhere.organisation.pk,
        service="Cardiology",
    )
    client = signed_in(clinician)
    with django_assert_max_num_queries(14):
        page = client.get("/api/guarantees/pathways", {"limit": 4}).json()
    assert page["count"] == 6 and len(page["results"]) == 4
    with django_assert_max_num_queries(14):
        rest = client.get("/api/guarantees/pathways", {"limit": 4, "offset": 4}).json()
    assert len(rest["results"]) == 2
    ids = {r["id"] for r in page["results"]} | {r["id"] for r in rest["results"]}
    assert len(ids) == 6
    # Listing names people: one audit row for each person shown.
    assert AuditEvent.objects.filter(what="waits (list)").count() == 6
    assert_error(client.get("/api/guarantees/pathways", {"limit": 0}), 400, "limit")


def test_a_carer_sees_the_waits_of_the_person_they_act_for(hospital, clinician, patient):
    carer = RelationshipFactory(person=patient).proxy
    carer.user = UserFactory()
    carer.save(update_fields=["user"])
    actions.open_pathway(
        Actor(user=clinician),
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    page = signed_in(carer.user).get("/api/guarantees/pathways").json()
    assert page["count"] == 1 and page["results"][0]["person_id"] == str(patient.pk)


# --- import ---------------------------------------------------------------------------------


@pytest.fixture
def token(hospital):
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=hospital.pk,
        name="PAS feed",
        scope=ApiToken.Scope.WRITE,
    )
    return {"Authorization": f"Bearer {raw}"}


def csv_body(*rows: str) -> str:
    return "\n".join([CSV_HEADER, *rows]) + "\n"


def import_csv(body: str, headers: dict, query: str = ""):
    return Client().post(
        f"/api/guarantees/imports{query}", body, content_type="text/csv", headers=headers
    )


def test_a_token_imports_a_file_once_and_the_import_is_audited(hospital, patient, token):
    body = csv_body(
        f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E1,referral,{days_ago(30)}",
        f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E2,first_visit,{days_ago(10)}",
    )
    response = import_csv(body, token)
    assert response.status_code == 200, response.content
    assert response.json() | {"bad_rows": []} == {
        "rows": 2,
        "added": 2,
        "skipped": 0,
        "pathways_opened": 1,
        "imported": True,
        "dry_run": False,
        "bad_rows": [],
    }
    again = import_csv(body, token).json()
    assert (again["added"], again["skipped"], again["imported"]) == (0, 2, False)
    assert PathwayEvent.objects.count() == 2
    event = PathwayEvent.objects.get(source_key="E1")
    assert event.source == "import" and "PAS feed" in event.recorded_by_label
    assert AuditEvent.objects.filter(person=patient, actor_token__isnull=False).exists()
    # The same events as JSON, and as an uploaded file, are the same events.
    items = [
        dict(zip(CSV_HEADER.split(","), line.split(","), strict=True))
        for line in body.splitlines()[1:]
    ]
    response = Client().post(
        "/api/guarantees/imports", json.dumps(items), content_type="application/json", headers=token
    )
    assert response.json()["skipped"] == 2
    upload = SimpleUploadedFile("events.csv", body.encode(), content_type="text/csv")
    response = Client().post("/api/guarantees/imports", {"file": upload}, headers=token)
    assert response.json()["skipped"] == 2


def test_a_bad_row_is_a_field_error_by_line_and_nothing_is_imported(hospital, patient, token):
    stranger = PersonFactory(nhs_number="9000000025")  # not in the hospital's care
    body = csv_body(
        f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E1,referral,{days_ago(30)}",
        f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E2,first_visit,{days_ago(10)}",
        f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E3,visit,{days_ago(9)}",
        f"RVJ01,W-8,9000000025,uk-nhs-rtt,Cardiology,E4,referral,{days_ago(9)}",
        f"RVJ01,W-9,9000000033,uk-nhs-rtt,Cardiology,E5,referral,{days_ago(9)}",
        f"OTHER,W-9,9000000017,uk-nhs-rtt,Cardiology,E6,referral,{days_ago(9)}",
    )
    error = assert_error(import_csv(body, token), 400, "line 4", "line 5", "line 6", "line 7")
    assert error["code"] == "invalid_rows"
    assert "nothing was imported" in error["message"]
    assert error["fields"]["line 4"][0].startswith("The event_type 'visit' is not part")
    # Whether the stranger is registered elsewhere is not revealed.
    assert error["fields"]["line 5"] == error["fields"]["line 6"]
    assert error["fields"]["line 5"][0].startswith("There is no person with that NHS number in")
    assert "no provider with the code 'OTHER'" in error["fields"]["line 7"][0]
    assert not Pathway.objects.exists() and not PathwayEvent.objects.exists()
    assert not AuditEvent.objects.filter(person=stranger).exists()

    response = import_csv(body, token, "?skip_bad_rows=true")
    assert response.status_code == 200
    result = response.json()
    assert (result["added"], result["imported"]) == (2, True)
    assert [bad["where"] for bad in result["bad_rows"]] == ["line 4", "line 5", "line 6", "line 7"]
    assert PathwayEvent.objects.count() == 2


def test_import_refuses_read_only_tokens_citizens_and_unreadable_files(hospital, patient, token):
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user), organisation_id=hospital.pk, name="Dashboards"
    )
    body = csv_body(f"RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E1,referral,{days_ago(3)}")
    assert_error(import_csv(body, {"Authorization": f"Bearer {raw}"}), 403)
    response = signed_in(patient.user).post(
        "/api/guarantees/imports", body, content_type="text/csv"
    )
    assert_error(response, 403)
    assert_error(import_csv("provider,colour\nRVJ01,blue\n", token), 400, "file")
    response = Client().post(
        "/api/guarantees/imports", "<xml/>", content_type="application/xml", headers=token
    )
    assert_error(response, 400, "file")
    assert not Pathway.objects.exists()
    dry = import_csv(body, token, "?dry_run=true").json()
    assert (dry["added"], dry["dry_run"], dry["imported"]) == (1, True, False)
    assert not Pathway.objects.exists()


def test_the_openapi_schema_lists_the_guarantees_endpoints():
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/guarantees/pathways",
        "/api/guarantees/pathways/{pathway_id}",
        "/api/guarantees/pathways/{pathway_id}/events",
        "/api/guarantees/pathways/{pathway_id}/fhir",
        "/api/guarantees/rights/{right_id}/offer",
        "/api/guarantees/imports",
    ):
        assert path in paths
    assert not Right.objects.exists()
