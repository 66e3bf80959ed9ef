"""Staff journeys in a real browser, on the demo region, at a phone's width (360px) and a
laptop's (1280px): every page visited fits the screen and axe-core finds no WCAG 2.2 A/AA
problem.

- a GP follows the header to the waiting list, the statistics and the person search;
- the council's organisation admin creates an API token (shown once), then revokes it;
- the back office's admin lands on a page that leads to the back office and the statistics.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from coproduce.people.models import ApiToken
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 1280)


@pytest.fixture
def demo_region():
    call_command("demo", people=30, seed=1, stdout=StringIO())


@pytest.mark.parametrize("width", WIDTHS)
def test_a_gp_reaches_the_waiting_list_statistics_and_person_search_from_the_header(
    new_page, demo_region, width
):
    page = new_page(width=width)
    sign_in(page, "clinician")
    check_page(page, "the staff home")

    follow_header_link(page, "Waiting list")
    page.wait_for_url("**/waits/worklist/")
    assert "Millbrook Surgery" in page.locator("main").inner_text()
    check_page(page, "the waiting list")

    follow_header_link(page, "Statistics")
    page.wait_for_url("**/waits/statistics/")
    check_page(page, "the statistics")

    follow_header_link(page, "Find a person")
    page.wait_for_url("**/home/#caseload")
    page.get_by_label("Search by name or NHS number").fill("Morgan")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/home/?q=Morgan*")
    results = page.locator("#caseload-table").inner_text()
    assert "Alex Morgan" in results
    check_page(page, "the person search's results")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_org_admin_creates_a_token_sees_it_once_and_revokes_it(new_page, demo_region, width):
    page = new_page(width=width)
    sign_in(page, "orgadmin")
    page.get_by_role("link", name="Manage your organisation's API tokens").click()
    page.wait_for_url("**/api-tokens/")
    check_page(page, "the API tokens page")

    page.get_by_label("Name of the system that will use it").fill("Referral system")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("#token-secret").inner_text()
    assert re.fullmatch(r"cp_[0-9a-f]{12}_\S+", secret)
    assert "shown only once" in page.locator(".govuk-warning-text").inner_text()
    check_page(page, "the new token, shown once")

    page.goto("/api-tokens/")
    listed = page.locator("main").inner_text()
    assert "Referral system" in listed and secret not in listed
    page.get_by_role("link", name="Revoke Referral system").click()
    page.wait_for_url("**/api-tokens/*/revoke/")
    check_page(page, "the check before revoking")
    assert ApiToken.objects.get(name="Referral system").revoked_at is None

    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_url("**/api-tokens/")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "You revoked the token “Referral system”" in banner
    assert "Revoked" in page.locator("main").inner_text()
    assert ApiToken.objects.get(name="Referral system").revoked_at is not None
    check_page(page, "the tokens after revoking")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_back_office_admin_lands_on_a_useful_page(new_page, demo_region, width):
    page = new_page(width=width)
    sign_in(page, "admin")
    main = page.locator("main").inner_text()
    assert "not linked" not in main and "Running the platform" in main
    check_page(page, "the operator's home")
    assert page.get_by_role("link", name="Go to the back office").get_attribute("href") == "/admin/"
    page.get_by_role("link", name="See how long people wait, service by service").click()
    page.wait_for_url("**/waits/statistics/")
    check_page(page, "the statistics, from the operator's home")
