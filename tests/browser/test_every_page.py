"""Every kind of page each demo role can reach by following links from their home, in a real
browser at phone width: no server error, nothing wider than the screen, no accessibility
problem, and no internal code (a snake_case key, an enum value) in the words on the page.

Pages of one kind (a wait's page, for every wait; the statistics, for every filter) are the
same template with other data: two of each kind are checked, so the walk reaches every kind
within its budget instead of spending it on the first few hundred waits."""

import re
from collections import Counter, deque
from io import StringIO
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.core.management import call_command

from tests.browser.tools import PASSWORD, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["citizen", "carer", "clinician", "socialworker", "orgadmin"]
MAX_PAGES = 60
# Not pages: signing out ends the walk, downloads are files, the API documentation and the
# back office are tested on their own.
SKIPPED = re.compile(r"^/(sign-out|api/|admin/|static/)|download|\.(json|csv|xml|ttl)$")
INTERNAL_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
OF_EACH_KIND = 2


def kind_of_page(path: str) -> str:
    """A page's kind: its path with ids left out, and the names (not values) of its query."""
    parts = urlsplit(path)
    names = sorted({name for name, _value in parse_qsl(parts.query) if name != "page"})
    return ID_IN_PATH.sub("<id>", parts.path) + "?" + "&".join(names)


def visible_text(page) -> str:
    return page.locator("main").inner_text()


def same_site_links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    found = []
    for href in hrefs:
        address, _ = urldefrag(href)
        parts = urlsplit(address)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIPPED.search(parts.path):
            found.append(path)
    return found


@pytest.fixture
def demo_region():
    call_command("demo", people=200, seed=1, stdout=StringIO())


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_can_reach_fits_a_phone_and_speaks_plain_english(
    new_page, live_server, demo_region, username
):
    page = new_page(width=360)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home/")

    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = deque(["/home/"])
    problems: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        # Paged lists: the first page stands for the rest.
        key = re.sub(r"([?&]page=)\d+", r"\g<1>N", path)
        if key in seen or kinds[kind_of_page(path)] >= OF_EACH_KIND:
            continue
        seen.add(key)
        kinds[kind_of_page(path)] += 1
        response = page.goto(path)
        if response.status >= 400:
            problems.append(f"{path}: answered {response.status}")
            continue
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{path}: {overflow}px wider than a 360px phone")
        codes = sorted(set(INTERNAL_CODE.findall(visible_text(page))))
        if codes:
            problems.append(f"{path}: shows internal codes {codes}")
        check_accessibility(page, f"{path} as {username} at 360px")
        queue.extend(same_site_links(page, live_server.url))
    assert not problems, f"{len(seen)} pages as {username}:\n" + "\n".join(problems)
    assert len(seen) > 3, f"{username} reached only {sorted(seen)}"
