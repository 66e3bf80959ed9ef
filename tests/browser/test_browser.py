"""The website in a real browser: Chromium driven by Playwright against the live server.

- a citizen signs in, opens My data and takes a consent back (with and without JavaScript);
- axe-core finds no WCAG 2.2 A/AA problem on the main pages;
- My data fits a desktop and a 375px-wide phone screen (screenshots go to /tmp).

Needs Debian's chromium at /usr/bin/chromium, `npm ci` (axe-core) and `npm run build` (the
stylesheet). Without them the tests skip, except under CI, where they fail instead.
"""

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.people.models import Consent, Organisation, RecordCategory, Relationship
from tests import factories
from tests.browser.tools import (
    PASSWORD,
    SCREENSHOTS,
    check_accessibility,
    require_browser_tools,
    sign_in,
)
from tests.factories import HOSTILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    """A small, readable slice of the demo region (made with the test factories)."""
    locality = factories.LocalityFactory(name="Riverside", code="E09000099")
    gp = factories.OrganisationFactory(name="Riverside Health Centre", locality=locality)
    council = factories.OrganisationFactory(
        name="Riverside Council", kind=Organisation.Kind.COUNCIL, locality=locality
    )
    school = factories.OrganisationFactory(
        name="Riverside Academy", kind=Organisation.Kind.SCHOOL, locality=locality
    )
    citizen_user = factories.UserFactory(
        username="citizen", first_name="Amira", last_name="Khan", password=PASSWORD
    )
    citizen = factories.PersonFactory(
        user=citizen_user,
        given_name="Amira",
        family_name="Khan",
        nhs_number="9434765919",
        address_line_1="12 Mill Lane",
        email="amira.khan@example.org",
        locality=locality,
    )
    child = factories.PersonFactory(
        given_name="Yusuf",
        family_name="Khan",
        date_of_birth=dt.date(2015, 6, 1),
        address_line_1="12 Mill Lane",
        email="",
        preferred_channel="letter",
    )
    factories.RelationshipFactory(
        person=child, proxy=citizen, kind=Relationship.Kind.PARENT, scope="manage"
    )
    factories.CareRelationshipFactory(person=citizen, organisation=gp, reason="Registered patient")
    factories.CareRelationshipFactory(
        person=child, organisation=school, category=RecordCategory.EDUCATION, reason="Pupil"
    )
    council_consent = factories.ConsentFactory(
        person=citizen,
        organisation=council,
        category=RecordCategory.SOCIAL_CARE,
        purpose=f"Help at home {HOSTILE}",
    )
    factories.ConsentFactory(
        person=citizen,
        organisation=school,
        category=RecordCategory.HEALTH,
        purpose="School nurse",
        expires_at=timezone.now() + dt.timedelta(days=200),
    )
    clinician = factories.UserFactory(
        username="clinician", first_name="Grace", last_name="Okafor", password=PASSWORD
    )
    factories.RoleFactory(user=clinician, organisation=gp, job_title="GP")
    for n in range(3):
        factories.CareRelationshipFactory(
            organisation=gp,
            person=factories.PersonFactory(given_name=f"Patient{n}", family_name="Jones"),
            reason="Registered patient",
        )
    return {
        "citizen": citizen,
        "child": child,
        "council": council,
        "council_consent": council_consent,
        "gp": gp,
    }


def revoke_council_consent(page) -> None:
    page.goto("/my-data/")
    button = page.get_by_role(
        "button", name="Revoke consent for Riverside Council to see social care records"
    )
    button.click()
    # The check step says what changes before anything does.
    page.wait_for_url("**/revoke/")
    assert "will no longer be able to see your social care records" in page.content()
    page.get_by_role("button", name="Yes, take back consent").click()
    page.wait_for_url("**/my-data/#consents")


def test_citizen_signs_in_and_revokes_a_consent(new_page, riverside):
    page = new_page()
    sign_in(page, "citizen")
    assert page.get_by_role("heading", level=1).inner_text() == "Amira Khan"
    page.get_by_role("link", name="My data", exact=True).first.click()
    page.wait_for_url("**/my-data/")

    revoke_council_consent(page)
    banner = page.locator(".govuk-notification-banner--success")
    assert "Riverside Council can no longer see social care records" in banner.inner_text()
    row = page.locator("#consents-table tbody tr", has_text="Riverside Council")
    assert "Revoked" in row.inner_text()
    assert row.get_by_role("button").count() == 0
    riverside["council_consent"].refresh_from_db()
    assert riverside["council_consent"].revoked_at is not None
    # The other consent is untouched.
    assert Consent.objects.filter(revoked_at__isnull=True).count() == 1


