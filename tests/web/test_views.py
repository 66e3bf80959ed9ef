"""The site's own pages: front page, signing in and out, the homes, the error pages."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.messaging.models import Message
from coproduce.people.models import AuditEvent, Role
from coproduce.web import tiles
from tests import factories
from tests.factories import HOSTILE, HOSTILE_TYPED

pytestmark = pytest.mark.django_db

ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def assert_escaped(html: str) -> None:
    assert "<script>alert(" not in html
    assert ESCAPED in html


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen():
    user = factories.UserFactory()
    return factories.PersonFactory(user=user)


@pytest.fixture
def staff_role():
    return factories.RoleFactory()


# --- The layout and the front page ---------------------------------------------------------


def test_home_page_explains_the_platform_and_invites_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    html = page(response)
    assert '<html lang="en-GB"' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "Skip to main content" in html
    # What is installed (the core's record and consent, each module's public offer).
    for strand in ("Waiting-time guarantees", "Your record, your consent"):
        assert strand in html
    assert f'href="{reverse("web:sign-in")}"' in html
    assert "govuk-phase-banner" in html and "Alpha" in html
    assert "MIT licence" in html and 'href="/api/docs"' in html
    assert "/static/build/coproduce.css" in html
    assert 'type="module"' in html and "/static/web/coproduce.js" in html
    # Brand-neutral: no crown, no GOV.UK logo, no crown copyright.
    assert "govuk-footer__crown" not in html and "govuk-logo" not in html
    assert "Crown copyright" not in html


def test_the_layout_offers_sign_out_as_a_post_form_when_signed_in(client, citizen):
    client.force_login(citizen.user)
    html = page(client.get("/"))
    sign_out = re.search(r'<form method="post" action="/sign-out/"[^>]*>(.*?)</form>', html, re.S)
    assert sign_out is not None
    assert "csrfmiddlewaretoken" in sign_out.group(1)
    assert 'href="/my-data/"' in html
    assert 'href="/sign-in/"' not in html


def test_javascript_initialises_govuk_frontend_as_a_module():
    from django.contrib.staticfiles import finders

    script = finders.find("web/coproduce.js")
    assert script is not None
    source = Path(script).read_text()
    assert "initAll" in source and "../govuk/govuk-frontend.min.js" in source


# --- Signing in and out ---------------------------------------------------------------------


def test_sign_in_page_renders(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    html = page(response)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert "govuk-error-summary" not in html
    # The service's name heads every page, never the host name Django's login view knows.
    assert 'class="govuk-service-navigation__link">Coproduce</a>' in html
    assert "testserver" not in html


def test_sign_in_with_nothing_shows_each_missing_field_in_the_error_summary(client):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    assert response.status_code == 200
    html = page(response)
    assert "<title>Error: Sign in" in html
    assert "govuk-error-summary" in html
    assert '<a href="#username">Enter your username</a>' in html
    assert '<a href="#password">Enter your password</a>' in html
    assert 'id="username-error"' in html and 'id="password-error"' in html


def test_sign_in_with_a_wrong_password_says_so_without_saying_which(client, citizen):
    response = client.post("/sign-in/", {"username": citizen.user.username, "password": "nope"})
    assert response.status_code == 200
    html = page(response)
    assert "The username or password is not right." in html
    assert '<a href="#username">' in html


def test_sign_in_goes_to_your_home(client, citizen):
    response = client.post(
        "/sign-in/",
        {"username": citizen.user.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/home/"


def test_sign_in_follows_a_safe_next_but_not_another_site(client, citizen):
    credentials = {"username": citizen.user.username, "password": "correct horse battery staple"}
    response = client.post("/sign-in/?next=/my-data/", credentials)
    assert response["Location"] == "/my-data/"
    client.logout()
    response = client.post("/sign-in/?next=https://evil.example/", credentials)
    assert response["Location"] == "/home/"


def test_sign_out_needs_a_post_with_the_csrf_token(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen.user)
    response = client.post("/sign-out/")
    assert response.status_code == 403
    html = page(response)
    assert "Your form could not be sent" in html
    assert '<html lang="en-GB"' in html

    html = page(client.get("/sign-out/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post("/sign-out/", {"csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "You have signed out." in page(response)
    assert "govuk-notification-banner--success" in page(response)
    assert client.get("/home/").status_code == 302


def test_sign_out_page_when_signed_out(client):
    response = client.get("/sign-out/")
    assert response.status_code == 200
    assert "You are not signed in." in page(response)


# --- Homes ----------------------------------------------------------------------------------


def test_home_needs_sign_in(client):
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/home/")


def test_citizen_home_shows_what_is_happening_with_their_services(client, citizen):
    care = factories.CareRelationshipFactory(person=citizen)
    factories.ConsentFactory(person=citizen)
    factories.ConsentFactory(person=citizen, revoked_at=timezone.now())
    Message.objects.create(
        key="k1",
        person=citizen,
        channel="email",
        recipient=citizen.email,
        subject=f"Your appointment {HOSTILE}",
        body="Body",
    )
    cared_for = factories.RelationshipFactory(proxy=citizen).person
    client.force_login(citizen.user)

    response = client.get("/home/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Ada" in html and "<h1" in html
    assert "Organisations caring for you" in html
    assert "Organisation" in html and care.organisation.code not in html
    assert "You have 1 current consent" in html
    assert "Your appointment" in html
    assert f'href="/my-data/{cared_for.pk}/"' in html
    assert 'href="/my-data/"' in html
    assert "Your work" not in html


def test_citizen_home_writes_nothing_to_their_own_audit_trail(client, citizen):
    client.force_login(citizen.user)
    client.get("/home/")
    assert not AuditEvent.objects.exists()


def test_staff_home_lists_roles_and_the_caseload_and_audits_the_listing(client, staff_role):
    cared = [
        factories.CareRelationshipFactory(organisation=staff_role.organisation).person
        for _ in range(3)
    ]
    consenting = factories.ConsentFactory(organisation=staff_role.organisation).person
    stranger = factories.PersonFactory(given_name="Stranger")
    client.force_login(staff_role.user)

    response = client.get("/home/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Your roles" in html and "Clinician" in html
    for person in [*cared, consenting]:
        assert f'href="/people/{person.pk}/"' in html
    assert f"/people/{stranger.pk}/" not in html
    assert "4 people" in html
    listed = AuditEvent.objects.filter(why="Listed in the organisation's caseload")
    assert {event.person_id for event in listed} == {person.pk for person in [*cared, consenting]}
    assert all(event.via == AuditEvent.Via.WEB for event in listed)
    assert "Organisations caring for you" not in html


def test_staff_caseload_search(client, staff_role):
    wanted = factories.CareRelationshipFactory(
        organisation=staff_role.organisation,
        person=factories.PersonFactory(given_name="Wilhelmina", family_name="Quist"),
    ).person
    other = factories.CareRelationshipFactory(organisation=staff_role.organisation).person
    client.force_login(staff_role.user)

    html = page(client.get("/home/", {"q": "quist"}))
    assert f"/people/{wanted.pk}/" in html
    assert f"/people/{other.pk}/" not in html
    assert "1 person" in html

    html = page(client.get("/home/", {"q": "Zebedee" + HOSTILE_TYPED}))
    assert_escaped(html)
    assert "Nobody you can see matches" in html


def test_staff_caseload_is_paginated_25_a_page(client, staff_role):
    for _ in range(27):
        factories.CareRelationshipFactory(organisation=staff_role.organisation)
    client.force_login(staff_role.user)

    first = page(client.get("/home/"))
    assert first.count('href="/people/') == 25
    assert "27 people" in first
    assert 'rel="next"' in first and "?page=2" in first
    second = page(client.get("/home/", {"page": 2}))
    assert second.count('href="/people/') == 2
    assert 'rel="prev"' in second
    # Only the names shown are a look at a record.
    assert AuditEvent.objects.count() == 27


@pytest.mark.parametrize("people", [3, 30])
def test_staff_caseload_query_count_does_not_grow_with_the_list(
    client, staff_role, django_assert_max_num_queries, people
):
    for _ in range(people):
        factories.CareRelationshipFactory(organisation=staff_role.organisation)
    client.force_login(staff_role.user)
    # The header asks once for the roles and once whether there are waits, monitoring once
    # whether they are on a care team (its links) and its tile twice; nothing per person.
    with django_assert_max_num_queries(15):
        response = client.get("/home/")
    assert response.status_code == 200


def test_someone_who_is_citizen_and_staff_sees_both_homes(client, staff_role):
    person = factories.PersonFactory(user=staff_role.user)
    factories.CareRelationshipFactory(organisation=staff_role.organisation)
    client.force_login(staff_role.user)
    html = page(client.get("/home/"))
    assert "Organisations caring for you" in html
    assert "Your work" in html and "People you can see" in html
    assert person.given_name.split()[0] in html


def test_a_sign_in_with_no_record_and_no_role_is_told_what_to_do(client):
    user = factories.UserFactory()
    client.force_login(user)
    html = page(client.get("/home/"))
    assert "not linked to a personal record or to a role" in html


def test_ended_roles_do_not_give_a_staff_home(client):
    role = factories.RoleFactory(ends_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(role.user)
    html = page(client.get("/home/"))
    assert "People you can see" not in html
    assert Role.objects.count() == 1


def test_modules_can_add_tiles_to_the_homes(client, citizen, staff_role):
    tiles.register_home_tile(
        "test-waits",
        tiles.CITIZEN,
        lambda actor: tiles.Tile(f"Your waits {HOSTILE}", "You are waiting for 1 thing.", "/w/"),
    )
    tiles.register_home_tile("test-nothing", tiles.STAFF, lambda actor: None)
    tiles.register_home_tile(
        "test-alerts", tiles.STAFF, lambda actor: tiles.Tile("Alerts", "2 new alerts.")
    )
    try:
        client.force_login(citizen.user)
        html = page(client.get("/home/"))
        assert "Your waits" in html and 'href="/w/"' in html
        assert_escaped(html)
        assert "2 new alerts." not in html
        client.force_login(staff_role.user)
        html = page(client.get("/home/"))
        assert "2 new alerts." in html and "Your waits" not in html
    finally:
        tiles.unregister_home_tile("test-waits", tiles.CITIZEN)
        tiles.unregister_home_tile("test-nothing", tiles.STAFF)
        tiles.unregister_home_tile("test-alerts", tiles.STAFF)


def test_a_tile_is_for_citizens_or_staff():
    with pytest.raises(ValueError, match="citizen"):
        tiles.register_home_tile("x", "everyone", lambda actor: None)


# --- Error pages ----------------------------------------------------------------------------


def test_unknown_page_is_a_govuk_page_not_found(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = page(response)
    assert "Page not found" in html and '<html lang="en-GB"' in html
    assert "govuk-template__body" in html


def test_unknown_api_address_keeps_the_json_envelope(client):
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_error_templates_render_without_a_request():
    for template, heading in [
        ("500.html", "Sorry, there is a problem with the service"),
        ("403.html", "You cannot do this"),
        ("403_csrf.html", "Your form could not be sent"),
        ("404.html", "Page not found"),
    ]:
        html = render_to_string(template)
        assert heading in html
        assert 'href="/sign-in/"' in html


def test_server_error_uses_the_500_page(client, settings):
    from django.urls import path

    from coproduce import urls

    def broken(request):
        raise RuntimeError("boom")

    class Urls:
        urlpatterns = [path("broken/", broken), *urls.urlpatterns]
        handler404 = urls.handler404

    settings.ROOT_URLCONF = Urls
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page(response)
