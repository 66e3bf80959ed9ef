"""What every browser test shares: the tools it needs (skipping locally and failing under CI
when they are missing), signing in, and the axe-core accessibility check. The `browser` and
`new_page` fixtures are in conftest.py."""

import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.NODE_MODULES_DIR) / "axe-core" / "axe.min.js"
STYLESHEET = Path(settings.PACKAGE_DIR) / "web" / "static" / "build" / "coproduce.css"
PASSWORD = "riverside-demo"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(os.environ.get("COPRODUCE_SCREENSHOTS", tempfile.gettempdir()))


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"{AXE} (npm ci)")
    if not STYLESHEET.exists():
        missing.append(f"{STYLESHEET} (npm run build)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -e '.[test]')")
    return missing


def require_browser_tools() -> None:
    """Skip when the tools are missing, but fail under CI: CI must never silently skip."""
    missing = _missing()
    if missing:
        reason = "Browser tests need " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + ". CI must never skip them.")
        pytest.skip(reason)


def sign_in(page, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home/")


def check_accessibility(page, name: str) -> None:
    # Evaluated through the browser's debugging protocol, which the page's
    # Content-Security-Policy does not govern: a <script> tag added to the page would be refused.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}})""", WCAG_TAGS
    )
    violations = result["violations"]
    if violations:
        report = []
        for violation in violations:
            report.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                report.append(f"    {node['target']}: {node['failureSummary']}")
        pytest.fail(f"axe found problems on {name}:\n" + "\n".join(report))
    assert result["passes"], f"axe checked nothing on {name}"


def overflow(page) -> int:
    """How many pixels the page is wider than the window: above 0, the reader must scroll
    sideways."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def clipped_in_tables(page) -> list[str]:
    """Table cells in <main> whose content is cut off (wider than the cell, which hides or
    scrolls it) or which reach past the window's right edge: what a reader would not see.
    Visually hidden parts (a stacked table's header row, kept for screen readers) are not
    shown to be cut off."""
    return page.evaluate(
        """() => {
            const hidden = element => {
                for (let at = element; at && at.tagName !== "TABLE"; at = at.parentElement) {
                    const box = at.getBoundingClientRect();
                    if (box.width <= 1 || box.height <= 1) return true;
                }
                return element.offsetParent === null;
            };
            return [...document.querySelectorAll("main table td, main table th")]
                .filter(cell => !hidden(cell))
                .filter(cell => cell.scrollWidth > cell.clientWidth + 1
                    || cell.getBoundingClientRect().right > window.innerWidth + 1)
                .map(cell => cell.innerText.trim().slice(0, 40));
        }"""
    )


def check_page(page, name: str) -> None:
    """What every journey asserts on each page it visits: axe finds no WCAG 2.2 A/AA problem
    and nothing is wider than the screen."""
    width = page.viewport_size["width"]
    # The page a click led to, loaded, not the moment between two documents.
    page.wait_for_load_state()
    wider = overflow(page)
    assert wider <= 0, f"{name} is {wider}px wider than a {width}px screen"
    check_accessibility(page, f"{name} at {width}px")


def follow_header_link(page, name: str) -> None:
    """Follow a link in the header's service navigation; on a phone it folds behind its Menu
    button, which a reader presses first."""
    menu = page.locator(".govuk-service-navigation__toggle")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.locator("#navigation").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()
