"""The Content-Security-Policy in a real browser: the site's own scripts run under it, and an
inline script is refused and reported, so every browser test (whose pages fail on any reported
violation, see conftest.py) would catch one."""

import pytest

from tests import factories
from tests.browser.tools import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_sites_own_scripts_run_under_the_policy(new_page, width):
    factories.PersonFactory(user=factories.UserFactory(username="citizen", password=PASSWORD))
    page = new_page(width=width)
    for url in ("/", "/sign-in/"):
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # GOV.UK Frontend's "JavaScript is on" classes, set by a static file, not inline.
        body_classes = page.locator("body").get_attribute("class").split()
        assert {"js-enabled", "govuk-frontend-supported"} <= set(body_classes)
    sign_in(page, "citizen")
    page.goto("/my-data/")
    # GOV.UK Frontend's own JavaScript started: on a phone it shows the menu button.
    assert page.get_by_role("button", name="Menu").is_visible() == (width == 360)


def test_an_inline_script_is_refused_and_reported(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto("/")
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.body.dataset.injected = 'yes'";
                document.body.append(script);
            }"""
        )
        page.wait_for_timeout(200)
        assert page.locator("body").get_attribute("data-injected") is None
        assert any("Content Security Policy" in text for text in console), console
    finally:
        context.close()


def test_the_api_documentation_runs_from_our_own_files(new_page, live_server):
    page = new_page()
    addresses = []
    page.on("request", lambda request: addresses.append(request.url))
    page.goto("/api/docs")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Coproduce API")
    page.get_by_text("/api/me", exact=True).first.wait_for()
    assert addresses and all(url.startswith(live_server.url) for url in addresses), addresses
