"""The public waiting-time statistics in a real browser: axe-core finds no WCAG 2.2 A/AA
problem on the overview (England's 18 weeks, Sweden's 0-3-90-90) or a provider's page with its
chart; the filters work without JavaScript; the pages fit a phone.

Same tools, fixtures and skipping rules as test_browser.py.
"""

import datetime as dt

import pytest
from django.urls import include, path
from django.utils import timezone

from coproduce import urls as site_urls
from coproduce.guarantees import actions
from coproduce.guarantees.statistics_views import statistics_urlpatterns
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests.browser.tools import SCREENSHOTS, check_accessibility
from tests.factories import (
    HOSTILE,
    CareRelationshipFactory,
    LocalityFactory,
    OrganisationFactory,
    RoleFactory,
)

# The pages as guarantees.urls mounts them, in a URLconf of this test's own.
urlpatterns = [
    path("waits/statistics/", include((statistics_urlpatterns, "statistics_test"))),
    *site_urls.urlpatterns,
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def waits():
    """Two hospitals with waits ended and still open under both guarantees, one with too few
    to show; Swedish contacts, some answered the same day."""
    place = LocalityFactory(name="Riverside")
    providers = []
    for name, count in (("Northgate Hospital", 8), (f"Southbank Clinic {HOSTILE}", 2)):
        provider = OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name=name)
        actor = Actor(user=RoleFactory(organisation=provider).user)
        for n in range(count):
            for scheme, events in (
                ("uk-nhs-rtt", [("referral", days_ago(20 + 30 * n)), ("treatment", TODAY)]),
                ("uk-nhs-rtt", [("referral", days_ago(40 * n + 3))]),
                (
                    "se-vardgaranti-2019",
                    [("contact", TODAY), ("referral", days_ago(15 * n))]
                    + ([("contact_answered", TODAY)] if n % 3 else [])
                    + ([("patient_wait_start", days_ago(2))] if n == 1 else []),
                ),
            ):
                person = CareRelationshipFactory(
                    organisation=provider, person__locality=place
                ).person
                pathway = actions.open_pathway(
                    actor,
                    person_id=person.pk,
                    scheme_code=scheme,
                    provider_id=provider.pk,
                    service="Orthopaedics",
                )
                for type_, on in events:
                    actions.record_event(actor, pathway_id=pathway.pk, type=type_, occurred_on=on)
        providers.append(provider)
    return providers


def test_statistics_pages_have_no_accessibility_violations(new_page, waits):
    page = new_page()
    page.goto("/waits/statistics/?scheme=uk-nhs-rtt")
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Waiting times: Referral to treatment"
    )
    check_accessibility(page, "the statistics for 18 weeks")
    page.goto("/waits/statistics/?scheme=se-vardgaranti-2019&stage=specialist_visit")
    assert page.get_by_text("Contacts answered the same day").first.is_visible()
    check_accessibility(page, "the statistics for 0-3-90-90")
    page.goto("/waits/statistics/?scheme=uk-nhs-rtt")
    page.get_by_role("link", name="Northgate Hospital").first.click()
    chart = page.get_by_role("img", name="Share of waits within the limit, by month")
    assert chart.is_visible()
    assert page.get_by_role("table", name="The chart's figures").is_visible()
    check_accessibility(page, "a provider's statistics")


def test_the_filters_work_without_javascript(new_page, waits):
    page = new_page(javascript=False)
    page.goto("/waits/statistics/")
    page.get_by_label("Guarantee").select_option("se-vardgaranti-2019")
    page.get_by_role("button", name="Show these figures").click()
    assert page.get_by_label("Stage of the wait").input_value() == "assessment"
    page.get_by_label("Stage of the wait").select_option("specialist_visit")
    page.get_by_role("button", name="Show these figures").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Waiting times: First specialist visit"


@pytest.mark.parametrize(
    ("label", "width", "height"), [("desktop", 1280, 900), ("phone", 375, 812)]
)
def test_the_statistics_fit_the_screen(new_page, waits, label, width, height):
    page = new_page(width=width, height=height)
    for name, url in (
        ("overview", "/waits/statistics/?scheme=se-vardgaranti-2019&stage=specialist_visit"),
        ("provider", f"/waits/statistics/providers/{waits[0].code}/?scheme=uk-nhs-rtt"),
    ):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {name} page is {overflow}px wider than a {width}px screen"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / f"coproduce-statistics-{name}-{label}.png"), full_page=True
        )
