"""The clock's counting rules, one worked case each (docs/guarantees.md explains them)."""

from dataclasses import replace
from datetime import date

import pytest

from coproduce.guarantees.calendars import OutsideCalendar, working_days
from coproduce.guarantees.clock import evaluate
from coproduce.guarantees.rules import (
    ClockEvent,
    ExclusionKind,
    ExclusionRule,
    LimitUnit,
    SchemeRules,
    StageClock,
    StageRule,
    Status,
    builtin_definitions,
    rules_from_definition,
)

SCHEMES = {
    definition["code"]: rules_from_definition(definition) for definition in builtin_definitions()
}
PATIENT = ExclusionKind.PATIENT
MEDICAL = ExclusionKind.MEDICAL
EXAMINATION = ExclusionKind.EXAMINATION


def clocks(scheme: str | SchemeRules, events: list[tuple[str, str]], as_of: str):
    """Every stage's clock, by stage code, from (type, ISO date) pairs."""
    rules = SCHEMES[scheme] if isinstance(scheme, str) else scheme
    clock_events = [ClockEvent(kind, date.fromisoformat(day)) for kind, day in events]
    return {
        clock.stage: clock for clock in evaluate(rules, clock_events, date.fromisoformat(as_of))
    }


def specialist(events: list[tuple[str, str]], as_of: str) -> StageClock:
    return clocks("se-vardgaranti-2019", events, as_of)["specialist_visit"]


def rtt(events: list[tuple[str, str]], as_of: str) -> StageClock:
    return clocks("uk-nhs-rtt", events, as_of)["rtt"]


def assessment_no(events: list[tuple[str, str]], as_of: str) -> StageClock:
    return clocks("no-vurdering", events, as_of)["referral_assessment"]


def d(text: str) -> date:
    return date.fromisoformat(text)


# Statuses, limits and deadlines


def test_stages_come_back_in_scheme_order_even_when_later_ones_start_first():
    result = evaluate(
        SCHEMES["se-vardgaranti-2019"],
        [ClockEvent("decision_to_treat", d("2026-01-05")), ClockEvent("contact", d("2026-02-01"))],
        d("2026-02-02"),
    )
    assert [clock.stage for clock in result] == ["assessment", "specialist_visit", "treatment"]


def test_a_stage_stopped_on_its_limit_day_is_met():
    clock = specialist([("referral", "2026-03-01"), ("first_visit", "2026-05-30")], "2026-06-30")
    assert clock == StageClock(
        stage="specialist_visit",
        status=Status.MET,
        start=d("2026-03-01"),
        end=d("2026-05-30"),
        deadline=d("2026-05-30"),
        days_waited=90,
        limit=90,
    )


def test_a_stage_stopped_a_day_after_its_limit_is_breached():
    clock = specialist([("referral", "2026-03-01"), ("first_visit", "2026-05-31")], "2026-06-30")
    assert (clock.status, clock.days_waited, clock.deadline) == (
        Status.BREACHED,
        91,
        d("2026-05-30"),
    )


def test_an_open_stage_within_its_limit_is_running_and_past_it_is_breached():
    on_deadline = specialist([("referral", "2026-03-01")], "2026-05-30")
    assert (on_deadline.status, on_deadline.days_waited, on_deadline.end) == (
        Status.RUNNING,
        90,
        None,
    )
    day_after = specialist([("referral", "2026-03-01")], "2026-05-31")
    assert (day_after.status, day_after.days_waited, day_after.deadline) == (
        Status.BREACHED,
        91,
        d("2026-05-30"),
    )
    assert not day_after.at_risk


def test_a_running_stage_is_at_risk_once_it_has_used_its_share_of_the_limit():
    # 80% of 90 days is 72 days.
    assert not specialist([("referral", "2026-03-01")], "2026-05-11").at_risk  # 71 days
    assert specialist([("referral", "2026-03-01")], "2026-05-12").at_risk  # 72 days
    # A stopped stage is never at risk, however long it took.
    assert not specialist(
        [("referral", "2026-03-01"), ("first_visit", "2026-05-20")], "2026-06-30"
    ).at_risk