def test_everything_works_without_javascript(new_page, riverside):
    page = new_page(javascript=False)
    sign_in(page, "citizen")
    revoke_council_consent(page)
    assert "can no longer see social care records" in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "You have signed out." in page.content()


def test_error_summary_takes_focus_with_javascript(new_page, riverside):
    page = new_page()
    sign_in(page, "citizen")
    page.goto("/my-data/")
    page.get_by_role("button", name="Give consent").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link", name="Select the organisation you are giving consent to").click()
    assert page.evaluate("document.activeElement.id") == "organisation"


def test_pages_have_no_accessibility_violations(new_page, riverside):
    page = new_page()
    for url, name in [("/", "the home page"), ("/sign-in/", "sign in")]:
        page.goto(url)
        check_accessibility(page, name)

    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(".govuk-error-summary")
    check_accessibility(page, "sign in with errors")

    sign_in(page, "citizen")
    check_accessibility(page, "the citizen's home")
    page.goto("/my-data/")
    check_accessibility(page, "My data")
    page.get_by_role("button", name="Give consent").click()
    page.wait_for_selector(".govuk-error-summary")
    check_accessibility(page, "My data with form errors")
    page.goto(f"/my-data/{riverside['child'].pk}/")
    check_accessibility(page, "My data for a child, as their parent")
    page.goto("/no-such-page/")
    check_accessibility(page, "page not found")

    staff = new_page()
    sign_in(staff, "clinician")
    check_accessibility(staff, "the staff home")
    staff.get_by_role("link", name="Amira Khan").click()
    staff.wait_for_url(f"**/people/{riverside['citizen'].pk}/")
    check_accessibility(staff, "the person page")


@pytest.mark.parametrize(
    ("label", "width", "height"), [("desktop", 1280, 900), ("phone", 375, 812)]
)
def test_my_data_fits_the_screen(new_page, live_server, riverside, label, width, height):
    page = new_page(width=width, height=height)
    sign_in(page, "citizen")
    page.goto("/my-data/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"My data is {overflow}px wider than a {width}px screen"
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" not in font and font.startswith("system-ui")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"coproduce-my-data-{label}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    # Everything the page needs comes from the service itself.
    fetched = page.evaluate("performance.getEntries().map(entry => entry.name)")
    assert [url for url in fetched if url.startswith("http")]
    assert all(url.startswith(live_server.url) for url in fetched if url.startswith("http"))


def test_the_demo_region_signs_in_revokes_and_passes_axe(new_page):
    """The same journeys on the demo region (`coproduce demo`), with its fixed sign-ins."""
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", people=200, seed=1, stdout=StringIO())
    page = new_page()
    sign_in(page, "citizen")
    check_accessibility(page, "the demo citizen's home")
    page.goto("/my-data/")
    check_accessibility(page, "the demo citizen's My data")
    current = Consent.objects.filter(person__user__username="citizen", revoked_at__isnull=True)
    before = current.count()
    assert before, "the demo citizen has no consent to take back"
    page.locator("#consents-table").get_by_role("button", name="Revoke").first.click()
    page.wait_for_url("**/revoke/")
    check_accessibility(page, "the check step before taking back a consent")
    page.get_by_role("button", name="Yes, take back consent").click()
    page.wait_for_url("**/my-data/#consents")
    assert "can no longer see" in page.locator(".govuk-notification-banner--success").inner_text()
    assert current.count() == before - 1

    staff = new_page()
    sign_in(staff, "clinician")
    check_accessibility(staff, "the demo clinician's home")
    staff.locator("table.govuk-table tbody a").first.click()
    staff.wait_for_url("**/people/*/")
    assert "Why you can see this" in staff.content()
    check_accessibility(staff, "a person page in the demo region")


def test_missing_tools_skip_locally_but_fail_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr("tests.browser.tools.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium"):
        require_browser_tools()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must never skip them"):
        require_browser_tools()
