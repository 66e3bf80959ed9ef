"""The public statistics pages: anyone can read them, figures per provider are in full and
small places' small numbers hidden, the chart has its figures in a table and labels a month
without waits, and a recorded event shows at once."""

import datetime as dt
import re

import pytest
from django.urls import include, path, reverse
from django.utils import timezone

from coproduce import disclosure
from coproduce import urls as site_urls
from coproduce.guarantees import actions
from coproduce.guarantees.models import PathwayEvent
from coproduce.guarantees.statistics_views import show_percent, statistics_urlpatterns
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
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
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

TODAY = timezone.localdate()
THIS_MONTH = TODAY.strftime("%Y-%m")
PAGE = "/waits/statistics/"


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


class Clinic:
    def __init__(self, name, locality):
        self.provider = OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name=name)
        self.actor = Actor(user=RoleFactory(organisation=self.provider).user)
        self.locality = locality

    def wait(self, scheme="uk-nhs-rtt", events=(), service="Orthopaedics"):
        person = CareRelationshipFactory(
            organisation=self.provider, person__locality=self.locality
        ).person
        pathway = actions.open_pathway(
            self.actor,
            person_id=person.pk,
            scheme_code=scheme,
            provider_id=self.provider.pk,
            service=service,
        )
        for type_, on in events:
            self.record(pathway, type_, on)
        return pathway

    def record(self, pathway, type_, on, corrects=None):
        return actions.record_event(
            self.actor,
            pathway_id=pathway.pk,
            type=type_,
            occurred_on=on,
            corrects_id=corrects.pk if corrects else None,
        )

    def treated(self, waited: int, **options):
        return self.wait(events=[("referral", days_ago(waited)), ("treatment", TODAY)], **options)


@pytest.fixture
def place():
    return LocalityFactory(name="Riverside")


@pytest.fixture
def busy(place):
    """A provider with 10 waits ended this month: 5 within 18 weeks, 5 not."""
    clinic = Clinic("Northgate Hospital", place)
    for waited in (10, 20, 30, 40, 50, 130, 140, 150, 160, 200):
        clinic.treated(waited)
    clinic.wait(events=[("referral", days_ago(100))])
    return clinic


@pytest.fixture
def quiet():
    """A provider with 2 waits ended this month, for people who live in a small place."""
    clinic = Clinic(f"Southbank Clinic {HOSTILE}", LocalityFactory(name="Hillside"))
    clinic.treated(15)
    clinic.treated(25)
    return clinic


def get(client, url=PAGE, **query):
    response = client.get(url, {"month": THIS_MONTH, **query})
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, name: str) -> list[str]:
    """The text of the cells of the first table row that starts with `name`."""
    for row in re.findall(r"<tr class=\"govuk-table__row\"[^>]*>(.*?)</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name!r}")


def test_anyone_can_read_the_figures_per_provider(client, busy):
    html = get(client)
    # The busiest guarantee is shown first.
    assert (
        '<h1 class="govuk-heading-xl coproduce-wrap">Waiting times: Referral to treatment' in html
    )
    ended, within, median, p92 = row_of(html, "Northgate Hospital")[1:5]
    assert (ended, within, median, p92) == ("10", "50%", "90", "200")


def table(html: str, caption_id: str) -> str:
    return re.search(rf'id="{caption_id}".*?</table>', html, re.S).group(0)


def test_a_small_provider_is_published_in_full_and_its_name_escaped(client, busy, quiet):
    html = get(client)
    escaped = "Southbank Clinic &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;\u202e"
    assert "<script>alert" not in html
    # 2 waits, of 15 and 25 days: a provider's performance is not about any one person.
    assert row_of(table(html, "ended-caption"), escaped)[1:5] == ["2", "100%", "20", "25"]
    assert "Figures per provider are published in full" in html


def test_a_small_place_has_its_small_numbers_hidden_and_the_rest_rounded(client, busy, quiet):
    busy.treated(15)
    busy.treated(25)
    places = table(get(client), "places-ended-caption")
    # England's rule: 1 to 7 hidden, with the share and the days worked out from them.
    assert row_of(places, "Hillside")[1:5] == ["hidden"] * 4
    # 12 waits are shown as 10; the share is of the 12: 7 within 18 weeks.
    assert row_of(places, "Riverside")[1:3] == ["10", "58%"]
    html = get(client)
    assert "do not show counts from 1 to 7" in html
    assert "rounded to the nearest 5" in html
    assert "do not show counts from 1 to 4" in get(client, scheme="se-vardgaranti-2019")


def test_still_waiting_by_weeks_and_over_the_limit(client, busy):
    html = get(client)
    # One wait of 100 days, in "13 to 18 weeks": in full for the provider...
    cells = row_of(table(html, "waiting-caption"), "Northgate Hospital")
    assert cells[1:9] == ["0", "0", "1", "0", "0", "0", "1", "0"]
    # ...hidden for the place where the person lives, and so is the total.
    cells = row_of(table(html, "places-waiting-caption"), "Riverside")
    assert cells[1:9] == ["0", "0", "hidden", "0", "0", "0", "hidden", "0"]


