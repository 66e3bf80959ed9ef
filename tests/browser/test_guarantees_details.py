"""The details of waits staff and citizens notice, in a real browser at a phone's width and a
laptop's, on the demo region:

- the GP finds Alex Morgan, opens the physiotherapy wait from the record's waits section and
  is offered only the events of that wait's scheme and stage; recording the first specialist
  visit ends the stage, and the right that was owed is owed no more: not on the wait, not on
  My waits, not on Alex's home;
- the council's social worker, whom Margaret Morgan let see her health record, is not offered
  "Open a wait" (nor the waiting list): their role does not put people on waiting lists.

Every page visited passes axe and fits the screen."""

import pytest
from django.utils import timezone

from coproduce.guarantees.forms import event_label
from coproduce.guarantees.queries import RightStatus, right_status, scheme_rules
from tests.browser.test_guarantees import alex_morgans_right
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]


def open_the_record(page, name: str) -> None:
    follow_header_link(page, "Find a person")
    page.get_by_label("Search by name or NHS number").fill(name)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/home/?q=*")
    page.locator("#caseload-table").get_by_role("link", name=name).click()
    page.wait_for_url("**/people/*/")


def scheme_events(scheme_code: str) -> set[str]:
    rules = scheme_rules(scheme_code)
    names = set(rules.extra_events)
    for stage in rules.stages:
        names |= stage.start_events | stage.stop_events | stage.lapse_events
        names |= stage.nullify_events | stage.restart_events
        names |= {name for name, _ in stage.lapse_on_repeat}
        for exclusion in stage.exclusions:
            names |= {exclusion.start_event, exclusion.end_event}
    return {event_label(name) for name in names}


@pytest.mark.parametrize("width", WIDTHS)
def test_recording_the_first_visit_ends_what_was_owed(new_page, demo_region, width):
    right = alex_morgans_right()
    assert right_status(right) == RightStatus.OWED
    staff = new_page(width=width)
    sign_in(staff, "clinician")
    open_the_record(staff, "Alex Morgan")
    check_page(staff, "Alex Morgan's record")
    staff.locator("#waits").locator("xpath=..").get_by_role(
        "link", name="Physiotherapy at Millbrook Surgery"
    ).click()
    staff.wait_for_url(f"**/waits/pathways/{right.pathway_id}/")
    check_page(staff, "the physiotherapy wait")
    specialist = staff.locator("#stage-specialist_visit").locator("xpath=..").inner_text()
    assert "Owed: the person can ask" in specialist

    what_happened = staff.get_by_label("What happened")
    offered = {text.strip() for text in what_happened.locator("option").all_inner_texts()}
    offered.discard("Choose an event")
    offered.discard("")
    # The Swedish guarantee's events only, never England's; and nothing of the treatment
    # stage, which has not started: its clock starts with the decision to treat.
    assert offered <= scheme_events("se-vardgaranti-2019"), offered
    assert "Decision not to treat" not in offered and "Active monitoring started" not in offered
    assert "First visit to a specialist" in offered and "Decision to treat" in offered
    assert "Treatment started" not in offered

    today = timezone.localdate()
    what_happened.select_option(label="First visit to a specialist")
    form = staff.locator("form", has=what_happened)
    form.get_by_label("Day").fill(str(today.day))
    form.get_by_label("Month").fill(str(today.month))
    form.get_by_label("Year").fill(str(today.year))
    form.get_by_role("button").click()
    staff.wait_for_url(f"**/waits/pathways/{right.pathway_id}/*")
    check_page(staff, "the wait after the first visit")
    specialist = staff.locator("#stage-specialist_visit").locator("xpath=..").inner_text()
    assert "Owed" not in specialist
    assert staff.get_by_role("link", name="Ask for care elsewhere for Alex Morgan").count() == 0

    page = new_page(width=width)
    sign_in(page, "citizen")
    check_page(page, "Alex's home after the first visit")
    tile = page.locator(".coproduce-tile", has_text="My waits").inner_text()
    assert "missed its deadline" not in tile and "ask for care elsewhere" not in tile
    page.get_by_role("link", name="See your waits and their deadlines").click()
    page.wait_for_url("**/waits/")
    check_page(page, "My waits after the first visit")
    physiotherapy = page.locator(".govuk-summary-card", has_text="Physiotherapy")
    assert physiotherapy.get_by_role("button", name="Ask for care elsewhere").count() == 0
    assert "The deadline was missed." not in physiotherapy.inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_council_social_worker_is_not_offered_to_open_a_wait(new_page, demo_region, width):
    page = new_page(width=width)
    sign_in(page, "socialworker")
    check_page(page, "the social worker's home")
    menu = page.locator("#navigation")
    assert menu.get_by_role("link", name="Waiting list", exact=True).count() == 0
    open_the_record(page, "Margaret Morgan")
    check_page(page, "Margaret Morgan's record, for the social worker")
    # Margaret let the council see her health record: the record shows, the referral does not.
    assert "Consent to see health records" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Open a wait for this person").count() == 0