def test_at_risk_uses_the_limit_in_days_for_weeks():
    # 18 weeks = 126 days; 80% is 100.8, so 101 days.
    assert rtt([("referral", "2026-01-01")], "2026-04-11").days_waited == 100
    assert not rtt([("referral", "2026-01-01")], "2026-04-11").at_risk
    assert rtt([("referral", "2026-01-01")], "2026-04-12").at_risk


def test_at_risk_is_not_thrown_by_floating_point():
    # 0.7 x 10 is 7.000000000000001 in floating point; 7 days of 10 is still at risk at 70%.
    rules = replace(SCHEMES["se-vardgaranti-2019"], at_risk_fraction=0.7)
    stage = replace(rules.stages[0], limit=10)
    rules = replace(rules, stages=(stage,))
    clock = clocks(rules, [("contact", "2026-03-01")], "2026-03-08")["assessment"]
    assert (clock.days_waited, clock.at_risk) == (7, True)


def test_a_stage_whose_start_has_not_happened_is_not_started_with_nothing_else_set():
    clock = specialist([("contact", "2026-03-01")], "2026-03-02")
    assert clock == StageClock(stage="specialist_visit", status=Status.NOT_STARTED, limit=90)


def test_weeks_count_as_seven_days():
    met = rtt([("referral", "2026-01-01"), ("treatment", "2026-05-07")], "2026-06-01")
    assert (met.status, met.days_waited, met.limit, met.deadline) == (
        Status.MET,
        126,
        126,
        d("2026-05-07"),
    )
    assert rtt([("referral", "2026-01-01"), ("treatment", "2026-05-08")], "2026-06-01").status == (
        Status.BREACHED
    )


@pytest.mark.parametrize("stop", ["treatment", "decision_not_to_treat", "active_monitoring"])
def test_any_stop_event_stops_the_clock(stop):
    assert rtt([("referral", "2026-01-01"), (stop, "2026-02-01")], "2026-06-01").status == (
        Status.MET
    )


# Which events count


def test_events_after_as_of_are_ignored():
    clock = specialist([("referral", "2026-03-01"), ("first_visit", "2026-04-01")], "2026-03-31")
    assert (clock.status, clock.end, clock.days_waited) == (Status.RUNNING, None, 30)
    assert specialist([("referral", "2026-04-01")], "2026-03-31").status == Status.NOT_STARTED


def test_the_first_start_event_starts_the_stage_and_later_ones_are_ignored():
    open_stage = specialist([("referral", "2026-03-01"), ("referral", "2026-03-20")], "2026-04-01")
    assert open_stage.start == d("2026-03-01")
    finished = specialist(
        [("referral", "2026-03-01"), ("first_visit", "2026-03-10"), ("referral", "2026-03-20")],
        "2026-04-01",
    )
    assert (finished.status, finished.start, finished.end) == (
        Status.MET,
        d("2026-03-01"),
        d("2026-03-10"),
    )


def test_stop_events_before_the_start_are_ignored_and_the_first_after_it_stops():
    clock = specialist(
        [
            ("first_visit", "2026-02-01"),
            ("referral", "2026-03-01"),
            ("first_visit", "2026-03-10"),
            ("first_visit", "2026-03-20"),
        ],
        "2026-04-01",
    )
    assert (clock.status, clock.end, clock.days_waited) == (Status.MET, d("2026-03-10"), 9)


def test_same_day_events_apply_in_the_order_given():
    start_then_stop = specialist(
        [("referral", "2026-03-01"), ("first_visit", "2026-03-01")], "2026-04-01"
    )
    assert (start_then_stop.status, start_then_stop.days_waited) == (Status.MET, 0)
    stop_then_start = specialist(
        [("first_visit", "2026-03-01"), ("referral", "2026-03-01")], "2026-04-01"
    )
    assert (stop_then_start.status, stop_then_start.days_waited) == (Status.RUNNING, 31)