def test_by_place_and_the_same_day_promise_only_where_it_applies(client, busy, place):
    html = get(client)
    assert row_of(html, "Riverside")[1] == "10"
    assert "Contacts answered the same day" not in html
    sweden = get(client, scheme="se-vardgaranti-2019")
    assert "Contacts answered the same day" in sweden
    assert "Time that did not count" in sweden


def test_a_practice_s_contacts_answered_the_same_day_are_in_full(client, place):
    practice = Clinic("Millbrook Vårdcentral", place)
    for answered in (True, True, False):
        events = [("contact", TODAY)] + ([("contact_answered", TODAY)] if answered else [])
        practice.wait(scheme="se-vardgaranti-2019", events=events)
    sweden = get(client, scheme="se-vardgaranti-2019")
    contacts = table(sweden, "same-day-caption")
    assert row_of(contacts, "Millbrook Vårdcentral")[1:4] == ["3", "2", "67%"]


def test_the_filters_fall_back_to_a_scheme_and_its_first_stage(client, busy):
    html = get(client, scheme="no-such-scheme", stage="nor-this")
    assert '<option value="uk-nhs-rtt" selected>' in html
    assert '<option value="rtt" selected>' in html
    html = get(client, scheme="se-vardgaranti-2019", stage="rtt")
    stage = re.search(r'<select class="govuk-select" id="stage".*?</select>', html, re.S).group(0)
    assert re.search(r'value="assessment" selected', stage)


def test_a_provider_page_has_a_chart_and_a_table_of_the_same_figures(client, busy):
    overview = get(client)
    link = re.search(r'<a class="govuk-link" href="([^"]+)">Northgate Hospital</a>', overview)
    html = get(client, link.group(1).replace("&amp;", "&").split("?")[0])
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img" aria-labelledby="chart-title chart-description"' in html
    assert html.count("<rect ") == 1  # only this month has waits
    this_month = timezone.localdate().strftime("%B %Y") + " (so far)"
    assert row_of(html, this_month)[1:3] == ["10", "50%"]
    assert "All providers" in html


def test_a_month_without_waits_is_a_labelled_gap_never_0_percent(client, busy):
    html = get(client, PAGE + f"providers/{busy.provider.code}/")
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%B %Y")
    assert row_of(html, last_month)[1:3] == ["0", "none"]
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    notes = re.findall(r"<text [^>]*rotate\(-90[^>]*>([^<]*)</text>", svg)
    assert notes == ["none"] * 12
    assert svg.count(">0%</text>") == 1  # the axis label only


def test_an_unknown_provider_is_not_found(client):
    assert client.get(PAGE + "providers/NOPE/").status_code == 404


def test_a_recorded_event_shows_at_once(client, busy):
    pathway = busy.wait(events=[("referral", days_ago(60))])
    assert row_of(get(client), "Northgate Hospital")[1] == "10"
    treated = busy.record(pathway, "treatment", TODAY)
    assert row_of(get(client), "Northgate Hospital")[1:3] == ["11", "55%"]
    busy.record(pathway, PathwayEvent.ENTERED_IN_ERROR, TODAY, corrects=treated)
    assert row_of(get(client), "Northgate Hospital")[1:3] == ["10", "50%"]


def test_the_page_reads_a_fixed_number_of_queries(
    client, busy, place, django_assert_max_num_queries
):
    for n in range(3):
        Clinic(f"Clinic {n}", place).treated(20 + n)
    with django_assert_max_num_queries(20):
        get(client)
    with django_assert_max_num_queries(14):
        get(client, PAGE + f"providers/{busy.provider.code}/")


def test_a_share_is_shown_whenever_its_denominator_meets_the_threshold():
    shares = ((0, 0), (2, 3), (7, 8), (10, 10), (0, 10), (97, 100), (1, 10))
    assert [show_percent(part, base, disclosure.NHS_ENGLAND) for part, base in shares] == [
        "none",
        "hidden",
        "88%",
        "100%",
        "0%",
        "97%",
        "10%",
    ]
    assert [show_percent(part, base, disclosure.FULL) for part, base in shares[:3]] == [
        "none",
        "67%",
        "88%",
    ]
    assert show_percent(1995, 2000, disclosure.SWEDEN) == "over 99%"
    assert show_percent(5, 2000, disclosure.SWEDEN) == "under 1%"


@pytest.mark.urls("coproduce.urls")
def test_the_site_mounts_the_pages_at_waits_statistics(client, busy):
    assert reverse("guarantees:statistics") == PAGE
    html = get(client)
    link = f"{PAGE}providers/{busy.provider.code}/?"
    assert link in html
    assert client.get(link).status_code == 200
