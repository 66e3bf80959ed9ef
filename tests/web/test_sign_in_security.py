"""Signing in safely: repeated failures pause signing in (per account and per address), and
passwords must be strong enough."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from coproduce.people.demo import DEMO_PASSWORD
from coproduce.people.models import User
from coproduce.web.lockout import clock_time
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


def sign_in(username: str, password: str, address: str = ATTACKER, **headers):
    return Client(REMOTE_ADDR=address, **headers).post(
        "/sign-in/", {"username": username, "password": password}
    )


def fail(times: int, username: str, address: str = ATTACKER, **headers):
    return [sign_in(username, "wrong-password", address, **headers) for _ in range(times)]


@pytest.fixture
def user():
    return factories.UserFactory()


# --- Lockout ------------------------------------------------------------------------------


def test_four_wrong_passwords_still_let_the_right_one_in(user):
    responses = fail(4, user.username)
    assert [response.status_code for response in responses] == [200] * 4
    response = sign_in(user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/home/"


def test_five_wrong_passwords_pause_that_account_even_from_another_address(user):
    responses = fail(5, user.username)
    assert [response.status_code for response in responses] == [200] * 4 + [429]

    # The right password, from the same address or another one, is refused too.
    for address in (ATTACKER, ELSEWHERE):
        response = sign_in(user.username, PASSWORD, address)
        assert response.status_code == 429
        assert "_auth_user_id" not in response.wsgi_request.session
    assert "Signing in is paused" in response.content.decode()


def test_five_wrong_passwords_from_one_address_pause_every_account_from_it(user):
    for number in range(5):
        sign_in(f"guess{number}", "wrong-password")
    assert sign_in(user.username, PASSWORD).status_code == 429
    # The account itself is not paused: its owner elsewhere signs in.
    assert sign_in(user.username, PASSWORD, ELSEWHERE).status_code == 302


def test_a_made_up_forwarded_address_does_not_escape_the_pause(user):
    for number in range(5):
        sign_in(user.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    response = sign_in(f"{user.username}x", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_behind_a_proxy_the_address_the_proxy_saw_counts(settings, user):
    settings.COPRODUCE_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for number in range(5):
        # The client wrote the left entry; the proxy appended the address it saw.
        sign_in(f"guess{number}", "x", proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, {ATTACKER}")
    assert sign_in(user.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    other_client = sign_in(user.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert other_client.status_code == 302


def test_the_paused_page_says_in_plain_english_when_to_try_again(user):
    *_, response = fail(5, user.username)
    assert response.status_code == 429
    last_failure = AccessAttempt.objects.get(username=user.username).attempt_time
    html = response.content.decode()
    assert "<title>Signing in is paused" in html
    assert "too many attempts to sign in with the wrong details" in html
    assert f"You can try again after {clock_time(last_failure + dt.timedelta(minutes=15))}" in html
    assert "even with the right details" in html
    assert 900 - 5 <= int(response["Retry-After"]) <= 901
    # No internal words from the library or the request on the page.
    for internal in ("axes", "Axes", "ip_address", "cool-off", "cooloff", "failures_since"):
        assert internal not in html


def test_trying_again_while_paused_does_not_move_the_time(user):
    fail(5, user.username)
    first = AccessAttempt.objects.get(username=user.username)
    fail(3, user.username)
    again = AccessAttempt.objects.get(username=user.username)
    assert (again.attempt_time, again.failures_since_start) == (first.attempt_time, 5)


def test_after_the_pause_the_right_password_works_again(user):
    fail(5, user.username)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = sign_in(user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/home/"


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (dt.datetime(2026, 7, 1, 18, 45, 0), "7:45pm"),
        (dt.datetime(2026, 7, 1, 18, 45, 1), "7:46pm"),
        (dt.datetime(2026, 12, 1, 0, 5), "12:05am"),
        (dt.datetime(2026, 12, 1, 11, 59, 30), "midday"),
        (dt.datetime(2026, 12, 1, 23, 59, 59), "midnight"),
        (dt.datetime(2026, 12, 1, 12, 30), "12:30pm"),
    ],
)
def test_times_are_written_the_gov_uk_way_in_local_time(moment, words):
    # Summer times are an hour ahead of UTC in London.
    assert clock_time(moment.replace(tzinfo=dt.UTC)) == words


# --- Passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Tr0ub4dor&3", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("384729105638", "This password is entirely numeric."),
        ("riversidecarer", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    user = factories.UserFactory(username="riversidecarer")
    form = SetPasswordForm(user, {"new_password1": password, "new_password2": password})
    assert not form.is_valid()
    assert message in form.errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_demo_password_and_a_long_passphrase_are_strong_enough():
    user = factories.UserFactory()
    validate_password(DEMO_PASSWORD, user)
    validate_password("violet kettle harbour lantern", user)
    with pytest.raises(ValidationError):
        validate_password("short")


def test_createsuperuser_still_makes_a_back_office_sign_in(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "violet kettle harbour lantern")
    call_command("createsuperuser", interactive=False, username="operator", email="op@example.org")
    operator = User.objects.get(username="operator")
    assert operator.is_superuser
    response = sign_in("operator", "violet kettle harbour lantern")
    assert response.status_code == 302
