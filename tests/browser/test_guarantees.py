"""Waits in a real browser, on the demo region (`coproduce demo`, small):

- the demo citizen sees a wait past its deadline and asks for care elsewhere in one step
  (with and without JavaScript), and the clinician at the practice sees the request on the
  waiting list and offers an appointment, which the citizen then sees;
- axe-core finds no WCAG 2.2 A/AA problem on My waits, the worklist, a pathway, the offer
  form (with and without errors), the decline page and the compliance statistics;
- My waits fits a 375px-wide phone screen.

Uses the browser, pages and checks of test_browser.py, so the same tools are needed: without
them the tests skip, except under CI, where they fail instead.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.guarantees.models import Right
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.models import Organisation
from tests.browser.tools import check_accessibility, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_region():
    call_command("demo", people=200, seed=1, stdout=StringIO())


def alex_morgans_right() -> Right:
    return Right.objects.get(
        pathway__person__user__username="citizen", pathway__service="Physiotherapy"
    )


def ask_for_care_elsewhere(page) -> None:
    page.goto("/waits/")
    page.get_by_role("button", name="Ask for care elsewhere").click()
    # The check step says what happens next before anything is asked.
    page.wait_for_url("**/waits/ask/**")
    assert "The region must offer an appointment" in page.content()
    page.get_by_role("button", name="Yes, ask for care elsewhere").click()
    page.wait_for_url("**/waits/#wait-*")
    banner = page.locator(".govuk-notification-banner--success")
    assert "You have asked for care elsewhere" in banner.inner_text()


def test_the_demo_citizen_asks_and_the_clinician_sees_the_request(
    new_page,
    demo_region,
):
    page = new_page()
    sign_in(page, "citizen")
    page.get_by_role("link", name="See your waits and their deadlines").click()
    page.wait_for_url("**/waits/")
    card = page.locator(".govuk-summary-card", has_text="Physiotherapy at Millbrook Surgery")
    assert "Deadline missed" in card.inner_text()
    assert "days past the deadline" in card.inner_text()
    assert "patient-chosen wait" in card.inner_text()
    check_accessibility(page, "My waits with a wait past its deadline")
    assert right_status(alex_morgans_right()) == RightStatus.OWED

    ask_for_care_elsewhere(page)
    right = alex_morgans_right()
    assert right_status(right) == RightStatus.REQUESTED
    assert "The region must reply by" in card.inner_text()
    assert card.get_by_role("button", name="Ask for care elsewhere").count() == 0
    check_accessibility(page, "My waits after asking")

    staff = new_page()
    sign_in(staff, "clinician")
    staff.get_by_role("link", name="Open the waiting list").click()
    staff.wait_for_url("**/waits/worklist/")
    row = staff.locator("#requests-table tbody tr", has_text="Alex Morgan")
    assert "Waiting for an offer" in row.inner_text()
    assert "Physiotherapy" in row.inner_text()
    check_accessibility(staff, "the worklist")

    row.get_by_role("link", name="Offer care elsewhere to Alex Morgan").click()
    staff.wait_for_url(f"**/waits/rights/{right.pk}/offer/")
    check_accessibility(staff, "the offer form")
    staff.get_by_role("button", name="Send the offer").click()
    staff.wait_for_selector(".govuk-error-summary")
    check_accessibility(staff, "the offer form with errors")
    quayside = Organisation.objects.get(code="Y90002")
    staff.get_by_label("Provider that can see them").select_option(value=str(quayside.pk))
    day = timezone.localdate() + dt.timedelta(days=6)
    staff.get_by_label("Day").fill(str(day.day))
    staff.get_by_label("Month").fill(str(day.month))
    staff.get_by_label("Year").fill(str(day.year))
    staff.get_by_role("button", name="Send the offer").click()
    staff.wait_for_url("**/waits/worklist/*")
    assert "has been offered an appointment" in staff.content()
    assert right_status(alex_morgans_right()) == RightStatus.OFFERED

    staff.locator("#requests-table").get_by_role("link", name="Alex Morgan").click()
    staff.wait_for_url("**/waits/pathways/*/")
    assert "Record what happened" in staff.content()
    check_accessibility(staff, "a pathway for staff")

    page.goto("/waits/")
    assert "Quayside Medical Centre can see you on" in card.inner_text()
    card.get_by_role("link", name="Decline the appointment").click()
    page.wait_for_url(f"**/waits/offers/{right.pk}/decline/")
    assert "the guarantee no longer applies" in page.content()
    check_accessibility(page, "the decline page")


def test_asking_works_without_javascript(new_page, demo_region):
    page = new_page(javascript=False)
    sign_in(page, "citizen")
    ask_for_care_elsewhere(page)
    assert right_status(alex_morgans_right()) == RightStatus.REQUESTED


def test_a_proxy_sees_the_waits_of_the_person_they_care_for(new_page, demo_region):
    page = new_page()
    sign_in(page, "carer")
    page.goto("/waits/")
    page.get_by_role("link", name="Waits for Margaret Morgan").click()
    page.wait_for_url("**/waits/for/*/")
    assert "Cardiology at Riverside General Hospital" in page.content()
    check_accessibility(page, "My waits for someone cared for")


def test_the_statistics_pages_have_no_accessibility_violations(new_page, demo_region):
    page = new_page()
    assert page.goto("/waits/statistics/").status == 200
    check_accessibility(page, "the compliance statistics")
    assert page.goto("/waits/statistics/providers/R9V01/").status == 200
    check_accessibility(page, "a provider's compliance statistics")


def test_my_waits_fits_a_phone(new_page, demo_region):
    page = new_page(width=375, height=812)
    sign_in(page, "citizen")
    page.goto("/waits/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"My waits is {overflow}px wider than a 375px screen"
    staff = new_page(width=375, height=812)
    sign_in(staff, "clinician")
    staff.goto("/waits/worklist/")
    overflow = staff.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"The worklist is {overflow}px wider than a 375px screen"
