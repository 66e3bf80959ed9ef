"""Issue 13's journey in the demo region, at a phone's width (360 px) and a laptop's
(1280 px): Alex Morgan, who has heart failure, checks in from My check-ins, one question a
page, and the check-in turns red (breathless at rest); their named clinician, Priya Shah,
signs in, finds Alex at the top of the Monitoring panel with the reason, opens the alert and
takes it in hand. Every page passes axe and nothing is wider than the screen."""

import pytest

from coproduce.monitoring.models import Alert, AlertStep, CheckIn
from coproduce.people.models import Person
from tests.browser.tools import check_page, follow_header_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", (360, 1280))
def test_a_red_check_in_reaches_the_top_of_the_clinicians_panel_and_is_taken_in_hand(
    new_page, demo_region, width
):
    screen = {"width": width, "height": 740}
    alex = Person.objects.get(user__username="citizen")
    last_weight = (
        CheckIn.objects.filter(person=alex, remeasure_for__isnull=True)
        .order_by("-day")
        .values_list("answers", flat=True)
        .first()["weight_kg"]
    )

    page = new_page(**screen)
    sign_in(page, "citizen")
    follow_header_link(page, "My check-ins")
    check_page(page, "My check-ins")
    page.get_by_role("button", name="Start today's check-in").click()
    check_page(page, "the weight question")
    page.get_by_label("What do you weigh this morning?").fill(f"{last_weight:.1f}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Breathless even when resting").check()
    check_page(page, "the breathing question")
    page.get_by_role("button", name="Continue").click()
    for _question in ("ankles", "pillows", "dizzy"):
        page.get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # nothing else to tell them
    check_page(page, "Check your answers")
    page.get_by_role("button", name="Send the check-in").click()

    check_page(page, "the result")
    result = page.locator("main").inner_text()
    assert "Your answers show urgent warning signs." in result
    assert "Priya Shah" in result
    alert = Alert.objects.get(person=alex, closed_at__isnull=True, colour="red")

    clinician = new_page(**screen)
    sign_in(clinician, "clinician")
    follow_header_link(clinician, "Monitoring")
    check_page(clinician, "the Monitoring panel")
    first_row = clinician.locator("#panel-table tbody tr").first
    assert "Alex Morgan" in first_row.inner_text()
    assert "Breathless even when resting" in first_row.inner_text()

    first_row.locator(f"a[href$='/monitoring/alerts/{alert.pk}/']").click()
    clinician.wait_for_url(f"**/monitoring/alerts/{alert.pk}/")
    check_page(clinician, "the alert")
    assert "Breathless even when resting" in clinician.locator("main").inner_text()
    clinician.get_by_role("button", name="I have seen it").click()

    check_page(clinician, "the alert, taken in hand")
    assert "You have taken the alert in hand." in clinician.locator("main").inner_text()
    alert.refresh_from_db()
    assert alert.handled_at is not None
    assert alert.steps.filter(kind=AlertStep.Kind.ACKNOWLEDGED, by__username="clinician").exists()
