"""The public pages say what exists and lead to real pages, in a real browser at a phone's
width and a laptop's: someone who has not signed in reads on the home page what each
installed module offers (from the modules' manifests), follows its link to the public
statistics, then the phase banner's "give your feedback" and the footer's "About Coproduce",
which lists the same offers and leads back to feedback. Every page answers, passes axe and
fits the screen."""

import pytest
from django.urls import reverse

from coproduce import modules
from tests.browser.tools import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]


def offers() -> list[modules.PublicOffer]:
    found = [offer for manifest in modules.manifests() for offer in manifest.public_offers]
    assert found, "no installed module offers anything to the public"
    return found


def assert_lists_every_offer(page, name: str) -> None:
    main = page.locator("main")
    for offer in offers():
        assert main.get_by_role("heading", name=str(offer.title)).is_visible(), (
            f"{name} does not say what '{offer.title}' offers"
        )
        assert str(offer.text) in main.inner_text()
        if offer.url_name:
            link = main.get_by_role("link", name=str(offer.link_text))
            assert link.get_attribute("href") == reverse(offer.url_name)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_public_pages_say_what_exists_and_lead_to_real_pages(new_page, demo_region, width):
    page = new_page(width=width)
    response = page.goto("/")
    assert response.status == 200
    check_page(page, "the public home")
    assert_lists_every_offer(page, "the public home")

    page.get_by_role("link", name="See how long people wait, service by service").click()
    page.wait_for_url("**/waits/statistics/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Waiting times")
    assert page.locator("main table").count() > 0
    check_page(page, "the public statistics, from the home page")

    page.locator(".govuk-phase-banner").get_by_role("link", name="give your feedback").click()
    page.wait_for_url("**/feedback/")
    assert page.get_by_role("heading", level=1).inner_text() == "Give your feedback"
    assert "what you were trying to do" in page.locator("main").inner_text()
    check_page(page, "the feedback page")

    page.locator("footer").get_by_role("link", name="About Coproduce").click()
    page.wait_for_url("**/about/")
    assert page.get_by_role("heading", level=1).inner_text() == "About Coproduce"
    assert_lists_every_offer(page, "About")
    check_page(page, "the About page")
    page.get_by_role("link", name="tell us what to improve").click()
    page.wait_for_url("**/feedback/")

    # The API the home page names is a real page too.
    assert page.goto("/api/docs").status == 200
