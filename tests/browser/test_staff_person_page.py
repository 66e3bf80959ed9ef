"""The person page for staff, and the name of a guarantee for the person, in a real browser
at a phone's width and a laptop's, on the demo region:

- the GP finds Alex Morgan and reads every section of the record the contents list (summary,
  waits with the state of each stage in words, consents, the people who can act for them,
  messages), follows the wait to its page, then finds Margaret Morgan, whose carer is listed;
- Alex reads each wait under the name of its guarantee as people where it applies know it,
  and opens what it promises.

Every page visited passes axe and fits the screen."""

import pytest

from coproduce.guarantees.models import Pathway
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]


def find(page, name: str) -> None:
    follow_header_link(page, "Find a person")
    page.get_by_label("Search by name or NHS number").fill(name)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/home/?q=*")
    page.locator("#caseload-table").get_by_role("link", name=name).click()
    page.wait_for_url("**/people/*/")


def section(page, anchor: str):
    """The section a contents link leads to: its heading and what follows, up to the next."""
    return page.locator(f"#{anchor}").locator("xpath=..")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_gp_reads_each_section_of_a_record_and_follows_the_wait(new_page, demo_region, width):
    page = new_page(width=width)
    sign_in(page, "clinician")
    find(page, "Alex Morgan")
    check_page(page, "Alex Morgan's record")
    contents = page.locator("main nav a")
    names = [text.strip() for text in contents.all_inner_texts()]
    for wanted in ("Summary", "Waits", "Consents", "People who can act for them", "Messages sent"):
        assert wanted in names, names
    for n in range(contents.count()):
        target = page.locator(contents.nth(n).get_attribute("href"))
        assert target.inner_text().strip() == names[n]

    waits = section(page, "waits").inner_text()
    physiotherapy = Pathway.objects.get(person__user__username="citizen", service="Physiotherapy")
    assert "Physiotherapy at Millbrook Surgery" in waits
    assert physiotherapy.scheme.name_for_person in waits
    assert "First specialist visit" in waits and "Deadline missed" in waits
    assert "Messages sent" in section(page, "messages").inner_text()

    section(page, "waits").get_by_role("link", name="Physiotherapy at Millbrook Surgery").click()
    page.wait_for_url(f"**/waits/pathways/{physiotherapy.pk}/")
    check_page(page, "the wait, from the record")

    find(page, "Margaret Morgan")
    check_page(page, "Margaret Morgan's record")
    acting = section(page, "people-who-act").inner_text()
    assert "Sam Morgan" in acting


@pytest.mark.parametrize("width", WIDTHS)
def test_each_wait_is_named_as_people_where_it_applies_know_its_guarantee(
    new_page, demo_region, width
):
    page = new_page(width=width)
    sign_in(page, "citizen")
    follow_header_link(page, "My waits")
    page.wait_for_url("**/waits/")
    check_page(page, "My waits")
    pathways = Pathway.objects.filter(person__user__username="citizen").select_related(
        "scheme", "provider"
    )
    assert pathways.count() == 3
    for pathway in pathways:
        card = page.locator(f"#wait-{pathway.pk}")
        scheme = pathway.scheme
        assert scheme.public_name, f"{scheme.title} has no name people know it by"
        assert f"Under {scheme.public_name}." in card.inner_text()
        assert scheme.code not in card.inner_text()
        card.get_by_text(f"What {scheme.public_name} promises").click()
        assert card.get_by_text(scheme.explanation).is_visible()
    check_page(page, "My waits with what each guarantee promises open")
