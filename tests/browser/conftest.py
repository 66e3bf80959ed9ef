"""Fixtures for the browser tests: one Chromium per module, and fresh pages against the live
server that fail the test if a page ever runs injected script or breaks the
Content-Security-Policy (an inline script, a third-party address)."""

import pytest

from tests.browser.tools import CHROMIUM, require_browser_tools


@pytest.fixture(scope="module")
def browser():
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which Django takes for async
    # code; the tests' own ORM calls (making data, checking it) are ordinary synchronous code.
    # Module scope: the browser and this allowance end with this module's tests.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield browser
            browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context; fail the test on any script dialog (XSS) or
    any Content-Security-Policy violation the browser reports on its console."""
    contexts = []
    dialogs = []
    policy_violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            policy_violations.append(f"{message.location.get('url')}: {message.text}")

    def open_page(*, javascript=True, width=1280, height=900):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", on_console)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not dialogs, f"a page ran injected script: {dialogs}"
    assert not policy_violations, "the Content-Security-Policy was broken:\n" + "\n".join(
        policy_violations
    )


@pytest.fixture
def demo_region():
    """The demo region (`coproduce demo`), small: its fixed sign-ins and their story (Alex
    Morgan's missed physiotherapy deadline, Sam Morgan caring for their mother Margaret).
    A test module may define its own, of another size."""
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", people=200, seed=1, stdout=StringIO())
