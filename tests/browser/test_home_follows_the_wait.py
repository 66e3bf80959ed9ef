"""The citizen's home page follows their wait, step by step, in a real browser at a phone's
width and a laptop's: a missed deadline (the finished wait is not counted as current), the
request for care elsewhere, the offer the GP's practice sends (followed by the clinician in
their own browser), the offer accepted, and the treatment there, after which the wait is no
longer a current one. Every page visited passes axe and fits the
screen."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.models import Organisation
from tests.browser.test_guarantees import alex_morgans_right
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]


def long(day: dt.date) -> str:
    return date_format(day, "j F Y")


def my_waits_tile(page) -> str:
    return page.locator(".coproduce-tile", has_text="My waits").inner_text()


def go_home(page) -> None:
    follow_header_link(page, "Your home")
    page.wait_for_url("**/home/")


def offer_from_the_waiting_list(staff, provider: Organisation, day: dt.date) -> None:
    """The clinician's part: home → waiting list → the request → the offer form, sent."""
    staff.get_by_role("link", name="Open the waiting list").click()
    staff.wait_for_url("**/waits/worklist/")
    row = staff.locator("#requests-table tbody tr", has_text="Alex Morgan")
    assert "Waiting for an offer" in row.inner_text()
    check_page(staff, "the waiting list with a request")
    row.get_by_role("link", name="Offer care elsewhere to Alex Morgan").click()
    staff.wait_for_url("**/waits/rights/*/offer/")
    check_page(staff, "the offer form")
    staff.get_by_label("Provider that can see them").select_option(value=str(provider.pk))
    staff.get_by_label("Day").fill(str(day.day))
    staff.get_by_label("Month").fill(str(day.month))
    staff.get_by_label("Year").fill(str(day.year))
    staff.get_by_role("button", name="Send the offer").click()
    staff.wait_for_url("**/waits/worklist/*")
    assert "has been offered an appointment" in staff.content()
    check_page(staff, "the waiting list after the offer")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_home_page_says_the_latest_state_of_the_wait_after_each_step(
    new_page, demo_region, width
):
    page = new_page(width=width)
    sign_in(page, "citizen")
    check_page(page, "the citizen's home with a missed deadline")
    # Three waits, one of them treated in April: two are current, and one has missed its
    # deadline.
    tile = my_waits_tile(page)
    assert "You are waiting for 2 things with a guaranteed deadline." in tile
    assert "1 has missed its deadline: you can ask for care elsewhere." in tile

    page.get_by_role("link", name="See your waits and their deadlines").click()
    page.wait_for_url("**/waits/")
    check_page(page, "My waits with a missed deadline")
    cards = page.locator(".govuk-summary-card")
    assert cards.count() == 3
    # What needs action comes first; the finished wait comes last, as ended.
    assert "Physiotherapy at Millbrook Surgery" in cards.first.inner_text()
    finished = cards.last.inner_text()
    assert "Ophthalmology at Northbank Community Hospital" in finished
    assert "Ended" in finished and "days left" not in finished

    cards.first.get_by_role("button", name="Ask for care elsewhere").click()
    page.wait_for_url("**/waits/ask/**")
    check_page(page, "the check step before asking")
    page.get_by_role("button", name="Yes, ask for care elsewhere").click()
    page.wait_for_url("**/waits/#wait-*")
    check_page(page, "My waits after asking")

    go_home(page)
    right = alex_morgans_right()
    assert right_status(right) == RightStatus.REQUESTED
    tile = my_waits_tile(page)
    offer_by = long(right.respond_by)
    assert f"You asked for care elsewhere: the region must offer it by {offer_by}." in tile
    assert "missed its deadline" not in tile  # asked about already: nothing more to do
    check_page(page, "the citizen's home after asking")

    quayside = Organisation.objects.get(code="Y90002")
    # Seen today, so that the treatment can be recorded at the end (never in the future).
    day = timezone.localdate()
    staff = new_page(width=width)
    sign_in(staff, "clinician")
    offer_from_the_waiting_list(staff, quayside, day)

    page.reload()
    right = alex_morgans_right()
    tile = my_waits_tile(page)
    assert (
        f"{quayside.name} has offered you an appointment on {long(day)}: "
        f"answer by {long(right.reply_by)}." in tile
    )
    assert "You asked for care elsewhere" not in tile  # the request is answered
    check_page(page, "the citizen's home with an offer")

    page.get_by_role("link", name="Answer the offer").click()
    page.wait_for_url("**/waits/")
    check_page(page, "My waits with an offer")
    offer = page.locator(".govuk-summary-card").first
    assert "An offer of care elsewhere" in offer.inner_text()
    offer.get_by_role("button", name="Accept the appointment").click()
    page.wait_for_url("**/waits/#wait-*")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert f"You accepted the appointment at {quayside.name}" in banner
    check_page(page, "My waits after accepting")
    assert right_status(alex_morgans_right()) == RightStatus.ACCEPTED

    go_home(page)
    tile = my_waits_tile(page)
    assert f"You accepted an appointment at {quayside.name} on {long(day)}." in tile
    assert "has offered you" not in tile and "missed its deadline" not in tile
    assert page.get_by_role("link", name="Answer the offer").count() == 0
    check_page(page, "the citizen's home after accepting")

    # Treated at Quayside: the stage is over, so the wait is no longer a current one.
    staff.goto("/home/")
    staff.get_by_role("link", name="Open the waiting list").click()
    staff.wait_for_url("**/waits/worklist/")
    staff.get_by_role("link", name="Record treatment elsewhere for Alex Morgan").click()
    staff.wait_for_url("**/waits/rights/*/treated/")
    check_page(staff, "the form to record treatment elsewhere")
    staff.get_by_label("Day").fill(str(day.day))
    staff.get_by_label("Month").fill(str(day.month))
    staff.get_by_label("Year").fill(str(day.year))
    staff.get_by_role("button", name="Record the treatment").click()
    staff.wait_for_url("**/waits/worklist/*")
    check_page(staff, "the waiting list after the treatment")
    assert right_status(alex_morgans_right()) == RightStatus.TREATED

    page.reload()
    tile = my_waits_tile(page)
    assert "You are waiting for 1 thing with a guaranteed deadline." in tile
    assert "accepted" not in tile and "care elsewhere" not in tile
    check_page(page, "the citizen's home after the treatment")
