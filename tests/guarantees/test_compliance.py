"""Compliance statistics: kept incrementally as events are recorded, equal to a rebuild from
the stored clock, and read from cells in a fixed number of queries."""

import datetime as dt
import random
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from coproduce import events
from coproduce.guarantees import actions, compliance
from coproduce.guarantees.models import (
    CompletedCell,
    ContactCell,
    Dimension,
    OpenCell,
    PathwayEvent,
)
from coproduce.guarantees.queries import pathway_clocks, scheme_rules
from coproduce.guarantees.rules import Status, event_types
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests.factories import (
    CareRelationshipFactory,
    LocalityFactory,
    OrganisationFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
RTT = "uk-nhs-rtt"
SWEDEN = "se-vardgaranti-2019"
NORWAY = "no-vurdering"


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def hospital():
    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Northgate Hospital")


@pytest.fixture
def clinician(hospital):
    return Actor(user=RoleFactory(organisation=hospital).user)


@pytest.fixture
def place():
    return LocalityFactory(name="Riverside", code="E09000099")


class Clinic:
    """A provider with a clinician, and patients who live in a place (or nowhere known)."""

    def __init__(self, provider, actor, locality=None):
        self.provider, self.actor, self.locality = provider, actor, locality

    def pathway(self, scheme=RTT, events=(), service="Orthopaedics", locality="default"):
        person = CareRelationshipFactory(
            organisation=self.provider,
            person__locality=self.locality if locality == "default" else locality,
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


@pytest.fixture
def clinic(hospital, clinician, place):
    return Clinic(hospital, clinician, place)


def totals(scheme=RTT, stage="rtt", dimension=Dimension.PROVIDER, **options):
    rows = compliance.summary(
        scheme, stage, dimension=dimension, as_of=TODAY, per_month=False, **options
    )
    return {row.unit_code: row for row in rows}


def waiting(scheme=RTT, stage="rtt", as_of=TODAY, **options):
    return {
        row.unit_code: row
        for row in compliance.still_waiting(scheme, stage, as_of=as_of, **options)
    }


def no_drift():
    drift = compliance.statistics_drift()
    assert drift == {}, drift
    return True


# --- completed waits -----------------------------------------------------------------------


def test_a_met_wait_raises_the_share_within_the_limit_and_medians_are_exact(clinic, hospital):
    clinic.pathway(events=[("referral", days_ago(100)), ("treatment", days_ago(10))])
    row = totals()[hospital.code]
    assert (row.completed, row.met, row.within_limit_percent, row.median_days) == (1, 1, 100, 90)

    clinic.pathway(events=[("referral", days_ago(200)), ("treatment", days_ago(5))])
    clinic.pathway(events=[("referral", days_ago(60)), ("treatment", days_ago(2))])
    row = totals()[hospital.code]
    assert (row.completed, row.met, row.breached) == (3, 2, 1)
    assert row.within_limit_percent == pytest.approx(200 / 3)
    assert row.median_days == 90  # 58, 90, 195
    assert row.percentile_92_days == 195

    clinic.pathway(events=[("referral", days_ago(41)), ("treatment", days_ago(1))])
    row = totals()[hospital.code]
    assert row.median_days == 74  # (58 + 90) / 2
    assert no_drift()


def test_each_month_counts_the_stages_that_ended_in_it(clinic, hospital):
    last_month = compliance.month_of(TODAY) - dt.timedelta(days=1)
    clinic.pathway(
        events=[("referral", last_month - dt.timedelta(days=30)), ("treatment", last_month)]
    )
    clinic.pathway(events=[("referral", days_ago(20)), ("treatment", TODAY)])
    rows = compliance.provider_month_summary(RTT, "rtt", as_of=TODAY)
    assert [row.month for row in rows] == compliance.months_between(
        compliance.window_start(TODAY, 13), TODAY
    )
    by_month = {row.month: row for row in rows}
    assert by_month[compliance.month_of(last_month)].median_days == 30
    assert by_month[compliance.month_of(TODAY)].median_days == 20
    assert by_month[compliance.window_start(TODAY, 13)].completed == 0


def test_a_correction_moves_a_completed_wait_back_to_waiting(clinic, hospital):
    pathway = clinic.pathway(events=[("referral", days_ago(100))])
    treated = clinic.record(pathway, "treatment", days_ago(3))
    assert totals()[hospital.code].completed == 1
    assert hospital.code not in waiting()

    clinic.record(pathway, PathwayEvent.ENTERED_IN_ERROR, days_ago(1), corrects=treated)
    assert totals() == {}
    now_waiting = waiting()[hospital.code]
    assert now_waiting.waiting == 1
    assert now_waiting.bands[2] == 1  # 100 days: 13 to 18 weeks
    # The emptied cell is gone, not left at zero.
    assert not CompletedCell.objects.filter(count=0).exists()
    assert CompletedCell.objects.count() == 0
    assert no_drift()


def test_a_correction_to_another_date_moves_the_wait_between_histogram_days(clinic, hospital):
    pathway = clinic.pathway(events=[("referral", days_ago(100))])
    treated = clinic.record(pathway, "treatment", days_ago(3))
    clinic.record(pathway, "treatment", days_ago(50), corrects=treated)
    row = totals()[hospital.code]
    assert (row.completed, row.median_days) == (1, 50)
    assert no_drift()


def test_lapsed_and_nullified_waits_are_counted_apart_from_the_share(clinic, hospital):
    clinic.pathway(events=[("referral", days_ago(30)), ("dna", days_ago(20))])  # nullified
    clinic.pathway(events=[("referral", days_ago(90)), ("treatment", days_ago(1))])
    sweden = clinic.pathway(
        scheme=SWEDEN,
        events=[("referral", days_ago(40)), ("dna", days_ago(30)), ("dna", days_ago(20))],
    )
    rtt = totals()[hospital.code]
    assert (rtt.nullified, rtt.completed, rtt.within_limit_percent) == (1, 1, 100)
    swedish = totals(SWEDEN, "specialist_visit")[hospital.code]
    assert (swedish.lapsed, swedish.completed, swedish.within_limit_percent) == (1, 0, None)
    lapsed_days = CompletedCell.objects.filter(outcome=Status.LAPSED, pk__gt=0)
    # Counted at 0 days (and in the month's total row for lapsed waits, at -1).
    assert set(lapsed_days.values_list("days_waited", flat=True)) == {0, compliance.ALL_DAYS}
    assert sweden.pk
    assert no_drift()


def test_patient_chosen_and_medical_waits_are_reported_apart(clinic, hospital):
    clinic.pathway(
        scheme=SWEDEN,
        events=[
            ("referral", days_ago(100)),
            ("patient_wait_start", days_ago(80)),
            ("patient_wait_end", days_ago(50)),
            ("medical_wait_start", days_ago(40)),
            ("medical_wait_end", days_ago(30)),
            ("first_visit", days_ago(10)),
        ],
    )
    clinic.pathway(scheme=SWEDEN, events=[("referral", days_ago(60)), ("first_visit", days_ago(5))])
    row = totals(SWEDEN, "specialist_visit")[hospital.code]
    assert (row.completed, row.met, row.median_days) == (2, 2, 52.5)  # 90 - 30 - 10 = 50, and 55
    assert (row.patient_count, row.patient_days, row.medical_count, row.medical_days) == (
        1,
        30,
        1,
        10,
    )
    assert no_drift()


def test_localities_count_where_people_live_and_skip_people_with_no_known_place(clinic, place):
    clinic.pathway(events=[("referral", days_ago(30)), ("treatment", days_ago(1))])
    clinic.pathway(events=[("referral", days_ago(30)), ("treatment", days_ago(1))], locality=None)
    by_place = totals(dimension=Dimension.LOCALITY)
    assert list(by_place) == [place.code]
    assert by_place[place.code].completed == 1
    assert by_place[place.code].unit_name == "Riverside"
    rows = compliance.locality_month_summary(RTT, "rtt", as_of=TODAY)
    assert {row.unit_code for row in rows} == {place.code}


def test_services_are_added_together_unless_one_is_asked_for(clinic, hospital):
    clinic.pathway(events=[("referral", days_ago(30)), ("treatment", days_ago(1))])
    clinic.pathway(
        events=[("referral", days_ago(10)), ("treatment", days_ago(1))], service="Cardiology"
    )
    assert totals()[hospital.code].completed == 2
    assert totals(service="Cardiology")[hospital.code].median_days == 9


# --- open waits ----------------------------------------------------------------------------


def test_open_waits_age_into_later_bands_and_over_the_limit_without_re_evaluation(clinic, hospital):
    clinic.pathway(events=[("referral", days_ago(100))])
    clinic.pathway(events=[("referral", days_ago(15))])
    today = waiting()[hospital.code]
    assert (today.bands, today.over_limit) == ((1, 0, 1, 0, 0, 0), 0)
    assert (today.median_days, today.percentile_92_days) == (57.5, 100)
    later = waiting(as_of=TODAY + dt.timedelta(days=30))[hospital.code]
    assert (later.bands, later.over_limit) == ((0, 1, 0, 1, 0, 0), 1)  # 45 and 130 days
    assert (later.median_days, later.within_limit_percent) == (87.5, 50)


def test_a_paused_wait_is_counted_by_why_and_resumes_where_it_stopped(clinic, hospital):
    pathway = clinic.pathway(
        scheme=SWEDEN, events=[("referral", days_ago(100)), ("patient_wait_start", days_ago(20))]
    )
    paused = waiting(SWEDEN, "specialist_visit")[hospital.code]
    assert (paused.waiting, paused.paused_by("patient"), paused.paused_total) == (0, 1, 1)
    # 80 days counted so far: not over the 90-day limit, however long the pause lasts.
    assert (
        waiting(SWEDEN, "specialist_visit", as_of=TODAY + dt.timedelta(days=60))[
            hospital.code
        ].over_limit
        == 0
    )

    clinic.record(pathway, "patient_wait_end", days_ago(5))
    resumed = waiting(SWEDEN, "specialist_visit")[hospital.code]
    assert (resumed.waiting, resumed.paused_total) == (1, 0)
    assert resumed.bands[1] == 1  # 100 - 15 = 85 days
    assert (
        waiting(SWEDEN, "specialist_visit", as_of=TODAY + dt.timedelta(days=5))[
            hospital.code
        ].over_limit
        == 0
    )
    assert (
        waiting(SWEDEN, "specialist_visit", as_of=TODAY + dt.timedelta(days=6))[
            hospital.code
        ].over_limit
        == 1
    )
    assert no_drift()


@pytest.mark.parametrize("later", [0, 1, 3, 7, 12, 30])
def test_over_the_limit_agrees_with_the_live_clock_for_working_days(clinic, hospital, later):
    pathways = [
        clinic.pathway(scheme=NORWAY, events=[("referral", days_ago(n))])
        for n in (1, 5, 9, 12, 14, 15, 16, 20)
    ]
    as_of = TODAY + dt.timedelta(days=later)
    breached = sum(
        1 for pathway in pathways if pathway_clocks(pathway, as_of)[0].status == Status.BREACHED
    )
    assert waiting(NORWAY, "referral_assessment", as_of=as_of)[hospital.code].over_limit == breached


def test_over_the_limit_agrees_with_the_live_clock_after_a_pause(clinic, hospital):
    pathways = [
        clinic.pathway(
            scheme=SWEDEN,
            events=[
                ("referral", days_ago(n)),
                ("examination_start", days_ago(n - 3)),
                ("examination_end", days_ago(n - 13)),
            ],
        )
        for n in (40, 95, 99, 100, 101, 102, 110)
    ]
    for later in (0, 2, 5):
        as_of = TODAY + dt.timedelta(days=later)
        breached = sum(pathway_clocks(p, as_of)[1].status == Status.BREACHED for p in pathways)
        assert (
            waiting(SWEDEN, "specialist_visit", as_of=as_of)[hospital.code].over_limit == breached
        )


# --- the 0 of 0-7-90-90 --------------------------------------------------------------------


def test_same_day_contacts_are_measured_per_practice(clinic, hospital):
    clinic.pathway(scheme=SWEDEN, events=[("contact", TODAY), ("contact_answered", TODAY)])
    late = clinic.pathway(scheme=SWEDEN, events=[("contact", days_ago(1))])
    rows = compliance.same_day_contacts(as_of=TODAY, per_month=False)
    assert [(r.provider_code, r.contacts, r.answered_same_day) for r in rows] == [
        (hospital.code, 2, 1)
    ]
    assert rows[0].same_day_percent == 50
    answered = clinic.record(late, "contact_answered", days_ago(1))
    assert compliance.same_day_contacts(as_of=TODAY, per_month=False)[0].answered_same_day == 2
    clinic.record(late, PathwayEvent.ENTERED_IN_ERROR, TODAY, corrects=answered)
    assert compliance.same_day_contacts(as_of=TODAY, per_month=False)[0].answered_same_day == 1
    assert no_drift()


# --- alternatives --------------------------------------------------------------------------


def test_current_median_waits_by_provider_fall_back_to_open_waits(clinic, hospital, place):
    quick = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    quick_clinic = Clinic(quick, Actor(user=RoleFactory(organisation=quick).user), place)
    idle = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    idle_clinic = Clinic(idle, Actor(user=RoleFactory(organisation=idle).user), place)
    for n in (100, 120, 130):
        clinic.pathway(events=[("referral", days_ago(n + 2)), ("treatment", days_ago(2))])
    quick_clinic.pathway(events=[("referral", days_ago(22)), ("treatment", days_ago(2))])
    quick_clinic.pathway(events=[("referral", days_ago(12)), ("treatment", days_ago(2))])
    # Completed long ago: not current. Still waiting: 30 and 40 days.
    idle_clinic.pathway(events=[("referral", days_ago(400)), ("treatment", days_ago(200))])
    idle_clinic.pathway(events=[("referral", days_ago(30))])
    idle_clinic.pathway(events=[("referral", days_ago(40))])
    # Another service does not count.
    quick_clinic.pathway(
        events=[("referral", days_ago(300)), ("treatment", days_ago(1))], service="Cardiology"
    )
    medians = compliance.median_waits_by_provider("uk-nhs-rtt", "rtt", "Orthopaedics", TODAY)
    assert medians == {hospital.pk: 120, quick.pk: 15, idle.pk: 35}


def test_a_scheme_family_adds_its_schemes_together(clinic, hospital):
    clinic.pathway(
        scheme=SWEDEN, events=[("referral", days_ago(20)), ("first_visit", days_ago(10))]
    )
    assert compliance.median_waits_by_provider(
        "se-vardgaranti", "specialist_visit", "Orthopaedics", TODAY
    ) == {hospital.pk: 10}


# --- incremental equals rebuilt ------------------------------------------------------------


def snapshot():
    return tuple(compliance._stored_cells())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_statistics_equal_a_rebuild_after_random_events_and_corrections(
    hospital, clinician, place, seed
):
    rng = random.Random(seed)
    other_place = LocalityFactory()
    clinic = Clinic(hospital, clinician, place)
    pathways = []
    for _ in range(14):
        scheme = rng.choice([RTT, SWEDEN, SWEDEN, NORWAY])
        locality = rng.choice(["default", None, other_place])
        service = rng.choice(["Orthopaedics", "Cardiology"])
        pathways.append((clinic.pathway(scheme=scheme, service=service, locality=locality), scheme))
    recorded: list[PathwayEvent] = []
    for _ in range(120):
        pathway, scheme = rng.choice(pathways)
        standing = [
            e for e in recorded if e.pathway_id == pathway.pk and e.type != "entered_in_error"
        ]
        corrected = set(
            PathwayEvent.objects.filter(corrects__isnull=False).values_list(
                "corrects_id", flat=True
            )
        )
        standing = [e for e in standing if e.pk not in corrected]
        types = sorted(event_types(scheme_rules(scheme)))
        day = days_ago(rng.randint(0, 300))
        if standing and rng.random() < 0.2:
            target = rng.choice(standing)
            if rng.random() < 0.5:
                recorded.append(clinic.record(pathway, "entered_in_error", TODAY, corrects=target))
            else:
                recorded.append(clinic.record(pathway, target.type, day, corrects=target))
        else:
            weights = [6 if t in ("referral", "contact", "decision_to_treat") else 1 for t in types]
            recorded.append(clinic.record(pathway, rng.choices(types, weights)[0], day))
        if rng.random() < 0.05:
            # Time passes: a job re-evaluates a wait on a later day.
            actions.evaluate_pathway(pathway.pk, TODAY + dt.timedelta(days=rng.randint(0, 60)))
    assert CompletedCell.objects.exists() and OpenCell.objects.exists()
    assert ContactCell.objects.exists()
    assert not CompletedCell.objects.filter(count__lte=0).exists()
    assert not OpenCell.objects.filter(count__lte=0).exists()
    assert no_drift()
    before = snapshot()
    counts = compliance.rebuild_statistics()
    assert snapshot() == before
    assert counts == {
        "completed": len(before[0]),
        "open": len(before[1]),
        "contacts": len(before[2]),
    }


def test_a_rebuild_repairs_drifted_cells(clinic, hospital):
    clinic.pathway(events=[("referral", days_ago(100)), ("treatment", days_ago(1))])
    clinic.pathway(events=[("referral", days_ago(10))])
    before = snapshot()
    CompletedCell.objects.update(count=7)
    OpenCell.objects.all().delete()
    drift = compliance.statistics_drift()
    assert set(drift) == {"completed", "open"}
    compliance.rebuild_statistics()
    assert snapshot() == before


# --- announcing changes ----------------------------------------------------------------------


def test_a_change_is_announced_after_commit_with_what_changed(
    clinic, hospital, django_capture_on_commit_callbacks
):
    pathway = clinic.pathway(events=[("referral", days_ago(30))])
    heard = []

    def listener(event):
        heard.append(event.payload)

    events.subscribe("guarantee.statistics_changed")(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            clinic.record(pathway, "treatment", TODAY)
        with django_capture_on_commit_callbacks(execute=True):
            # Nothing about the statistics changes: nothing is announced.
            actions.evaluate_pathway(pathway.pk)
    finally:
        events.unsubscribe("guarantee.statistics_changed", listener)
    assert len(heard) == 1
    changes = heard[0]["changes"]
    month = compliance.month_of(TODAY).isoformat()
    assert {
        "scheme": RTT,
        "figures": "completed",
        "stage": "rtt",
        "dimension": "provider",
        "unit": hospital.code,
        "service": "Orthopaedics",
        "month": month,
    } in changes
    assert {c["figures"] for c in changes} == {"completed", "waiting"}
    assert {c["dimension"] for c in changes} == {"provider", "locality"}


# --- reading costs the same however many pathways --------------------------------------------


def test_queries_read_a_fixed_number_of_rows_and_queries(clinic, django_assert_max_num_queries):
    for n in range(6):
        clinic.pathway(events=[("referral", days_ago(40 + n)), ("treatment", days_ago(n))])
        clinic.pathway(scheme=SWEDEN, events=[("contact", days_ago(n)), ("referral", days_ago(n))])
    # Each reads the scheme's rules stamp once (queries.scheme_rules, given a code).
    with django_assert_max_num_queries(4):
        compliance.provider_month_summary(RTT, "rtt", as_of=TODAY)
    with django_assert_max_num_queries(4):
        compliance.still_waiting(SWEDEN, "specialist_visit", as_of=TODAY)
    with django_assert_max_num_queries(1):
        compliance.same_day_contacts(as_of=TODAY)
    with django_assert_max_num_queries(4):
        compliance.median_waits_by_provider(RTT, "rtt", "Orthopaedics", TODAY)


# --- pure helpers ----------------------------------------------------------------------------


def test_median_and_percentile_from_a_histogram():
    assert compliance.median({}) is None
    assert compliance.median({5: 1}) == 5
    assert compliance.median({1: 1, 2: 1, 3: 1, 4: 1}) == 2.5
    assert compliance.median({10: 3, 20: 1}) == 10
    histogram = {day: 1 for day in range(1, 101)}
    assert compliance.percentile(histogram, 92) == 92
    assert compliance.percentile({1: 92, 50: 8}, 92) == 1
    assert compliance.percentile({1: 91, 50: 9}, 92) == 50


def test_bands_fit_both_a_90_day_and_an_18_week_limit():
    edges = [band.first_day for band in compliance.BANDS]
    assert 91 in edges and 127 in edges
    assert [compliance.band_index(d) for d in (0, 41, 42, 90, 91, 126, 127, 363, 364, 5000)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        4,
        5,
        5,
    ]


def test_counts_from_working_days_skips_weekends_and_holidays():
    calendar = compliance._stage_calendar(NORWAY, "referral_assessment")
    friday = dt.date(2026, 11, 20)
    assert compliance.counts_from(friday, 1, calendar) == dt.date(2026, 11, 23)
    assert compliance.counts_from(friday, 0, calendar) == friday
    assert compliance.counts_from(friday, 3, None) == dt.date(2026, 11, 23)


# --- at the same time ---------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_events_recorded_at_once_for_one_provider_and_month_keep_exact_figures(place):
    """Two clerks record treatments at the same provider at the same moment, over and over,
    moving the same month's histogram and median: no deadlock, nothing lost."""
    provider = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    clinic = Clinic(provider, Actor(user=RoleFactory(organisation=provider).user), place)
    pathways = [clinic.pathway(events=[("referral", days_ago(30 + 40 * n))]) for n in range(4)]
    start = threading.Barrier(2)
    failures = []

    def clerk(mine):
        try:
            for day in (5, 3, 1, 0):
                start.wait(timeout=30)
                for pathway in mine:
                    event = clinic.record(pathway, "treatment", days_ago(day))
                    if day:
                        clinic.record(pathway, PathwayEvent.ENTERED_IN_ERROR, TODAY, event)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    clerks = [threading.Thread(target=clerk, args=(pathways[n::2],)) for n in range(2)]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(timeout=120)
    assert not failures
    row = totals()[provider.code]
    assert (row.completed, row.median_days, row.percentile_92_days) == (4, 90, 150)
    assert no_drift()
