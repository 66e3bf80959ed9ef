"""A clinician asks for care elsewhere on a patient's behalf, in a real browser: the link on
the wait, the confirmation form (with and without errors), and the wait afterwards, at phone
and desktop width, with axe finding nothing and no page wider than the screen."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.guarantees.actions import ask_for_care_elsewhere, offer_care_elsewhere
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Organisation, User
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


@pytest.mark.parametrize("width", [360, 1280])
def test_a_clinician_records_the_answer_the_patient_gave_them_to_an_offer(new_page, width):
    call_command("demo", people=200, seed=1, stdout=StringIO())
    right = alex_morgans_right()
    citizen = Actor(user=right.pathway.person.user)
    clinician = Actor(user=User.objects.get(username="clinician"))
    ask_for_care_elsewhere(citizen, pathway_id=right.pathway_id, stage=right.stage)
    quayside = Organisation.objects.get(code="Y90002")
    offer_care_elsewhere(
        clinician,
        right_id=right.pk,
        provider_id=quayside.pk,
        appointment_on=timezone.localdate() + dt.timedelta(days=6),
    )
    assert right_status(alex_morgans_right()) == RightStatus.OFFERED
    messages_before = Message.objects.filter(person=right.pathway.person).count()

    page = new_page(width=width)
    sign_in(page, "clinician")
    page.goto(f"/waits/pathways/{right.pathway_id}/")
    page.get_by_role(
        "link", name="Record Alex Morgan's answer to the offer, if they gave it to you"
    ).click()
    page.wait_for_url(f"**/waits/rights/{right.pk}/answer/")
    check_accessibility(page, f"the answer form at {width}px")
    assert no_sideways_scroll(page) <= 0

    page.get_by_role("button", name="Record their answer").click()
    page.wait_for_selector(".govuk-error-summary")
    assert "Select the person's answer" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, f"the answer form with errors at {width}px")
    assert right_status(alex_morgans_right()) == RightStatus.OFFERED  # nothing changed

    page.get_by_label("They accept the appointment").check()
    page.locator("input[name=asked_by]").first.check()
    page.get_by_label("Alex Morgan asked me to do this for them", exact=False).check()
    page.get_by_role("button", name="Record their answer").click()
    page.wait_for_url(f"**/waits/pathways/{right.pathway_id}/*")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "Alex Morgan accepted the appointment at Quayside Medical Centre" in banner
    check_accessibility(page, f"the wait after recording the answer at {width}px")
    assert no_sideways_scroll(page) <= 0
    assert right_status(alex_morgans_right()) == RightStatus.ACCEPTED
    told = Message.objects.filter(person=right.pathway.person).order_by("-pk")
    assert told.count() == messages_before + 1
    assert "on your behalf" in told.first().subject


@pytest.mark.parametrize("width", [360, 1280])
def test_a_clinician_records_a_consent_the_patient_gave_them(new_page, width):
    call_command("demo", people=200, seed=1, stdout=StringIO())
    person = alex_morgans_right().pathway.person
    quayside = Organisation.objects.get(code="Y90002")
    page = new_page(width=width)
    sign_in(page, "clinician")
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name="Record a consent Alex Morgan gave you").click()
    page.wait_for_url(f"**/people/{person.pk}/consents/give/")
    check_accessibility(page, f"the consent-on-behalf form at {width}px")
    assert no_sideways_scroll(page) <= 0

    page.get_by_role("button", name="Record the consent").click()
    page.wait_for_selector(".govuk-error-summary")
    check_accessibility(page, f"the consent-on-behalf form with errors at {width}px")

    page.get_by_label("Organisation").select_option(value=str(quayside.pk))
    page.get_by_label("Health").check()
    page.locator("input[name=asked_by]").first.check()
    page.get_by_label("Alex Morgan asked me to do this for them", exact=False).check()
    page.get_by_role("button", name="Record the consent").click()
    page.wait_for_url(f"**/people/{person.pk}/")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "Quayside Medical Centre can now see the health records of Alex Morgan" in banner
    check_accessibility(page, f"the person's record after recording consent at {width}px")
    assert no_sideways_scroll(page) <= 0
