"""Two-factor sign-in for staff in Chromium, at phone and desktop widths: the password, then
setting up an authenticator app from the key the page shows (the code worked out here, as the
app would), the recovery codes, and the next sign-in with a code. axe finds nothing on the
sign-in, set-up and code pages, nothing scrolls sideways on a phone, and the new_page fixture
fails on any Content-Security-Policy violation (the QR code is an image, not inline SVG)."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.browser.tools import PASSWORD, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOTP_STEP_SECONDS = 30


@pytest.fixture
def required(settings):
    # The live server runs in this process, so it sees the override.
    settings.COPRODUCE_REQUIRE_STAFF_2FA = True
    return settings


def step_now() -> int:
    """Which 30-second step it is: the app shows a new code at each."""
    return int(time.time()) // TOTP_STEP_SECONDS


def code_at(key: bytes, step: int) -> str:
    """The code the app shows during that step."""
    clock = TOTP(key)
    clock.time = step * TOTP_STEP_SECONDS
    return f"{clock.token():06d}"


def wrong_code_for(key: bytes) -> str:
    """A code the app shows at no time near now."""
    near = {code_at(key, step_now() + offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("111111", "222222", "333333") if code not in near)


def sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def enter_password(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_clinician_signs_in_with_a_password_then_a_code(new_page, required, width):
    nurse = factories.RoleFactory(user=factories.UserFactory(password=PASSWORD)).user
    page = new_page(width=width)

    page.goto("/sign-in/?next=/waits/worklist/")
    check_accessibility(page, f"the sign-in page at {width}px")
    enter_password(page, nurse.username)

    page.wait_for_url("**/sign-in/two-factor/set-up/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    qr_code = page.get_by_role("img", name="QR code to add your Coproduce account")
    assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    check_accessibility(page, f"the set-up page at {width}px")
    assert sideways_scroll(page) <= 0
    # Someone who cannot scan types the key instead; the app then shows codes from it.
    key = b32decode(page.locator("#secret").inner_text().replace(" ", ""))

    page.get_by_label("Enter the code the app shows").fill(wrong_code_for(key))
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "The code is not right" in summary.inner_text()
    assert page.title().startswith("Error:")
    check_accessibility(page, f"the set-up page with an error at {width}px")
    # A wrong code makes the next try wait a second.
    page.wait_for_timeout(1100)
    set_up_at = step_now()
    page.get_by_label("Enter the code the app shows").fill(code_at(key, set_up_at))
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url("**/sign-in/two-factor/recovery-codes/**")
    codes = page.locator("main li").all_inner_texts()
    assert len(codes) == 10
    assert {code.lower() for code in codes} == set(
        StaticToken.objects.values_list("token", flat=True)
    )
    check_accessibility(page, f"the recovery codes at {width}px")
    assert sideways_scroll(page) <= 0
    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.wait_for_url("**/waits/worklist/")
    assert TOTPDevice.objects.get(user=nurse).confirmed

    # The next sign-in asks for a newer code than the one used: the next step's is one (a code
    # from a step either side of now is taken, for phones whose clocks are a little out).
    later = new_page(width=width)
    later.goto("/sign-in/")
    enter_password(later, nurse.username)
    later.wait_for_url("**/sign-in/two-factor/?next=*")
    check_accessibility(later, f"the code page at {width}px")
    assert sideways_scroll(later) <= 0
    later.goto("/waits/worklist/")
    later.wait_for_url("**/sign-in/two-factor/?next=*")
    later.get_by_label("Enter the code from your authenticator app").fill(
        code_at(key, set_up_at + 1)
    )
    later.get_by_role("button", name="Continue").click()
    later.wait_for_url("**/waits/worklist/")
    assert later.get_by_role("heading", level=1).is_visible()
