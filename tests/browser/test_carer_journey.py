"""A carer looks after their mother's record in a real browser, at a phone's width and a
laptop's: Sam Morgan goes from their home to Margaret Morgan's data, takes back a consent she
gave through its check step, and reads her waits. Every page about Margaret speaks about her
("Margaret Morgan's data", "People who can act for Margaret Morgan", "Waits for Margaret
Morgan"), never as "my" or "your" record; every page passes axe and fits the screen."""

import re

import pytest

from coproduce.people.models import Consent, Person
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]
# Words that make the carer's view of Margaret read as their own record.
FIRST_OR_SECOND_PERSON = re.compile(r"\b(my|your|yours|you)\b", re.IGNORECASE)


def headings(page) -> list[str]:
    """What a reader scans on the page: its headings, captions and contents list."""
    return page.eval_on_selector_all(
        "main h1, main h2, main h3, main caption, main .govuk-caption-l, main nav a",
        "found => found.map(element => element.innerText.trim())",
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_carer_reads_and_changes_their_mothers_record_in_her_name(new_page, demo_region, width):
    margaret = Person.objects.get(given_name="Margaret", family_name="Morgan")
    page = new_page(width=width)
    sign_in(page, "carer")
    check_page(page, "the carer's home")
    people = page.locator("main").get_by_role("heading", name="People you can act for")
    assert people.is_visible()

    page.get_by_role("link", name="Margaret Morgan").click()
    page.wait_for_url(f"**/my-data/{margaret.pk}/")
    check_page(page, "Margaret's data, as her carer")
    titles = headings(page)
    assert "Margaret Morgan's data" in titles
    assert "People who can act for Margaret Morgan" in titles
    assert "Organisations caring for Margaret Morgan" in titles
    about_her = [title for title in titles if FIRST_OR_SECOND_PERSON.search(title)]
    assert not about_her, f"Margaret's data speaks to the carer as its owner: {about_her}"
    acting = page.locator("#relationships_acting_for_you").locator("xpath=..").inner_text()
    assert "Sam Morgan" in acting

    council = page.locator("#consents-table tbody tr", has_text="Riverside Council")
    council.get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/revoke/")
    check_page(page, "the check before taking back Margaret's consent")
    warning = page.locator(".govuk-warning-text").inner_text()
    assert "the health records of Margaret Morgan" in warning
    assert not re.search(r"\byour\b", warning, re.IGNORECASE)
    page.get_by_role("button", name="Yes, take back consent").click()
    page.wait_for_url(f"**/my-data/{margaret.pk}/#consents")
    check_page(page, "Margaret's data after taking back the consent")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "Riverside Council can no longer see" in banner
    assert not re.search(r"\byour\b", banner, re.IGNORECASE)
    assert "Revoked" in council.inner_text()
    assert not Consent.objects.filter(person=margaret, revoked_at__isnull=True).exists()

    follow_header_link(page, "My waits")
    page.wait_for_url("**/waits/")
    check_page(page, "the carer's own waits")
    page.get_by_role("link", name="Waits for Margaret Morgan").click()
    page.wait_for_url(f"**/waits/for/{margaret.pk}/")
    check_page(page, "Margaret's waits, as her carer")
    main = page.locator("main").inner_text()
    assert "Cardiology at Riverside General Hospital" in main
    assert "The guarantee allows 18 weeks for this stage." in main
    spoken_to = FIRST_OR_SECOND_PERSON.findall(main)
    assert not spoken_to, f"Margaret's waits say {spoken_to} about her"
