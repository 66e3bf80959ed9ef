"""One deadline, one date, and tables that fit a phone, in a real browser at a phone's width
and a laptop's, on the demo region.

- Alex Morgan's missed physiotherapy deadline is the same date, said as missed, on My waits,
  the message that told them, My data, the GP's waiting list, the wait's page and the offer
  form; days counted read "116 days (the guarantee allows 90)"; NHS numbers read 3-3-4.
- The GP's caseload, waiting list, a wait's events and the statistics (overview and a
  provider's page) fit a 360px phone without sideways scrolling, not even inside a table's
  own box (stacked rows), and no cell is cut off at 1280px.

Every page visited passes axe and fits the screen."""

import re

import pytest
from django.utils.formats import date_format

from coproduce.guarantees.queries import pathway_clocks
from coproduce.messaging.models import Message
from tests.browser.test_guarantees import alex_morgans_right
from tests.browser.tools import check_page, clipped_in_tables, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]
NHS_NUMBER = re.compile(r"\b\d{3} \d{3} \d{4}\b")
RUN_TOGETHER = re.compile(r"\b\d{10}\b")


def the_missed_deadline() -> tuple[str, str]:
    """Alex's missed deadline, as every page should say it, and the days counted."""
    right = alex_morgans_right()
    [clock] = [
        clock
        for clock in pathway_clocks(right.pathway)
        if clock.stage == right.stage and clock.start == right.stage_started_on
    ]
    days = f"{clock.days_waited} days (the guarantee allows {clock.limit})"
    return date_format(clock.deadline, "j F Y"), days


def assert_fits(page, name: str) -> None:
    check_page(page, name)
    cut = clipped_in_tables(page)
    assert not cut, f"{name}: table cells cut off or off the screen: {cut}"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_missed_deadline_is_one_date_said_as_missed_on_every_page(new_page, demo_region, width):
    deadline, days = the_missed_deadline()
    page = new_page(width=width)
    sign_in(page, "citizen")
    page.get_by_role("link", name="See your waits and their deadlines").click()
    page.wait_for_url("**/waits/")
    check_page(page, "My waits")
    stage = page.locator("#stage-specialist_visit")
    assert "Deadline missed" in stage.inner_text()
    assert deadline in stage.inner_text() and days in stage.inner_text()
    assert not re.search(r"\d+ of \d+ days", page.locator("main").inner_text())

    told = Message.objects.filter(person=alex_morgans_right().pathway.person).filter(
        body__contains=deadline
    )
    assert told.exists(), "no message says the deadline as My waits does"
    follow_header_link(page, "Messages")
    page.wait_for_url("**/messages/")
    page.get_by_role("link", name=told.first().subject).first.click()
    page.wait_for_url(f"**/messages/{told.first().pk}/")
    check_page(page, "the message about the missed deadline")
    assert deadline in page.locator("main").inner_text()

    follow_header_link(page, "My data")
    page.wait_for_url("**/my-data/")
    check_page(page, "My data")
    rights = page.locator("#guarantee_rights").locator("xpath=..").inner_text()
    assert f"{deadline} (missed)" in rights
    main = page.locator("main").inner_text()
    assert NHS_NUMBER.search(main) and not RUN_TOGETHER.search(main)

    # Asked, so that the GP's practice has an offer to make.
    follow_header_link(page, "My waits")
    page.get_by_role("button", name="Ask for care elsewhere").first.click()
    page.get_by_role("button", name="Yes, ask for care elsewhere").click()
    page.wait_for_url("**/waits/#wait-*")

    staff = new_page(width=width)
    sign_in(staff, "clinician")
    follow_header_link(staff, "Waiting list")
    staff.wait_for_url("**/waits/worklist/")
    check_page(staff, "the waiting list")
    row = staff.locator("#waits-table tbody tr", has_text="Alex Morgan")
    assert deadline in row.inner_text() and days in row.inner_text()
    assert "Deadline missed" in row.inner_text()

    row.get_by_role("link", name="Alex Morgan").click()
    staff.wait_for_url("**/waits/pathways/*/")
    check_page(staff, "the wait's page")
    stage = staff.locator("#stage-specialist_visit")
    assert "Deadline missed" in stage.inner_text()
    assert deadline in stage.inner_text() and days in stage.inner_text()
    main = staff.locator("main").inner_text()
    assert NHS_NUMBER.search(main) and not RUN_TOGETHER.search(main)

    follow_header_link(staff, "Waiting list")
    staff.locator("#requests-table").get_by_role(
        "link", name="Offer care elsewhere to Alex Morgan"
    ).click()
    staff.wait_for_url("**/waits/rights/*/offer/")
    check_page(staff, "the offer form")
    assert f"{deadline} (missed)" in staff.locator("main").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_tables_fit_a_phone_and_nothing_is_cut_off(new_page, demo_region, width):
    staff = new_page(width=width)
    sign_in(staff, "clinician")
    assert_fits(staff, "the GP's caseload")
    caseload = staff.locator("#caseload-table").inner_text()
    assert NHS_NUMBER.search(caseload) and not RUN_TOGETHER.search(caseload)

    follow_header_link(staff, "Waiting list")
    staff.wait_for_url("**/waits/worklist/")
    assert_fits(staff, "the waiting list")
    staff.locator("#waits-table").get_by_role("link", name="Alex Morgan").click()
    staff.wait_for_url("**/waits/pathways/*/")
    assert_fits(staff, "a wait's events")

    follow_header_link(staff, "Statistics")
    staff.wait_for_url("**/waits/statistics/*")
    assert_fits(staff, "the statistics")
    staff.locator("main table tbody").get_by_role("link").first.click()
    staff.wait_for_url("**/waits/statistics/providers/**")
    assert_fits(staff, "a provider's statistics")
