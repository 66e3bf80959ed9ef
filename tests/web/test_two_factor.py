"""Two-factor sign-in for staff (COPRODUCE_REQUIRE_STAFF_2FA): after the password or an
OpenID Connect provider, a code from an authenticator app or a single-use recovery code.
Codes are worked out here from the device's key, as the person's app would."""

import re
import subprocess
import sys
from base64 import b32decode
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import Role
from tests import factories
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET
from tests.test_production import production_env
from tests.web.test_oidc import sign_in as sign_in_with_provider

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
VERIFY = "/sign-in/two-factor/"
RECOVERY = "/sign-in/two-factor/recovery-code/"
SET_UP = "/sign-in/two-factor/set-up/"
RECOVERY_CODES = "/sign-in/two-factor/recovery-codes/"


@pytest.fixture
def required(settings):
    settings.COPRODUCE_REQUIRE_STAFF_2FA = True
    return settings


@pytest.fixture
def nurse():
    return factories.RoleFactory(kind=Role.Kind.CLINICIAN).user


@pytest.fixture
def app(nurse) -> TOTPDevice:
    """The nurse's authenticator app, set up already."""
    return TOTPDevice.objects.create(user=nurse, name="Authenticator app", confirmed=True)


@pytest.fixture
def recovery_codes(nurse) -> list[str]:
    device = StaticDevice.objects.create(user=nurse, name="Recovery codes")
    codes = [f"code{n}abc" for n in range(10)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def code_from(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the app shows now (or that many 30-second steps from now)."""
    device.refresh_from_db()
    number = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{number:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_from(device, steps_ahead=step) for step in (-1, 0, 1)}
    return next(code for code in ("123456", "654321", "111111", "222222") if code not in right)


def sign_in(client: Client, user, next_url: str = ""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/sign-in/", data)
    assert response.status_code == 302, "the password step failed"
    return client.get(response["Location"])


def html(response) -> str:
    return response.content.decode()


def error_for_code(response) -> str:
    found = re.search(
        r'<p id="code-error" class="govuk-error-message">(.*?)</p>', html(response), re.S
    )
    assert found, "no error message on the code field"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()).removeprefix("Error: ")


def assert_a_one_time_code_box(page: str) -> None:
    """A short box for numbers that phones fill in from the authenticator app."""
    field = re.search(r'<input [^>]*id="code"[^>]*>', page).group(0)
    for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', "--width-5"):
        assert attribute in field


# --- When it applies ---------------------------------------------------------------------


def test_without_the_requirement_staff_sign_in_with_a_password_alone(client, nurse):
    assert sign_in(client, nurse).status_code == 200
    assert client.get("/waits/worklist/").status_code == 200
    assert client.get(VERIFY).status_code == 404
    assert client.get(SET_UP).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "required_then"),
    [({}, True), ({"COPRODUCE_REQUIRE_STAFF_2FA": "0"}, False)],
)
def test_production_requires_it_unless_turned_off(tmp_path, overrides, required_then):
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.COPRODUCE_REQUIRE_STAFF_2FA)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(required_then)


def test_a_citizen_is_never_asked(client, required):
    citizen = factories.PersonFactory(user=factories.UserFactory()).user

    assert sign_in(client, citizen, next_url="/my-data/").status_code == 200
    assert client.get("/home/").status_code == 200
    assert client.get("/api/me").status_code == 200
    assert client.get(VERIFY).status_code == 404
    assert client.get(SET_UP).status_code == 404


def test_back_office_users_are_asked_too(client, required):
    operator = factories.UserFactory(is_staff=True)

    response = sign_in(client, operator, next_url="/admin/")

    assert response.status_code == 302
    assert response["Location"] == SET_UP + "?next=%2Fadmin%2F"


# --- Setting up an authenticator app -----------------------------------------------------


def test_staff_with_no_app_are_sent_to_set_one_up_then_to_the_page_they_asked_for(
    client, required, nurse
):
    response = sign_in(client, nurse, next_url="/waits/worklist/")
    assert response.status_code == 302
    assert response["Location"] == SET_UP + "?next=%2Fwaits%2Fworklist%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    text = html(page)
    assert "Set up two-factor sign-in" in text
    assert re.search(
        r'<img class="coproduce-qr-code" src="data:image/svg\+xml[^"]+" alt="QR ', text
    )
    typed = re.search(
        r'<p class="govuk-body-l govuk-!-font-weight-bold" id="secret">([A-Z2-7 ]+)</p>', text
    )
    device = TOTPDevice.objects.get(user=nurse, confirmed=False)
    assert b32decode(typed.group(1).replace(" ", "")) == device.bin_key
    assert_a_one_time_code_box(text)
    # Reloading keeps the same key, so a scan already made still works.
    assert typed.group(1) in html(client.get(SET_UP))

    response = client.post(SET_UP, {"code": code_from(device), "next": "/waits/worklist/"})

    assert response.status_code == 302
    assert response["Location"] == RECOVERY_CODES + "?next=%2Fwaits%2Fworklist%2F"
    device.refresh_from_db()
    assert device.confirmed
    shown = html(client.get(response["Location"]))
    stored = set(StaticToken.objects.filter(device__user=nurse).values_list("token", flat=True))
    assert len(stored) == 10
    assert all(f"<li>{code.upper()}</li>" in shown for code in stored)
    assert "You will not see these codes again" in shown
    assert 'href="/waits/worklist/"' in shown
    # Shown once: the page does not show them again.
    assert client.get(RECOVERY_CODES).status_code == 302
    assert client.get("/waits/worklist/").status_code == 200


def test_a_wrong_code_at_set_up_is_a_clear_error_and_sets_nothing_up(client, required, nurse):
    client.force_login(nurse)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=nurse)

    response = client.post(SET_UP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "<title>Error:" in html(response)
    assert '<a href="#code">The code is not right.' in html(response)
    assert error_for_code(response).startswith("The code is not right.")
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert not StaticDevice.objects.exists()
    assert client.get("/home/")["Location"].startswith(SET_UP)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Enter the code from your authenticator app"), ("12345", "The code must be 6 numbers")],
)
def test_a_missing_or_short_code_says_what_to_enter(client, required, nurse, typed, message):
    client.force_login(nurse)

    response = client.post(SET_UP, {"code": typed})

    assert error_for_code(response) == message
    assert not TOTPDevice.objects.get(user=nurse).throttling_failure_count


def test_someone_with_only_the_password_cannot_replace_the_app(client, required, nurse, app):
    client.force_login(nurse)

    response = client.get(SET_UP)

    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=nurse)) == [app]


# --- Signing in with a code --------------------------------------------------------------


def test_staff_with_an_app_enter_its_code_before_any_staff_page(client, required, nurse, app):
    response = sign_in(client, nurse)
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fhome%2F"
    someone = factories.PersonFactory()
    for blocked in ("/home/", "/waits/worklist/", f"/people/{someone.pk}/", "/admin/"):
        response = client.get(blocked)
        assert response.status_code == 302, blocked
        assert response["Location"].startswith(VERIFY + "?next="), blocked
    for open_page in ("/", "/waits/statistics/", "/sign-out/", "/api/docs", VERIFY, RECOVERY):
        assert client.get(open_page).status_code == 200, open_page
    page = html(client.get(VERIFY + "?next=/waits/worklist/"))
    assert_a_one_time_code_box(page)
    session_before = client.session.session_key

    response = client.post(VERIFY, {"code": code_from(app), "next": "/waits/worklist/"})

    assert response.status_code == 302 and response["Location"] == "/waits/worklist/"
    assert client.session.session_key != session_before
    assert client.get("/waits/worklist/").status_code == 200
    assert client.get("/home/").status_code == 200


def test_a_code_works_only_once(client, required, nurse, app):
    code = code_from(app)
    sign_in(client, nurse)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/sign-out/")

    sign_in(client, nurse)
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert error_for_code(response).startswith("The code is not right.")
    assert client.get("/home/").status_code == 302


def test_coming_back_never_leaves_the_site(client, required, nurse, app):
    sign_in(client, nurse)

    response = client.post(VERIFY, {"code": code_from(app), "next": "https://evil.example/"})

    assert response["Location"] == "/home/"


def test_repeated_wrong_codes_make_people_wait_even_with_the_right_code(
    client, required, nurse, app
):
    sign_in(client, nurse)
    first = client.post(VERIFY, {"code": wrong_code(app)})
    assert error_for_code(first).startswith("The code is not right.")

    again = client.post(VERIFY, {"code": code_from(app)})

    assert error_for_code(again) == (
        "You have entered a wrong code too many times. Wait a minute, then try again."
    )
    assert client.get("/home/").status_code == 302
    # After many wrong codes the wait is longer, and the page says until when.
    TOTPDevice.objects.filter(pk=app.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    longer = client.post(VERIFY, {"code": code_from(app)})
    assert re.fullmatch(
        r"You have entered a wrong code too many times\. Wait until "
        r"(\d{1,2}:\d\d[ap]m|midday|midnight), then try again\.",
        error_for_code(longer),
    )
    # Once the wait is over, the right code works.
    TOTPDevice.objects.filter(pk=app.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )
    assert client.post(VERIFY, {"code": code_from(app)}).status_code == 302
    assert client.get("/home/").status_code == 200


def test_a_recovery_code_works_once_and_says_how_many_are_left(
    client, required, nurse, app, recovery_codes
):
    sign_in(client, nurse)
    first, second = recovery_codes[:2]

    # Typed in capitals, with a space, as people copy them from paper.
    response = client.post(RECOVERY, {"code": f"{first[:4].upper()} {first[4:].upper()}"})

    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert "You have 9 codes left." in html(home)
    client.post("/sign-out/")

    sign_in(client, nurse)
    reused = client.post(RECOVERY, {"code": first})
    assert reused.status_code == 200
    assert error_for_code(reused).startswith("This recovery code is not right, or it has been used")
    # A wrong code makes the next try wait a second; that second has passed.
    StaticDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))
    # A recovery code typed in the authenticator's box is taken too.
    assert client.post(VERIFY, {"code": second}).status_code == 302
    assert "You have 8 codes left." in html(client.get("/home/"))
    assert StaticToken.objects.filter(device__user=nurse).count() == 8


def test_the_last_recovery_code_says_what_to_do_next(client, required, nurse, app):
    device = StaticDevice.objects.create(user=nurse, name="Recovery codes")
    StaticToken.objects.create(device=device, token="last2345")
    sign_in(client, nurse)

    client.post(RECOVERY, {"code": "last2345"})

    assert "You have used your last recovery code." in html(client.get("/home/"))


# --- The API -----------------------------------------------------------------------------


def test_the_api_refuses_an_unfinished_staff_sign_in_but_not_a_token(client, required, nurse, app):
    sign_in(client, nurse)

    response = client.get("/api/people")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_required"
    assert "authenticator app" in response.json()["error"]["message"]
    admin = factories.RoleFactory(kind=Role.Kind.ORGANISATION_ADMIN).user
    _, raw = actions.create_api_token(
        Actor(user=admin), organisation_id=admin.roles.get().organisation_id, name="PAS feed"
    )
    bearer = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/me", headers=bearer).status_code == 200
    # With a token, this session takes no part: the token alone is who is asking.
    with_token = client.get("/api/me", headers=bearer)
    assert with_token.status_code == 200 and with_token.json()["username"] is None
    assert client.get("/api/me", headers={"Authorization": "Bearer cp_x_wrong"}).status_code == 401

    client.post(VERIFY, {"code": code_from(app)})
    assert client.get("/api/people").status_code == 200


# --- Signing in with a provider ----------------------------------------------------------


@pytest.fixture
def provider(settings, oidc_provider):
    settings.COPRODUCE_OIDC_ISSUER = oidc_provider.issuer
    settings.COPRODUCE_OIDC_CLIENT_ID = CLIENT_ID
    settings.COPRODUCE_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.COPRODUCE_OIDC_CLIENT_AUTH = "client_secret_basic"
    settings.COPRODUCE_OIDC_PRIVATE_KEY_FILE = ""
    return settings


def test_signing_in_with_a_provider_still_needs_the_code(client, required, provider):
    ada = factories.UserFactory(email="ada@example.org")
    factories.RoleFactory(user=ada)
    app = TOTPDevice.objects.create(user=ada, name="Authenticator app", confirmed=True)

    response = sign_in_with_provider(client, "ada", next_url="/waits/worklist/")

    assert response.status_code == 302 and response["Location"] == "/waits/worklist/"
    assert client.session["_auth_user_id"] == str(ada.pk)
    blocked = client.get("/waits/worklist/")
    assert blocked.status_code == 302
    assert blocked["Location"] == VERIFY + "?next=%2Fwaits%2Fworklist%2F"
    client.post(VERIFY, {"code": code_from(app)})
    assert client.get("/waits/worklist/").status_code == 200


# --- The back office ---------------------------------------------------------------------


def test_the_back_office_never_shows_an_authenticators_key(client, app):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))

    for page in ("config", "qrcode"):
        assert client.get(f"/admin/otp_totp/totpdevice/{app.pk}/{page}/").status_code == 403
    assert app.key not in html(client.get(f"/admin/otp_totp/totpdevice/{app.pk}/change/"))


def test_removing_someones_app_in_the_back_office_has_them_set_up_a_new_one(
    client, required, nurse, app
):
    sign_in(client, nurse)
    client.post(VERIFY, {"code": code_from(app)})
    assert client.get("/home/").status_code == 200

    app.delete()

    response = client.get("/home/")
    assert response.status_code == 302 and response["Location"].startswith(SET_UP)
