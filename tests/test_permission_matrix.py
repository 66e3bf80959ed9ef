"""The permission matrix (docs/security.md, "How it is tested"): every route in the URL
configuration and the API schema that takes a person, wait, right, consent, message or token
id, sent as each kind of actor, gives the status and the audit rows the rules say
(tests/permission_matrix_cases.py). A route added without an entry fails
test_every_person_scoped_route_is_in_the_matrix.

The world is built once for the module; each cell runs in a savepoint rolled back afterwards,
so every actor meets the same world and a write by one is never seen by the next.
"""

import json
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from coproduce.api import api
from coproduce.people.models import AuditEvent
from tests import permission_matrix_cases as cases

# The module's world lives in the test database (pytest-django sets it up for marked tests);
# each test's own transaction is a savepoint inside the world's.
pytestmark = pytest.mark.django_db

ID_PARAMETERS = {
    "person_id",
    "pathway_id",
    "right_id",
    "consent_id",
    "message_id",
    "token_id",
    # Monitoring: an enrolment is one person's, and so is a check-in (a FHIR
    # QuestionnaireResponse over the API) and an alert.
    "enrolment_id",
    "check_in_id",
    "response_id",
    "alert_id",
}
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _site_patterns(patterns=None, prefix="", namespace=""):
    """(route, name, parameter names) for every URL pattern, API and back office included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _site_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if pattern.name else None
            yield route, name, set(getattr(pattern.pattern, "converters", {}))


def site_routes() -> set[str]:
    """The site's person-scoped pages by name (the API is read from its schema)."""
    return {
        name or route
        for route, name, parameters in _site_patterns()
        if parameters & ID_PARAMETERS and not route.startswith(("api/", "admin/"))
    }


def back_office_routes() -> dict[str, str]:
    """Every back-office address with an object in it: key -> route."""
    return {
        name if name and name != "admin:None" else route: route
        for route, name, parameters in _site_patterns()
        if route.startswith("admin/") and parameters
    }


def api_routes() -> set[str]:
    """Every API operation that takes a person-scoped id (in its path, its query or its JSON
    body), as "METHOD /api/path"."""
    schema = api.get_openapi_schema()
    shapes = schema.get("components", {}).get("schemas", {})
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            shape = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            names |= set(shapes.get(shape, {}).get("properties", {}))
            if names & ID_PARAMETERS:
                found.add(f"{method.upper()} {path}")
    return found


def back_office_route(key: str, route: str) -> cases.Route:
    def url(world: cases.World) -> str:
        model = "_".join(route.split("/")[1:3])
        target = world.admin_objects.get(model)
        object_id = target.pk if target is not None else world.person.pk
        values = {
            "object_id": object_id,
            # django-otp's own back-office pages (an authenticator's QR code) name it pk.
            "pk": object_id,
            "content_type_id": world.admin_objects["content_type"].pk,
            "id": world.person.user.pk,
        }
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)

    return cases.Route("GET", url, cases.BACK_OFFICE_ONLY)


ROUTES = {
    **cases.API_ROUTES,
    **cases.SITE_ROUTES,
    **{key: back_office_route(key, route) for key, route in back_office_routes().items()},
}


def test_every_person_scoped_route_is_in_the_matrix():
    """A route that takes a person, wait, right, consent, message, token, enrolment or
    check-in id needs an entry in tests/permission_matrix_cases.py saying who gets what; an
    entry for a route that no longer exists is stale."""
    assert api_routes() == set(cases.API_ROUTES)
    pages = {key.split(" ", 1)[1] for key in cases.SITE_ROUTES}
    assert site_routes() == pages


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHING),
        transaction.atomic(),
    ):
        built = cases.build_world()
        yield built
        transaction.set_rollback(True)


def row_label(row: AuditEvent, world: cases.World) -> str:
    label = row.action.upper()
    if row.actor_user_id is None and row.actor_token_id is None:
        label += " by platform"
    if row.person_id != world.person.pk:
        label += " about someone else"
    return label


def send(world: cases.World, route: cases.Route, actor: str):
    client = world.clients[actor]
    url = route.url(world)
    body = route.body(world, actor)
    headers = world.headers(actor)
    if url.startswith("/api/"):
        data = json.dumps(body) if body is not None else ""
        return client.generic(
            route.method, url, data, content_type="application/json", headers=headers
        )
    if route.method == "POST":
        return client.post(url, body or {}, headers=headers)
    return client.get(url, headers=headers)


def run_cell(world: cases.World, route: cases.Route, actor: str) -> cases.Expect:
    cache.clear()  # rate limits count per token and user: every cell starts afresh
    with transaction.atomic():
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = send(world, route, actor)
        rows = AuditEvent.objects.filter(pk__gt=last).order_by("pk")
        got = cases.Expect(response.status_code, tuple(row_label(row, world) for row in rows))
        transaction.set_rollback(True)
    return got


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_each_actor_gets_what_the_rules_say(world, django_db_blocker, settings, key):
    settings.PASSWORD_HASHERS = FAST_HASHING
    route = ROUTES[key]
    with django_db_blocker.unblock():
        got = {actor: run_cell(world, route, actor) for actor in cases.ACTORS}
    wrong = [
        f"{actor}: expected {route.expect[actor]}, got {got[actor]}"
        for actor in cases.ACTORS
        if got[actor] != route.expect[actor]
    ]
    assert not wrong, f"{key}:\n  " + "\n  ".join(wrong)