def test_events_are_read_in_date_order_whatever_order_they_are_given_in():
    in_order = [("referral", "2026-03-01"), ("dna", "2026-03-05"), ("first_visit", "2026-03-09")]
    assert specialist(in_order, "2026-04-01") == specialist(in_order[::-1], "2026-04-01")


def test_event_types_the_scheme_does_not_use_have_no_effect():
    plain = [("referral", "2026-03-01")]
    noisy = [("rebooked", "2026-03-02"), *plain, ("active_monitoring", "2026-03-03")]
    assert specialist(noisy, "2026-04-01") == specialist(plain, "2026-04-01")


def test_several_stages_can_be_open_at_once_and_an_event_applies_to_each():
    result = clocks(
        "se-vardgaranti-2019",
        [
            ("referral", "2026-03-01"),
            ("decision_to_treat", "2026-03-02"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_end", "2026-03-20"),
            ("declined_alternative", "2026-03-25"),
        ],
        "2026-04-01",
    )
    assert result["specialist_visit"].status == Status.LAPSED
    assert result["treatment"].status == Status.LAPSED
    assert result["assessment"].status == Status.NOT_STARTED


# Working days


def test_working_days_skip_weekends_and_norwegian_holidays():
    # Referral on Friday 27 March 2026; Maundy Thursday 2 April, Good Friday 3 April and
    # Easter Monday 6 April are public holidays. The 10th working day after is 15 April.
    clock = assessment_no([("referral", "2026-03-27")], "2026-04-10")
    assert (clock.status, clock.days_waited, clock.deadline, clock.limit) == (
        Status.RUNNING,
        7,
        d("2026-04-15"),
        10,
    )
    met = assessment_no([("referral", "2026-03-27"), ("assessment", "2026-04-15")], "2026-05-01")
    assert (met.status, met.days_waited) == (Status.MET, 10)
    late = assessment_no([("referral", "2026-03-27"), ("assessment", "2026-04-16")], "2026-05-01")
    assert (late.status, late.days_waited) == (Status.BREACHED, 11)


def test_working_days_around_constitution_day_and_ascension():
    # 2026: Ascension Thursday 14 May, 17 May on a Sunday, Whit Monday 25 May.
    clock = assessment_no([("referral", "2026-05-12")], "2026-05-19")
    assert clock.days_waited == 4  # 13, 15, 18 and 19 May
    # 13, 15, 18, 19, 20, 21, 22, 26, 27 and 28 May.
    assert clock.deadline == d("2026-05-28")


def test_a_clock_that_starts_on_a_weekend_counts_from_the_next_working_day():
    # Saturday 7 March 2026: Monday 9 March is the first working day after it.
    clock = assessment_no([("referral", "2026-03-07")], "2026-03-09")
    assert (clock.days_waited, clock.deadline) == (1, d("2026-03-20"))
    assert assessment_no([("referral", "2026-03-07")], "2026-03-08").days_waited == 0


def test_sundays_are_weekend_days_only_once_whatever_the_holiday_list_says():
    calendar = working_days("NO")
    # Easter Sunday 2026 is in the holiday list and a Sunday: the week of 30 March to
    # 5 April has three working days (Mon 30, Tue 31, Wed 1), not fewer.
    assert calendar.count(d("2026-03-29").toordinal(), d("2026-04-05").toordinal()) == 3
    assert not calendar.is_working_day(d("2026-04-05").toordinal())
    assert not calendar.is_working_day(d("2026-05-17").toordinal())
    assert calendar.is_working_day(d("2026-05-18").toordinal())


def test_the_calendar_counts_and_steps_consistently():
    calendar = working_days("NO")
    start = d("2026-12-23").toordinal()
    # Christmas Eve is a working day; Christmas Day and the Second Day of Christmas are not.
    assert [date.fromordinal(calendar.add(start, n)) for n in range(1, 5)] == [
        d("2026-12-24"),
        d("2026-12-28"),
        d("2026-12-29"),
        d("2026-12-30"),
    ]
    assert calendar.add(start, 0) == start
    assert calendar.count(start, start) == 0
    assert calendar.count(start, start - 5) == 0


def test_dates_outside_the_calendar_are_refused_with_a_clear_error():
    with pytest.raises(OutsideCalendar, match="1850-01-01 is outside the working-day calendar"):
        assessment_no([("referral", "1850-01-01")], "2026-01-01")


def test_a_country_without_holidays_still_skips_weekends():
    calendar = working_days("")
    friday = d("2026-12-25").toordinal()
    assert date.fromordinal(calendar.add(friday, 1)) == d("2026-12-28")


# Excluded periods

WORKING_DAYS_WITH_EXCLUSIONS = SchemeRules(
    code="test-working-days",
    title="Working days with excluded periods",
    stages=(
        StageRule(
            code="assess",
            title="Assess",
            start_events=frozenset({"referral"}),
            stop_events=frozenset({"assessment"}),
            limit=10,
            unit=LimitUnit.WORKING_DAYS,
            holiday_country="NO",
            exclusions=(ExclusionRule(PATIENT, "patient_wait_start", "patient_wait_end"),),
        ),
    ),
)


def test_a_patient_chosen_period_does_not_count_and_moves_the_deadline():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_end", "2026-04-09"),
            ("first_visit", "2026-06-20"),
        ],
        "2026-07-01",
    )
    # 111 days from 1 March to 20 June, 30 of them chosen by the patient.
    assert (clock.status, clock.days_waited, clock.deadline) == (Status.MET, 81, d("2026-06-29"))
    assert (clock.days_excluded, clock.excluded_by_kind, clock.paused_by) == (
        30,
        ((PATIENT, 30),),
        None,
    )


