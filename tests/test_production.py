"""Production mode is safe by default (COPRODUCE_PRODUCTION=1): HTTPS only, secure cookies,
short sessions, no embedded key or host names, and `coproduce check --deploy` clean. In every
mode: the Content-Security-Policy, no caching of personal data, the sign-in's 12-hour limit,
and the API documentation from our own files."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from coproduce import middleware
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import Role
from tests.factories import PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

COPRODUCE = Path(sys.executable).with_name("coproduce")
HOST = "coproduce.example.gov.uk"
SECRET_KEY = "k3y-for-tests-only-" + "x7Qp2Lm9Vr4Tz8Nb6Hc1Jd5Fg3Ks0Wy"


def production_env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "COPRODUCE_"))
        and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= {
        "COPRODUCE_PRODUCTION": "1",
        "COPRODUCE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "coproduce.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "COPRODUCE_SECURITY_CONTACT": "mailto:security@example.gov.uk",
        # Asked for, and refused: production never shows Django's debug pages.
        "DJANGO_DEBUG": "1",
    }
    return {name: value for name, value in (env | overrides).items() if value is not None}


# Run in a fresh interpreter under the production environment: the settings module reads it
# once, at import. Answers as JSON what a browser would see.
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
host = {"HTTP_HOST": "%(host)s"}
found = {
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "session_idle_seconds": settings.SESSION_COOKIE_AGE,
    "session_saved_every_request": settings.SESSION_SAVE_EVERY_REQUEST,
}
plain = Client().get("/", **host)
found["plain_http"] = [plain.status_code, plain.get("Location")]
found["testserver"] = Client().get("/", secure=True).status_code
home = Client().get("/", secure=True, **host)
found["home"] = {name: home.get(name) for name in ("Strict-Transport-Security", "Cache-Control")}
sign_in = Client().get("/sign-in/", secure=True, **host)
found["cookies"] = {}
user = get_user_model().objects.create_user("citizen", password="a long passphrase here")
browser = Client()
browser.force_login(user)
signed_in = browser.get("/home/", secure=True, **host)
without_csrf = Client(enforce_csrf_checks=True)
without_csrf.force_login(user)
refused = without_csrf.post("/api/people", {}, content_type="application/json", secure=True, **host)
found["csrf_refusal"] = [refused.status_code, refused.json()["error"]["message"]]
for response in (sign_in, signed_in):
    for name, cookie in response.cookies.items():
        found["cookies"][name] = {
            "secure": bool(cookie["secure"]),
            "httponly": bool(cookie["httponly"]),
            "path": cookie["path"],
            "domain": cookie["domain"],
            "max-age": cookie["max-age"],
        }
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    result = subprocess.run(
        [sys.executable, "-c", PROBE % {"host": HOST}],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_https_only_with_hsts_for_a_year(production):
    assert production["plain_http"] == [301, f"https://{HOST}/"]
    assert production["home"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_production_answers_only_its_own_host_names_and_never_debugs(production):
    assert production["allowed_hosts"] == [HOST]
    assert production["testserver"] == 400
    assert production["debug"] is False


def test_production_cookies_are_secure_host_only_and_the_session_times_out(production):
    cookies = production["cookies"]
    assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid"}
    for cookie in cookies.values():
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    assert cookies["__Host-sessionid"]["httponly"]
    # Half an hour without a request ends a sign-in; every request moves the expiry on.
    assert production["session_idle_seconds"] == 30 * 60
    assert production["session_saved_every_request"] is True
    assert cookies["__Host-sessionid"]["max-age"] == 30 * 60
    # An API write without the token names the cookie it is in.
    status, message = production["csrf_refusal"]
    assert status == 403 and "__Host-csrftoken cookie" in message


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_own_key_and_host_names(tmp_path, missing):
    result = subprocess.run(
        [sys.executable, "-c", "import coproduce.settings"],
        env=production_env(tmp_path, **{missing: None}),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"Set {missing}" in result.stderr


def test_check_deploy_finds_nothing_to_warn_about_in_production(tmp_path):
    result = subprocess.run(
        [COPRODUCE, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_check_deploy_warns_when_nobody_can_be_told_of_a_vulnerability(tmp_path):
    result = subprocess.run(
        [COPRODUCE, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, COPRODUCE_SECURITY_CONTACT=None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "coproduce.W001" in result.stderr + result.stdout
    assert "COPRODUCE_SECURITY_CONTACT" in result.stderr + result.stdout


# In every mode.

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def assert_no_inline_script(html: str) -> None:
    for attributes in SCRIPT_TAG.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_has_a_policy_allowing_only_our_own_scripts():
    citizen = PersonFactory(user=UserFactory())
    for client, url in [
        (Client(), "/"),
        (Client(), "/sign-in/"),
        (signed_in(citizen.user), "/home/"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert_no_inline_script(response.content.decode())


def test_pages_for_a_signed_in_person_are_never_stored_in_a_cache():
    citizen = PersonFactory(user=UserFactory())
    client = signed_in(citizen.user)
    for url in ("/", "/home/", "/waits/statistics/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_public_pages_for_anonymous_visitors_may_be_cached():
    for url in ("/", "/waits/statistics/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url


def test_api_answers_are_never_stored_in_a_cache():
    nurse = RoleFactory(kind=Role.Kind.CLINICIAN)
    admin = RoleFactory(organisation=nurse.organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _token, raw = actions.create_api_token(
        Actor(user=admin.user), organisation_id=nurse.organisation_id, name="PAS feed"
    )
    with_token = Client(headers={"Authorization": f"Bearer {raw}"})
    citizen = PersonFactory(user=UserFactory())
    for client, url, status in [
        (with_token, "/api/me", 200),
        (with_token, "/api/people", 200),
        (signed_in(citizen.user), "/api/me", 200),
        (Client(), "/api/me", 401),
    ]:
        response = client.get(url)
        assert response.status_code == status, (url, response.content)
        assert "no-store" in response["Cache-Control"], url


def test_a_sign_in_ends_after_twelve_hours_however_busy(monkeypatch):
    citizen = PersonFactory(user=UserFactory())
    client = signed_in(citizen.user)
    assert client.get("/home/").status_code == 200

    signed_in_at = time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: signed_in_at + 12 * 3600 - 60)
    assert client.get("/home/").status_code == 200
    monkeypatch.setattr(middleware.time, "time", lambda: signed_in_at + 12 * 3600 + 60)
    response = client.get("/home/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    # Signed out for good, not only for that request.
    monkeypatch.undo()
    assert client.get("/home/").status_code == 302


def test_the_api_documentation_comes_from_our_own_files_in_english():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "/static/build/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/build/swagger-ui/swagger-ui.css" in html
    assert "/static/web/api-docs.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "an external address"
    assert_no_inline_script(html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for path in ("build/swagger-ui/swagger-ui-bundle.js", "web/api-docs.js"):
        assert Client().get(f"/static/{path}").status_code == 200, path
