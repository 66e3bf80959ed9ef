"""A clinician asks for care elsewhere on a patient's behalf, in a real browser: the link on
the wait, the confirmation form (with and without errors), and the wait afterwards, at phone
and desktop width, with axe finding nothing and no page wider than the screen."""

from io import StringIO

import pytest
from django.core.management import call_command

from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.models import AuditEvent
from tests.browser.test_guarantees import alex_morgans_right
from tests.browser.tools import check_accessibility, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [360, 1280])
def test_a_clinician_asks_for_care_elsewhere_for_the_patient_who_asked(new_page, width):
    call_command("demo", people=200, seed=1, stdout=StringIO())
    right = alex_morgans_right()
    assert right_status(right) == RightStatus.OWED
    rows_before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    page = new_page(width=width)
    sign_in(page, "clinician")
    page.goto(f"/waits/pathways/{right.pathway_id}/")
    page.get_by_role(
        "link", name="Ask for care elsewhere for Alex Morgan, if they asked you to"
    ).click()
    page.wait_for_url("**/ask/*/")
    check_accessibility(page, f"the on-behalf form at {width}px")
    assert no_sideways_scroll(page) <= 0

    page.get_by_role("button", name="Ask for care elsewhere").click()
    page.wait_for_selector(".govuk-error-summary")
    check_accessibility(page, f"the on-behalf form with errors at {width}px")
    assert right_status(alex_morgans_right()) == RightStatus.OWED  # a refusal changes nothing

    page.locator("input[name=asked_by]").first.check()
    page.get_by_label("Alex Morgan asked me to do this for them", exact=False).check()
    page.get_by_role("button", name="Ask for care elsewhere").click()
    page.wait_for_url(f"**/waits/pathways/{right.pathway_id}/*")
    check_accessibility(page, f"the wait after asking on the person's behalf at {width}px")
    assert no_sideways_scroll(page) <= 0
    assert right_status(alex_morgans_right()) == RightStatus.REQUESTED
    writes = AuditEvent.objects.filter(
        person=right.pathway.person, action="write", pk__gt=rows_before
    )
    [by_clinician] = writes.filter(actor_user__username="clinician")
    assert "behalf" in by_clinician.why.lower()
