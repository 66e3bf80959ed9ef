"""The demo citizen's journeys in a real browser, at phone and desktop width: home, Messages
and one message in full; asking for care elsewhere through its check step; My waits with an
offer to answer (when and where, first on the page). On every page visited axe finds no WCAG
2.2 A/AA problem and nothing is wider than the screen."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.guarantees.actions import ask_for_care_elsewhere, offer_care_elsewhere
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, User
from tests.browser.test_guarantees import alex_morgans_right
from tests.browser.tools import check_accessibility, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [360, 1280]


def _checked(page, name: str) -> None:
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name} is wider than the screen"
    )


@pytest.fixture
def demo_region():
    call_command("demo", people=200, seed=1, stdout=StringIO())


@pytest.mark.parametrize("width", WIDTHS)
def test_home_to_messages_to_a_message(new_page, demo_region, width):
    latest = Message.objects.filter(person__user__username="citizen").first()
    assert latest is not None, "the demo citizen has no messages"
    page = new_page(width=width)
    sign_in(page, "citizen")
    _checked(page, f"the citizen's home at {width}px")

    page.get_by_role("link", name="Read your messages").click()
    page.wait_for_url("**/messages/")
    _checked(page, f"Messages at {width}px")

    page.get_by_role("link", name=latest.subject).first.click()
    page.wait_for_url(f"**/messages/{latest.pk}/")
    _checked(page, f"a message at {width}px")
    assert latest.body.splitlines()[0] in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_asking_for_care_elsewhere_through_the_check_step(new_page, demo_region, width):
    page = new_page(width=width)
    sign_in(page, "citizen")
    page.goto("/waits/")
    _checked(page, f"My waits with a missed deadline at {width}px")
    page.get_by_role("button", name="Ask for care elsewhere").first.click()
    page.wait_for_url("**/waits/ask/**")
    _checked(page, f"the check step before asking at {width}px")
    assert right_status(alex_morgans_right()) == RightStatus.OWED  # nothing asked yet

    page.get_by_role("button", name="Yes, ask for care elsewhere").click()
    page.wait_for_url("**/waits/#wait-*")
    _checked(page, f"My waits after asking at {width}px")
    assert "You have asked for care elsewhere" in page.content()
    assert right_status(alex_morgans_right()) == RightStatus.REQUESTED


@pytest.mark.parametrize("width", WIDTHS)
def test_my_waits_with_an_offer_to_answer(new_page, demo_region, width):
    right = alex_morgans_right()
    ask_for_care_elsewhere(
        Actor(user=right.pathway.person.user), pathway_id=right.pathway_id, stage=right.stage
    )
    quayside = Organisation.objects.get(code="Y90002")
    offered = offer_care_elsewhere(
        Actor(user=User.objects.get(username="clinician")),
        right_id=right.pk,
        provider_id=quayside.pk,
        appointment_on=timezone.localdate() + dt.timedelta(days=6),
    )
    page = new_page(width=width)
    sign_in(page, "citizen")
    assert f"{quayside.name} has offered you an appointment" in page.content()
    page.get_by_role("link", name="Answer the offer").click()
    page.wait_for_url("**/waits/")
    _checked(page, f"My waits with an offer at {width}px")
    first_card = page.locator(".govuk-summary-card").first
    text = first_card.inner_text()
    assert "An offer of care elsewhere" in text
    assert offered.offered_appointment_on.strftime("%A %-d %B %Y") in text
    assert quayside.name in text