def test_an_open_period_runs_to_as_of_pauses_the_clock_and_names_its_kind():
    events = [("referral", "2026-03-01"), ("medical_wait_start", "2026-03-11")]
    earlier = specialist(events, "2026-04-01")
    later = specialist(events, "2026-09-01")
    assert (later.status, later.days_waited, later.paused_by) == (Status.RUNNING, 10, MEDICAL)
    assert earlier.days_waited == later.days_waited == 10
    assert later.deadline == d("2026-11-20")  # 80 days still to wait after 1 September
    assert later.excluded_by_kind == ((MEDICAL, 174),)


def test_an_open_period_runs_to_the_stage_end_when_it_stopped():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("examination_start", "2026-03-11"),
            ("first_visit", "2026-03-21"),
        ],
        "2026-06-01",
    )
    assert (clock.status, clock.days_waited, clock.days_excluded, clock.paused_by) == (
        Status.MET,
        10,
        10,
        None,
    )


def test_only_the_part_of_a_period_inside_the_stage_window_counts():
    clock = specialist(
        [
            ("patient_wait_start", "2026-02-20"),
            ("referral", "2026-03-01"),
            ("patient_wait_end", "2026-03-05"),  # 4 days inside
            ("examination_start", "2026-03-25"),
            ("first_visit", "2026-03-30"),
            ("examination_end", "2026-04-10"),  # 5 days inside
        ],
        "2026-06-01",
    )
    assert (clock.days_waited, clock.days_excluded) == (20, 9)
    assert clock.excluded_by_kind == ((PATIENT, 4), (EXAMINATION, 5))


def test_a_period_wholly_outside_the_window_counts_nothing():
    clock = specialist(
        [
            ("patient_wait_start", "2026-01-01"),
            ("patient_wait_end", "2026-02-01"),
            ("referral", "2026-03-01"),
        ],
        "2026-03-11",
    )
    assert (clock.days_waited, clock.days_excluded, clock.excluded_by_kind) == (10, 0, ())


def test_overlapping_periods_of_different_kinds_count_each_day_once():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("patient_wait_start", "2026-03-10"),
            ("medical_wait_start", "2026-03-15"),
            ("patient_wait_end", "2026-03-20"),
            ("medical_wait_end", "2026-03-25"),
        ],
        "2026-04-01",
    )
    assert clock.days_excluded == 15
    assert clock.excluded_by_kind == ((PATIENT, 10), (MEDICAL, 10))
    assert clock.days_waited == 31 - 15


