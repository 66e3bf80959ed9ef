"""Every list of people goes through coproduce.listing (a bounded page, the count, an audit row
for each person shown, a query budget). This walks the site's routes (the URL conf, which the
modules' manifests fill) and the API's schema as a member of staff whose hospital cares for a
patient with a wait past its deadline, a request for care elsewhere, a message and an urgent
check-in they asked to be measured again: any page or API list that shows the patient without
going through the helper fails here."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from coproduce.guarantees import actions
from coproduce.listing import QUERY_BUDGET, lists_on
from coproduce.messaging.actions import send_message
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests import factories
from tests.permission_matrix_cases import monitoring_world

pytestmark = pytest.mark.django_db

PATIENT_NAME = "Wilhelmina"


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    hospital = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    clinician = factories.RoleFactory(organisation=hospital).user
    patient = factories.PersonFactory(
        given_name=f"{PATIENT_NAME} {factories.HOSTILE}", user=factories.UserFactory()
    )
    factories.CareRelationshipFactory(person=patient, organisation=hospital)
    staff = Actor(user=clinician)
    with django_capture_on_commit_callbacks(execute=True):
        pathway = actions.open_pathway(
            staff,
            person_id=patient.pk,
            scheme_code="uk-nhs-rtt",
            provider_id=hospital.pk,
            service="Orthopaedics",
        )
        actions.record_event(
            staff,
            pathway_id=pathway.pk,
            type="referral",
            occurred_on=timezone.localdate() - dt.timedelta(days=130),
        )
        actions.ask_for_care_elsewhere(Actor(user=patient.user), pathway_id=pathway.pk, stage="rtt")
        send_message(staff, person_id=patient.pk, key="hello", subject="Hello", body="Welcome")
        monitoring = monitoring_world(patient, hospital, clinician)
    client = Client()
    client.force_login(clinician)
    return client, patient, monitoring["alert"]


def _routes_without_arguments(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue  # the back office has its own audit; the API is walked by its schema
            yield from _routes_without_arguments(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
            yield "/" + route.lstrip("^").rstrip("$")


def _assert_listed_through_the_helper(response, where: str) -> None:
    lists = lists_on(response.wsgi_request)
    assert lists, f"{where} shows people without coproduce.listing"
    for listed in lists:
        assert listed.queries <= QUERY_BUDGET, f"{where}: {listed.queries} queries"


def test_every_page_that_lists_people_goes_through_the_list_helper(world):
    client, patient, _alert = world
    showing_people = []
    for route in sorted(set(_routes_without_arguments(get_resolver().url_patterns))):
        response = client.get(route)
        if response.status_code == 200 and PATIENT_NAME in response.content.decode():
            showing_people.append(route)
            _assert_listed_through_the_helper(response, route)
    # The walk saw the lists it is there for: the caseload, the waiting list, the care team's
    # panel and its alert queue.
    lists = {
        "/home/",
        "/waits/worklist/",
        reverse("monitoring:panel"),
        reverse("monitoring:alerts"),
    }
    assert lists <= set(showing_people)


@pytest.mark.parametrize("list_name", ["monitoring:panel", "monitoring:alerts"])
def test_the_care_teams_lists_show_the_person_as_text_with_why(world, list_name):
    client, patient, alert = world
    page = client.get(reverse(list_name)).content.decode()
    assert escape(patient.full_name) in page
    assert "<script>alert(" not in page
    assert alert.reasons and escape("; ".join(alert.reasons)) in page  # why it was urgent


# A list inside one person's record that is not paged: a person's consents are few (one
# standing per organisation and category), and the look at them is audited by the access rule.
NOT_YET_PAGED = {"/api/people/{person_id}/consents"}


def _is_about_people(path: str, item: dict) -> bool:
    return "{person_id}" in path or bool({"person_id", "date_of_birth"} & set(item))


def test_every_api_list_goes_through_the_list_helper(world):
    staff_client, patient, _alert = world
    own_client = Client()
    own_client.force_login(patient.user)
    schema = staff_client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]

    def properties(reference: str) -> dict:
        return components.get(reference.rsplit("/", 1)[-1], {}).get("properties", {})

    lists = []
    for path, operations in schema["paths"].items():
        client = staff_client
        get = operations.get("get")
        if get is None:
            continue
        answer = get["responses"]["200"]["content"]["application/json"]["schema"]
        if answer.get("type") == "array":
            item = properties(answer["items"]["$ref"]) if "$ref" in answer["items"] else {}
            if _is_about_people(path, item):
                assert path in NOT_YET_PAGED, f"{path} lists people with no paging"
            continue
        if "results" not in properties(answer.get("$ref", "")):
            continue
        lists.append(path)
        url = path.replace("{person_id}", str(patient.pk))
        assert "{" not in url, f"the walk cannot fill in {path}"
        response = client.get(url)
        if response.status_code == 404:  # the person's own view: the audit trail
            client = own_client
            response = client.get(url)
        assert response.status_code == 200, (path, response.content)
        assert response.json()["results"], f"the walk's world has nothing for {path}"
        _assert_listed_through_the_helper(response, path)
        assert client.get(url, {"limit": 101}).status_code == 400
        assert client.get(url, {"offset": -1}).status_code == 400
    expected = {
        "/people",
        "/guarantees/pathways",
        "/guarantees/rights",
        "/people/{person_id}/messages",
        "/people/{person_id}/audit-events",
    }
    assert {f"/api{path}" for path in expected} <= set(lists)
