"""Monitoring's FHIR API as a device gateway, a patient's app and a care team use it: a
check-in stored once however often it is sent, refused with the element at fault and nothing
stored, a Bundle answered entry by entry, programmes out and in as Questionnaires, an alert
out as a Flag and a Task, and nobody without a basis learning that anything exists."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from coproduce.monitoring.models import Alert, CheckIn, Programme
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, AuditEvent, Organisation, Role
from tests.factories import (
    CareRelationshipFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
BASE = settings.COPRODUCE_SITE_URL
RESPONSES = "/api/monitoring/fhir/QuestionnaireResponse"
BUNDLES = "/api/monitoring/fhir"
QUESTIONNAIRES = "/api/monitoring/fhir/Questionnaire"
WELL = {
    "weight_kg": 80.2,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}
BREATHLESS_AT_REST = {**WELL, "breathless": "at_rest"}


def item(key: str, value) -> dict:
    if isinstance(value, bool):
        answer = {"valueBoolean": value}
    elif isinstance(value, float):
        answer = {"valueDecimal": value}
    elif isinstance(value, int):
        answer = {"valueInteger": value}
    elif key == "remark":
        answer = {"valueString": value}
    else:
        system = f"{BASE}/fhir/CodeSystem/heart-failure-{key}"
        answer = {"valueCoding": {"system": system, "code": value}}
    return {"linkId": key, "answer": [answer]}


def check_in(person, answers=WELL, **elements) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "Questionnaire/heart-failure",
        "status": "completed",
        "subject": {"reference": f"Patient/{person.pk}"},
        "item": [item(key, value) for key, value in answers.items()],
        **elements,
    }


def token_for(organisation, scope=ApiToken.Scope.WRITE) -> dict:
    admin = RoleFactory(organisation=organisation, kind=Role.Kind.ORGANISATION_ADMIN).user
    _token, raw = people_actions.create_api_token(
        Actor(user=admin), organisation_id=organisation.pk, name="Gateway", scope=scope
    )
    return {"Authorization": f"Bearer {raw}"}


def post(url, body, headers=None, client=None, content_type=FHIR_JSON):
    return (client or Client()).post(url, body, content_type=content_type, headers=headers or {})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def expressions(response) -> list[str]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    OperationOutcome.model_validate(body)
    return [expression for issue in body["issue"] for expression in issue.get("expression", [])]


@pytest.fixture
def gateway(hospital) -> dict:
    return token_for(hospital)


def with_key(headers: dict, key: str) -> dict:
    return {**headers, "Idempotency-Key": key}


# --- one check-in ---------------------------------------------------------------------------


def test_a_gateways_red_check_in_is_stored_with_its_alert_and_answered_in_fhir(
    enrolment, patient, gateway, clinician
):
    response = post(RESPONSES, check_in(patient, BREATHLESS_AT_REST), with_key(gateway, "r-1"))

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == FHIR_JSON
    stored = CheckIn.objects.get()
    assert response["Location"] == f"http://testserver{RESPONSES}/{stored.pk}"
    body = response.json()
    QuestionnaireResponse.model_validate(body)
    assert body["id"] == str(stored.pk)
    assert body["questionnaire"] == f"{BASE}/fhir/Questionnaire/heart-failure"
    assert body["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert stored.colour == "red" and stored.source == CheckIn.Source.DEVICE
    assert Alert.objects.get().assigned_to == clinician
    recorded = AuditEvent.objects.filter(person=patient, action=AuditEvent.Action.WRITE)
    assert recorded.filter(what__startswith="check-in recorded").count() == 1


def test_sent_again_with_the_same_key_it_is_answered_200_with_the_first_and_stored_once(
    enrolment, patient, gateway
):
    first = post(RESPONSES, check_in(patient, BREATHLESS_AT_REST), with_key(gateway, "r-1"))
    again = post(RESPONSES, check_in(patient, BREATHLESS_AT_REST), with_key(gateway, "r-1"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_the_person_checks_in_from_their_own_app_without_a_key(enrolment, patient):
    response = post(RESPONSES, check_in(patient), client=signed_in(patient.user))

    assert response.status_code == 201
    stored = CheckIn.objects.get()
    assert stored.colour == "green" and stored.source == CheckIn.Source.API
    assert not AuditEvent.objects.filter(person=patient, what__startswith="check-in").exists()


def test_a_token_must_send_an_idempotency_key(enrolment, patient, gateway):
    response = post(RESPONSES, check_in(patient), gateway)

    assert response.status_code == 400
    assert expressions(response) == ["Idempotency-Key"]
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("answers", "where"),
    [
        ({**WELL, "weight_kg": 700.0}, "item[0].answer[0]"),
        ({**WELL, "weight_kg": 80.25}, "item[0].answer[0]"),
        (
            {key: value for key, value in WELL.items() if key != "dizzy"},
            "item.where(linkId='dizzy')",
        ),
    ],
    ids=["impossible weight", "too many decimals", "missing answer"],
)
def test_an_answer_that_cannot_be_right_is_refused_at_its_item_and_nothing_is_stored(
    enrolment, patient, gateway, answers, where
):
    response = post(RESPONSES, check_in(patient, answers), with_key(gateway, "r-1"))

    assert response.status_code == 400
    assert expressions(response) == [where]
    assert not CheckIn.objects.exists() and not Alert.objects.exists()


def test_a_malformed_response_is_refused_at_the_element(enrolment, patient, gateway):
    broken = check_in(patient)
    broken["item"][1]["answer"][0] = {"valueCoding": {"system": "http://elsewhere", "code": "no"}}

    response = post(RESPONSES, broken, with_key(gateway, "r-1"))

    assert response.status_code == 400
    assert expressions(response) == ["item[1].answer[0].valueCoding.system"]


def test_words_with_hidden_characters_are_refused_at_their_item(enrolment, patient, gateway):
    response = post(
        RESPONSES, check_in(patient, {**WELL, "remark": "Fine\x00"}), with_key(gateway, "r-1")
    )

    assert response.status_code == 400
    assert expressions(response) == ["item[5].answer[0]"]
    assert not CheckIn.objects.exists()


def outside_the_window(enrolment) -> str:
    zone = ZoneInfo(enrolment.time_zone)
    yesterday = timezone.localdate(timezone.now(), zone) - timedelta(days=1)
    # The window is open all day but the last second: this is in that second.
    return datetime.combine(yesterday, time(23, 59, 59, 500000), zone).isoformat()


def test_readings_taken_outside_the_window_are_refused_at_authored(enrolment, patient, gateway):
    response = post(
        RESPONSES,
        check_in(patient, authored=outside_the_window(enrolment)),
        with_key(gateway, "r-1"),
    )

    assert response.status_code == 422
    assert expressions(response) == ["authored"]
    assert not CheckIn.objects.exists()


def test_a_retry_that_arrives_after_the_window_closed_is_the_check_in_first_stored(
    enrolment, patient, gateway
):
    first = post(RESPONSES, check_in(patient), with_key(gateway, "r-1"))
    late = post(
        RESPONSES,
        check_in(patient, authored=outside_the_window(enrolment)),
        with_key(gateway, "r-1"),
    )
    bundled = post(
        BUNDLES,
        batch(entry(check_in(patient, authored=outside_the_window(enrolment)), "r-1")),
        gateway,
    )

    assert (first.status_code, late.status_code) == (201, 200)
    assert late.json() == first.json()
    assert statuses(bundled) == ["200 OK"]
    assert CheckIn.objects.count() == 1


def test_a_second_check_in_of_the_day_is_refused(enrolment, patient, gateway):
    post(RESPONSES, check_in(patient), with_key(gateway, "r-1"))

    response = post(RESPONSES, check_in(patient, BREATHLESS_AT_REST), with_key(gateway, "r-2"))

    assert response.status_code == 422
    assert expressions(response) == ["authored"]
    assert CheckIn.objects.count() == 1 and not Alert.objects.exists()


@pytest.mark.parametrize("who", ["not enrolled", "another organisation's token", "read token"])
def test_nobody_without_a_basis_learns_whether_the_person_is_enrolled(
    enrol, patient, hospital, gateway, who
):
    if who == "not enrolled":
        headers = gateway
    else:
        enrol(patient)
        headers = (
            token_for(OrganisationFactory(kind=Organisation.Kind.HOSPITAL))
            if who == "another organisation's token"
            else token_for(hospital, ApiToken.Scope.READ)
        )

    response = post(RESPONSES, check_in(patient), with_key(headers, "r-1"))

    assert response.status_code == 404
    assert expressions(response) == ["subject.reference"]
    assert not CheckIn.objects.exists()


def test_an_unknown_programme_and_a_subject_that_is_no_patient_are_refused(
    enrolment, patient, gateway
):
    unknown = post(
        RESPONSES,
        check_in(patient, questionnaire="Questionnaire/asthma"),
        with_key(gateway, "r-1"),
    )
    no_patient = post(
        RESPONSES,
        check_in(patient, subject={"reference": "Group/1"}),
        with_key(gateway, "r-2"),
    )

    assert (unknown.status_code, no_patient.status_code) == (400, 400)
    assert expressions(unknown) == ["questionnaire"]
    assert expressions(no_patient) == ["subject.reference"]


def test_only_fhir_json_is_taken(enrolment, patient, gateway):
    not_json = post(RESPONSES, "weight 80", with_key(gateway, "r-1"), content_type="text/plain")
    broken = post(RESPONSES, "{", with_key(gateway, "r-1"))

    assert (not_json.status_code, broken.status_code) == (415, 400)
    assert not_json["Content-Type"] == FHIR_JSON
    assert not CheckIn.objects.exists()


# --- a Bundle -------------------------------------------------------------------------------


@pytest.fixture
def three_patients(enrol, hospital):
    people = []
    for _ in range(3):
        person = PersonFactory(user=UserFactory())
        CareRelationshipFactory(person=person, organisation=hospital)
        enrol(person)
        people.append(person)
    return people


def batch(*entries) -> dict:
    return {"resourceType": "Bundle", "type": "batch", "entry": list(entries)}


def entry(resource, full_url=None) -> dict:
    found = {"resource": resource, "request": {"method": "POST", "url": "QuestionnaireResponse"}}
    return found | ({"fullUrl": full_url} if full_url else {})


def statuses(response) -> list[str]:
    body = response.json()
    Bundle.model_validate(body)
    assert body["type"] == "batch-response"
    return [answer["response"]["status"] for answer in body["entry"]]


def test_a_bundle_is_answered_entry_by_entry_and_sent_again_stores_nothing_twice(
    three_patients, gateway
):
    first, second, third = three_patients
    outsider = PersonFactory()
    bundle = batch(
        entry(check_in(first, BREATHLESS_AT_REST), "urn:uuid:1"),
        entry(check_in(second, {**WELL, "weight_kg": 0.0}), "urn:uuid:2"),
        entry(check_in(outsider), "urn:uuid:3"),
        entry(check_in(third), "urn:uuid:4"),
    )

    sent = post(BUNDLES, bundle, gateway)
    again = post(BUNDLES, bundle, gateway)

    assert sent.status_code == 200 and sent["Content-Type"] == FHIR_JSON
    assert statuses(sent) == ["201 Created", "400 Bad Request", "404 Not Found", "201 Created"]
    assert statuses(again) == ["200 OK", "400 Bad Request", "404 Not Found", "200 OK"]
    answers = sent.json()["entry"]
    assert answers[1]["response"]["outcome"]["issue"][0]["expression"] == [
        "entry[1].resource.item[0].answer[0]"
    ]
    assert answers[2]["response"]["outcome"]["issue"][0]["expression"] == [
        "entry[2].resource.subject.reference"
    ]
    stored = CheckIn.objects.order_by("person__pk")
    assert {check.person_id for check in stored} == {first.pk, third.pk}
    assert answers[0]["response"]["location"] == (
        f"QuestionnaireResponse/{CheckIn.objects.get(person=first).pk}"
    )
    assert Alert.objects.count() == 1


def test_in_a_bundle_the_header_key_and_the_position_make_each_entrys_key(three_patients, gateway):
    bundle = batch(*(entry(check_in(person)) for person in three_patients))

    sent = post(BUNDLES, bundle, with_key(gateway, "b-1"))
    again = post(BUNDLES, bundle, with_key(gateway, "b-1"))

    assert statuses(sent) == ["201 Created"] * 3
    assert statuses(again) == ["200 OK"] * 3
    assert sorted(CheckIn.objects.values_list("idempotency_key", flat=True)) == [
        "b-1#0",
        "b-1#1",
        "b-1#2",
    ]


def test_a_token_gives_every_entry_a_key(three_patients, gateway):
    first, second, _third = three_patients
    response = post(
        BUNDLES, batch(entry(check_in(first), "urn:uuid:1"), entry(check_in(second))), gateway
    )

    assert statuses(response) == ["201 Created", "400 Bad Request"]
    outcome = response.json()["entry"][1]["response"]["outcome"]
    assert outcome["issue"][0]["expression"] == ["entry[1].fullUrl"]
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("bundle", "where"),
    [
        ({"resourceType": "Bundle", "type": "transaction", "entry": []}, "type"),
        ({"resourceType": "Bundle", "type": "batch", "entry": []}, "entry"),
        ({"resourceType": "Patient"}, "resourceType"),
    ],
)
def test_a_bundle_that_is_not_a_batch_of_check_ins_is_refused_whole(
    enrolment, gateway, bundle, where
):
    response = post(BUNDLES, bundle, gateway)

    assert response.status_code == 400
    assert expressions(response) == [where]


# --- reading a check-in ---------------------------------------------------------------------


@pytest.fixture
def stored(enrolment, patient, gateway) -> CheckIn:
    post(RESPONSES, check_in(patient, BREATHLESS_AT_REST), with_key(gateway, "r-1"))
    return CheckIn.objects.get()


def test_the_care_team_reads_a_check_in_in_fhir_and_the_look_is_audited(stored, patient, clinician):
    looks = AuditEvent.objects.filter(person=patient, action=AuditEvent.Action.READ)
    before = looks.count()

    response = signed_in(clinician).get(f"{RESPONSES}/{stored.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == str(stored.pk)
    assert looks.count() == before + 1


def test_the_person_reads_their_own_check_in_unaudited(stored, patient):
    looks = AuditEvent.objects.filter(person=patient, action=AuditEvent.Action.READ)
    before = looks.count()

    response = signed_in(patient.user).get(f"{RESPONSES}/{stored.pk}")

    assert response.status_code == 200
    assert looks.count() == before


@pytest.mark.parametrize("address", ["the check-in", "no such check-in", "not an id"])
def test_someone_without_a_basis_finds_no_check_in(stored, address):
    other = RoleFactory(organisation=OrganisationFactory()).user
    target = {"the check-in": stored.pk, "no such check-in": "0" * 32, "not an id": "x"}

    response = signed_in(other).get(f"{RESPONSES}/{target[address]}")

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


# --- programmes ------------------------------------------------------------------------------


def test_a_programme_exports_as_a_questionnaire_anyone_may_read():
    response = Client().get(f"{QUESTIONNAIRES}/news2")

    assert response.status_code == 200 and response["Content-Type"] == FHIR_JSON
    questionnaire = response.json()
    assert questionnaire["resourceType"] == "Questionnaire"
    assert questionnaire["url"] == f"{BASE}/fhir/Questionnaire/news2"
    assert Client().get(f"{QUESTIONNAIRES}/asthma").status_code == 404


def own_programme(key="our-heart-failure", title="Our heart failure check") -> dict:
    questionnaire = Client().get(f"{QUESTIONNAIRES}/heart-failure").json()
    return questionnaire | {"url": f"{BASE}/fhir/Questionnaire/{key}", "title": title}


def test_a_clinician_imports_their_organisations_programme_and_it_exports_the_same(
    hospital, clinician
):
    client = signed_in(clinician)

    created = post(QUESTIONNAIRES, own_programme(), client=client)
    replaced = post(QUESTIONNAIRES, own_programme(title="Our check, version 2"), client=client)

    assert created.status_code == 201, created.content
    assert created["Location"] == f"http://testserver{QUESTIONNAIRES}/our-heart-failure"
    assert replaced.status_code == 200
    programme = Programme.objects.get(key="our-heart-failure")
    assert programme.owner == hospital and programme.title == "Our check, version 2"
    exported = Client().get(f"{QUESTIONNAIRES}/our-heart-failure").json()
    assert exported == replaced.json()
    assert post(QUESTIONNAIRES, exported, client=client).json() == exported


def test_a_gateway_token_imports_for_its_organisation(hospital, gateway):
    response = post(QUESTIONNAIRES, own_programme(), gateway)

    assert response.status_code == 201
    assert Programme.objects.get(key="our-heart-failure").owner == hospital


def test_a_key_that_is_someone_elses_is_refused(hospital, gateway):
    other_hospital = token_for(OrganisationFactory(kind=Organisation.Kind.HOSPITAL))
    post(QUESTIONNAIRES, own_programme(), other_hospital)

    taken = post(QUESTIONNAIRES, own_programme(), gateway)
    built_in = post(QUESTIONNAIRES, own_programme(key="news2"), gateway)

    assert (taken.status_code, built_in.status_code) == (409, 409)
    assert expressions(taken) == ["url"]
    assert Programme.objects.get(key="our-heart-failure").owner != hospital


def test_a_citizen_or_a_read_token_cannot_import(hospital, patient):
    as_citizen = post(QUESTIONNAIRES, own_programme(), client=signed_in(patient.user))
    as_reader = post(QUESTIONNAIRES, own_programme(), token_for(hospital, ApiToken.Scope.READ))

    assert (as_citizen.status_code, as_reader.status_code) == (403, 403)
    assert not Programme.objects.filter(key="our-heart-failure").exists()


@pytest.mark.parametrize(
    ("change", "where"),
    [({"url": None}, "url"), ({"title": "Heart\u202e"}, "title")],
    ids=["no url", "a hidden character"],
)
def test_a_questionnaire_that_cannot_be_a_programme_is_refused_at_the_element(
    gateway, change, where
):
    broken = {key: value for key, value in (own_programme() | change).items() if value}

    response = post(QUESTIONNAIRES, broken, gateway)

    assert response.status_code == 400
    assert expressions(response) == [where]
    assert not Programme.objects.filter(key="our-heart-failure").exists()


# --- alerts ----------------------------------------------------------------------------------


def alert_address(alert: Alert) -> str:
    return f"/api/monitoring/alerts/{alert.pk}/fhir"


def test_the_care_team_exports_an_alert_as_a_flag_and_a_task(stored, patient, clinician):
    alert = Alert.objects.get()
    looks = AuditEvent.objects.filter(person=patient, action=AuditEvent.Action.READ)
    before = looks.count()

    response = signed_in(clinician).get(alert_address(alert))

    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    flag, task = (found["resource"] for found in bundle["entry"])
    assert (flag["resourceType"], task["resourceType"]) == ("Flag", "Task")
    assert task["focus"] == {"reference": f"QuestionnaireResponse/{stored.pk}"}
    assert task["for"] == {"reference": f"Patient/{patient.pk}"}
    assert task["status"] == "requested" and task["priority"] == "asap"
    assert looks.count() == before + 1


@pytest.mark.parametrize("who", ["token", "colleague not on the team", "the person"])
def test_no_one_but_the_care_team_finds_the_alert(stored, hospital, gateway, patient, who):
    alert = Alert.objects.get()
    if who == "token":
        response = Client().get(alert_address(alert), headers=gateway)
    else:
        user = patient.user if who == "the person" else RoleFactory(organisation=hospital).user
        response = signed_in(user).get(alert_address(alert))

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