def test_periods_of_one_kind_nest_and_an_end_without_a_start_is_ignored():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("patient_wait_end", "2026-03-05"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_start", "2026-03-15"),
            ("patient_wait_end", "2026-03-20"),
            ("patient_wait_end", "2026-03-25"),
        ],
        "2026-04-01",
    )
    assert clock.days_excluded == 15  # 10 to 25 March: the second start needed its own end
    assert clock.paused_by is None


def test_a_start_recorded_twice_keeps_the_period_open():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_end", "2026-03-20"),
        ],
        "2026-04-01",
    )
    assert (clock.days_excluded, clock.paused_by) == (22, PATIENT)


def test_several_periods_of_one_kind_add_up():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("patient_wait_start", "2026-03-10"),
            ("patient_wait_end", "2026-03-12"),
            ("patient_wait_start", "2026-03-20"),
            ("patient_wait_end", "2026-03-23"),
        ],
        "2026-04-01",
    )
    assert (clock.days_excluded, clock.excluded_by_kind) == (5, ((PATIENT, 5),))


def test_a_period_excludes_working_days_on_a_working_day_stage():
    # Referral Friday 27 March 2026; the patient asks to wait from Monday 30 March to
    # Tuesday 7 April: the working days after 30 March up to 7 April are 31 March, 1 April
    # and 7 April (2, 3 and 6 April are Easter holidays).
    clock = clocks(
        WORKING_DAYS_WITH_EXCLUSIONS,
        [
            ("referral", "2026-03-27"),
            ("patient_wait_start", "2026-03-30"),
            ("patient_wait_end", "2026-04-07"),
        ],
        "2026-04-10",
    )["assess"]
    assert (clock.days_excluded, clock.days_waited) == (3, 7 - 3)
    assert clock.deadline == d("2026-04-20")  # the 13th working day after 27 March


def test_exclusion_events_have_no_effect_on_a_scheme_without_exclusion_rules():
    plain = [("referral", "2026-01-01")]
    with_pauses = [
        *plain,
        ("patient_wait_start", "2026-01-10"),
        ("patient_wait_end", "2026-02-10"),
        ("medical_wait_start", "2026-02-15"),
    ]
    assert rtt(with_pauses, "2026-04-01") == rtt(plain, "2026-04-01")


# Lapses


def test_declining_care_elsewhere_lapses_a_stage_within_its_limit():
    clock = specialist(
        [("referral", "2026-03-01"), ("declined_alternative", "2026-04-15")], "2026-09-01"
    )
    assert clock == StageClock(
        stage="specialist_visit",
        status=Status.LAPSED,
        start=d("2026-03-01"),
        end=d("2026-04-15"),
        limit=90,
    )


def test_declining_care_elsewhere_lapses_a_stage_already_past_its_limit():
    clock = specialist(
        [("referral", "2026-03-01"), ("declined_alternative", "2026-07-01")], "2026-09-01"
    )
    assert (clock.status, clock.end, clock.deadline, clock.days_waited) == (
        Status.LAPSED,
        d("2026-07-01"),
        None,
        None,
    )


def test_a_lapsed_stage_stays_lapsed_whatever_happens_next():
    clock = specialist(
        [
            ("referral", "2026-03-01"),
            ("declined_alternative", "2026-04-01"),
            ("referral", "2026-04-02"),
            ("first_visit", "2026-04-10"),
        ],
        "2026-09-01",
    )
    assert (clock.status, clock.end) == (Status.LAPSED, d("2026-04-01"))


def test_declining_before_the_stage_starts_or_after_it_stops_does_nothing():
    clock = specialist(
        [
            ("declined_alternative", "2026-02-01"),
            ("referral", "2026-03-01"),
            ("first_visit", "2026-03-10"),
            ("declined_alternative", "2026-03-11"),
        ],
        "2026-09-01",
    )
    assert clock.status == Status.MET


