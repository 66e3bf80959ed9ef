"""My data in plain words, in a real browser at a phone's width and a laptop's. The GP looks
Alex Morgan up in the caseload and opens their record again and again; then Alex goes from
home to My data and finds each section titled, no internal key, code or field name, the NHS
number as 3-3-4, the appearances in staff lists grouped by organisation and list, apart from
the times the record was opened, which are paged. Every page passes axe and fits the screen."""

import re

import pytest

from coproduce.people.models import Person
from tests.browser.tools import check_page, clipped_in_tables, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]
LOOKS = 15  # with the demo's own, more record opens than one page of the audit trail (25)

# What a person should never read: the demo's message keys, scheme codes, stored field names
# ("Created by label", "source_key"), and raw references (UUIDs).
INTERNAL = [
    re.compile(r"\b[a-z]+:[a-z-]+:"),  # email:demo:gp-registration:...
    re.compile(r"\b(uk-nhs-rtt|se-vardgaranti-\d+|no-[a-z-]+)\b"),
    re.compile(r"\b[a-z]+_[a-z_]+\b"),  # snake_case keys and enum values
    re.compile(r"\b(label|source key|external id|sequence)\b", re.IGNORECASE),
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
]


def the_gp_looks_alex_up(staff) -> None:
    sign_in(staff, "clinician")
    for look in range(LOOKS):
        follow_header_link(staff, "Find a person")
        staff.get_by_label("Search by name or NHS number").fill("Alex Morgan")
        staff.get_by_role("button", name="Search", exact=True).click()
        staff.wait_for_url("**/home/?q=*")
        staff.locator("#caseload-table").get_by_role("link", name="Alex Morgan").click()
        staff.wait_for_url("**/people/*/")
        if look == 0:
            check_page(staff, "Alex Morgan's record, for the GP")


@pytest.mark.parametrize("width", WIDTHS)
def test_my_data_is_titled_plain_grouped_and_paged(new_page, demo_region, width):
    the_gp_looks_alex_up(new_page(width=width))
    alex = Person.objects.get(user__username="citizen")

    page = new_page(width=width)
    sign_in(page, "citizen")
    page.get_by_role(
        "link", name="See everything we hold about you, and who has looked at it"
    ).click()
    page.wait_for_url("**/my-data/")
    check_page(page, "My data")
    assert not clipped_in_tables(page), "a table on My data is cut off or scrolls sideways"

    # Each entry of the contents leads to a titled section.
    contents = page.locator("nav[aria-labelledby=contents-title] a")
    assert contents.count() >= 5
    for n in range(contents.count()):
        link = contents.nth(n)
        target = page.locator(link.get_attribute("href"))
        assert target.evaluate("element => /^H[23]$/.test(element.tagName)"), link.inner_text()
        assert target.inner_text().strip() == link.inner_text().strip()

    main = page.locator("main").inner_text()
    found = sorted({match.group(0) for rule in INTERNAL for match in rule.finditer(main)})
    assert not found, f"My data shows internal codes: {found}"
    number = alex.nhs_number
    assert f"{number[:3]} {number[3:6]} {number[6:]}" in main
    assert number not in main

    # The searches and the opens: the searches are one line, the opens are rows of their own.
    lines = page.locator("#audit-lists ~ ul li, #audit-lists ~ p").all_inner_texts()
    at_the_gp = [
        line for line in lines if line.startswith("Appeared in a list at Millbrook Surgery")
    ]
    caseload = [line for line in at_the_gp if "caseload" in line]
    assert len(caseload) == 1, at_the_gp
    times = re.match(r"Appeared in a list at Millbrook Surgery (\d+) times, last on ", caseload[0])
    assert times and int(times.group(1)) >= LOOKS, caseload
    caption = page.locator("#audit-caption").inner_text()
    opened = int(re.match(r"(\d+) times", caption).group(1))
    assert opened > 25
    rows = page.locator("#audit-table tbody tr")
    assert rows.count() == 25
    assert not any("caseload" in row for row in rows.all_inner_texts())

    page.locator(".govuk-pagination").get_by_role("link", name="Next").click()
    page.wait_for_url("**audit_page=2*")
    check_page(page, "the second page of My data's audit trail")
    assert page.locator("#audit-table tbody tr").count() == opened - 25
