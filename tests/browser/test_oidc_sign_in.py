"""Signing in with an OpenID Connect provider in Chromium, end to end: our sign-in page, the
real provider's own login and consent pages (tests/oidc/provider.mjs on loopback), and back
to the person's home. No Content-Security-Policy violation on the way (the new_page fixture
fails on any), and axe finds nothing on our pages at phone and desktop widths."""

import pytest

from coproduce.people.models import ExternalIdentity
from tests import factories
from tests.browser.tools import check_accessibility
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER_NAME = "GOV.UK One Login"


@pytest.fixture(scope="module")
def provider_for_live_server(live_server, tmp_path_factory):
    callback = f"{live_server.url}/sign-in/oidc/callback/"
    with running_provider([callback], tmp_path_factory.mktemp("oidc-browser")) as provider:
        yield provider


@pytest.fixture
def oidc_on(settings, provider_for_live_server):
    settings.COPRODUCE_OIDC_ISSUER = provider_for_live_server.issuer
    settings.COPRODUCE_OIDC_CLIENT_ID = CLIENT_ID
    settings.COPRODUCE_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.COPRODUCE_OIDC_NAME = PROVIDER_NAME
    return provider_for_live_server


def sign_in_at_the_provider(page, login: str) -> None:
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    # The provider's own pages (oidc-provider's development login and consent screens).
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_citizen_signs_in_through_the_provider(new_page, oidc_on, width):
    user = factories.UserFactory(email="ada@example.org")
    factories.PersonFactory(user=user)
    page = new_page(width=width)

    page.goto("/")
    check_accessibility(page, f"the landing page at {width}px")
    page.goto("/sign-in/?next=/my-data/")
    check_accessibility(page, f"the sign-in page at {width}px")
    button = page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")
    # A link, not a form: the browser leaves by an ordinary redirect, so the policy's
    # form-action never has to name the provider.
    assert button.evaluate("element => element.tagName") == "A"

    sign_in_at_the_provider(page, "ada")

    page.wait_for_url("**/my-data/")
    assert page.get_by_role("heading", level=1).inner_text() == "My data"
    assert ExternalIdentity.objects.get().user == user
    page.goto("/home/")
    check_accessibility(page, f"the home page after signing in at {width}px")


@pytest.mark.parametrize("width", [360, 1280])
def test_someone_without_an_account_is_told_what_to_do(new_page, oidc_on, width):
    page = new_page(width=width)
    page.goto("/sign-in/")

    sign_in_at_the_provider(page, "cy")

    page.wait_for_url("**/sign-in/oidc/callback/**")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"You could not sign in with {PROVIDER_NAME}"
    )
    assert "Sign in with your username and password" in page.locator("main").inner_text()
    check_accessibility(page, f"the page refusing a sign-in at {width}px")
    assert not ExternalIdentity.objects.exists()