def test_the_second_missed_visit_while_the_stage_is_open_lapses_it():
    once = specialist([("referral", "2026-03-01"), ("dna", "2026-03-20")], "2026-04-01")
    assert once.status == Status.RUNNING
    twice = specialist(
        [("referral", "2026-03-01"), ("dna", "2026-03-20"), ("dna", "2026-03-27")], "2026-04-01"
    )
    assert (twice.status, twice.start, twice.end) == (
        Status.LAPSED,
        d("2026-03-01"),
        d("2026-03-27"),
    )


def test_missed_visits_before_a_stage_starts_do_not_count_towards_its_lapse():
    result = clocks(
        "se-vardgaranti-2019",
        [
            ("contact", "2026-03-01"),
            ("dna", "2026-03-02"),
            ("assessment", "2026-03-03"),
            ("referral", "2026-03-03"),
            ("dna", "2026-03-20"),
        ],
        "2026-04-01",
    )
    assert result["assessment"].status == Status.MET
    assert result["specialist_visit"].status == Status.RUNNING


# RTT: nullified and restarted clocks


def test_a_missed_first_appointment_nullifies_the_rtt_clock():
    clock = rtt([("referral", "2026-01-05"), ("dna", "2026-02-01")], "2026-03-01")
    assert clock == StageClock(
        stage="rtt",
        status=Status.NULLIFIED,
        start=d("2026-01-05"),
        end=d("2026-02-01"),
        limit=126,
    )


def test_a_missed_appointment_after_the_first_visit_does_not_nullify():
    clock = rtt(
        [("referral", "2026-01-05"), ("first_visit", "2026-01-20"), ("dna", "2026-02-01")],
        "2026-03-01",
    )
    assert (clock.status, clock.days_waited) == (Status.RUNNING, 55)


def test_a_first_visit_before_the_referral_still_prevents_nullifying():
    clock = rtt(
        [("first_visit", "2025-12-01"), ("referral", "2026-01-05"), ("dna", "2026-02-01")],
        "2026-03-01",
    )
    assert clock.status == Status.RUNNING


def test_rebooking_after_nullifying_starts_a_new_clock_on_its_date():
    clock = rtt(
        [("referral", "2026-01-05"), ("dna", "2026-02-01"), ("rebooked", "2026-02-10")],
        "2026-03-01",
    )
    assert (clock.status, clock.start, clock.end, clock.days_waited, clock.deadline) == (
        Status.RUNNING,
        d("2026-02-10"),
        None,
        19,
        d("2026-06-16"),
    )


def test_a_restarted_clock_can_be_nullified_and_restarted_again():
    events = [
        ("referral", "2026-01-05"),
        ("dna", "2026-02-01"),
        ("rebooked", "2026-02-10"),
        ("dna", "2026-03-01"),
    ]
    again = rtt(events, "2026-03-15")
    assert (again.status, again.start, again.end) == (
        Status.NULLIFIED,
        d("2026-02-10"),
        d("2026-03-01"),
    )
    restarted = rtt(
        [*events, ("rebooked", "2026-03-05"), ("treatment", "2026-05-01")], "2026-06-01"
    )
    assert (restarted.status, restarted.start, restarted.days_waited) == (
        Status.MET,
        d("2026-03-05"),
        57,
    )


def test_rebooking_when_the_clock_was_not_nullified_has_no_effect():
    events = [("referral", "2026-01-05"), ("rebooked", "2026-02-10")]
    assert rtt(events, "2026-03-01") == rtt(events[:1], "2026-03-01")


def test_a_new_referral_does_not_restart_a_nullified_clock():
    clock = rtt(
        [("referral", "2026-01-05"), ("dna", "2026-02-01"), ("referral", "2026-02-10")],
        "2026-03-01",
    )
    assert (clock.status, clock.start) == (Status.NULLIFIED, d("2026-01-05"))


def test_declining_care_elsewhere_does_not_lapse_an_rtt_clock():
    clock = rtt([("referral", "2026-01-05"), ("declined_alternative", "2026-02-01")], "2026-03-01")
    assert clock.status == Status.RUNNING
