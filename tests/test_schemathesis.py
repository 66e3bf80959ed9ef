"""Schemathesis against the API: generated requests (valid and invalid) for every operation,
with and without a write token, in a small seeded world. No answer is a server error, and
every answer has a status, content type and body the schema documents."""

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from coproduce.guarantees import actions as guarantees_actions
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, Organisation, Role
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25
# Deterministic, and bounded so the whole file fits in `make test`'s time.
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# A schema-valid request may still break a rule the schema cannot say (a letter needs an
# address): a 400 for it is right, not a failure.
BUSINESS_RULES_BEYOND_THE_SCHEMA = [positive_data_acceptance]
# An import reads a file row by row: an item that is not an event is a bad row, reported in
# the answer (and skipped with skip_bad_rows=true), not a refusal of the whole file.
ROW_BY_ROW = "/api/guarantees/imports"

# pytest-django has set Django up before this module is collected; the schema is the app's own.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

# Every other example asks about rows that exist, so requests reach past "not found".
every_other = itertools.cycle([True, False])


@pytest.fixture
def world(settings):
    """A hospital with a clinician, a person in its care who consented and is waiting there,
    and the hospital's write token."""
    settings.COPRODUCE_RATE_LIMITS = {
        **settings.COPRODUCE_RATE_LIMITS,
        "api-token": "100000/minute",
        "people-search": "100000/minute",
    }
    hospital = OrganisationFactory(code="RVJ01", kind=Organisation.Kind.HOSPITAL)
    clinician = RoleFactory(organisation=hospital, kind=Role.Kind.CLINICIAN)
    person = CareRelationshipFactory(organisation=hospital).person
    consent = ConsentFactory(person=person, organisation=hospital)
    pathway = guarantees_actions.open_pathway(
        Actor(user=clinician.user),
        person_id=person.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN)
    _token, raw = actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=hospital.pk,
        name="Schemathesis",
        scope=ApiToken.Scope.WRITE,
    )
    # Requests go through the real WSGI handler, which would close the database connection
    # that holds the test's transaction; Django's test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "headers": {"Authorization": f"Bearer {raw}"},
        "ids": {
            "person_id": str(person.pk),
            "pathway_id": str(pathway.pk),
            "consent_id": consent.pk,
            "organisation_id": hospital.pk,
        },
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def excluded_checks(case, *, ids_replaced: bool) -> list:
    # A request made wrong on purpose in its path is right again once a real id replaces the
    # wrong one (or a real token the wrong header): accepting it then is no failure.
    if case.operation.path == ROW_BY_ROW or ids_replaced:
        return [*BUSINESS_RULES_BEYOND_THE_SCHEMA, negative_data_rejection]
    return BUSINESS_RULES_BEYOND_THE_SCHEMA


def with_known_ids(case, world) -> bool:
    """Put real ids in every other request's path; whether any was put in."""
    replaced = False
    if case.path_parameters and next(every_other):
        for name, value in world["ids"].items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
                replaced = True
    return replaced


@schema.parametrize()
@BOUNDED
def test_no_server_error_with_a_write_token(case, world):
    ids_replaced = with_known_ids(case, world)
    case.call_and_validate(
        headers=world["headers"], excluded_checks=excluded_checks(case, ids_replaced=ids_replaced)
    )


@schema.parametrize()
@BOUNDED
def test_no_server_error_without_a_token(case, world):
    ids_replaced = with_known_ids(case, world)
    case.call_and_validate(excluded_checks=excluded_checks(case, ids_replaced=ids_replaced))
