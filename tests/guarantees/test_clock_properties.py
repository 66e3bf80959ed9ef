"""Properties the clock keeps for any events: hypothesis draws pathways and checks them."""

from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.guarantees.clock import evaluate
from coproduce.guarantees.rules import (
    ClockEvent,
    ExclusionKind,
    ExclusionRule,
    LimitUnit,
    SchemeRules,
    StageRule,
    Status,
    builtin_definitions,
    rules_from_definition,
)

SCHEMES = {
    definition["code"]: rules_from_definition(definition) for definition in builtin_definitions()
}
# The Norwegian scheme has no excluded periods or lapses; this one has both, on working days.
WORKING_DAYS_WITH_EVERYTHING = SchemeRules(
    code="test-working-days",
    title="Working days with excluded periods and lapses",
    stages=(
        StageRule(
            code="assess",
            title="Assess",
            start_events=frozenset({"referral"}),
            stop_events=frozenset({"assessment"}),
            limit=10,
            unit=LimitUnit.WORKING_DAYS,
            holiday_country="NO",
            exclusions=(
                ExclusionRule(ExclusionKind.PATIENT, "patient_wait_start", "patient_wait_end"),
                ExclusionRule(ExclusionKind.MEDICAL, "medical_wait_start", "medical_wait_end"),
            ),
            lapse_events=frozenset({"declined_alternative"}),
            lapse_on_repeat=(("dna", 2),),
        ),
    ),
)
ALL_SCHEMES = [*SCHEMES.values(), WORKING_DAYS_WITH_EVERYTHING]
WORKING_DAY_SCHEMES = [SCHEMES["no-vurdering"], WORKING_DAYS_WITH_EVERYTHING]
PATIENT_WAIT = ("patient_wait_start", "patient_wait_end")
EVENT_TYPES = sorted(
    {
        "contact",
        "assessment",
        "referral",
        "first_visit",
        "decision_to_treat",
        "treatment",
        "decision_not_to_treat",
        "dna",
        "rebooked",
        "declined_alternative",
        "medical_wait_start",
        "medical_wait_end",
        "examination_start",
        "examination_end",
        *PATIENT_WAIT,
    }
)
# Christmas 2025 to spring 2027: two Easters, two Mays of Norwegian holidays.
FIRST_DAY = date(2025, 12, 1)
DAYS = 480
NORWEGIAN_HOLIDAYS = holidays.NO(years=range(2025, 2029))

days = st.integers(min_value=0, max_value=DAYS).map(lambda n: FIRST_DAY + timedelta(days=n))


def events_of(types: list[str]):
    return st.lists(st.builds(ClockEvent, st.sampled_from(types), days), min_size=0, max_size=10)


any_events = events_of(EVENT_TYPES)
fast = settings(max_examples=200, deadline=None)


@fast
@given(
    rules=st.sampled_from([SCHEMES["se-vardgaranti-2019"], WORKING_DAYS_WITH_EVERYTHING]),
    events=any_events,
    wait_starts=days,
    wait_days=st.integers(min_value=0, max_value=120) | st.none(),
    as_of=days,
)
def test_adding_an_excluded_period_never_brings_a_breach_or_a_deadline_forward(
    rules, events, wait_starts, wait_days, as_of
):
    period = [ClockEvent(PATIENT_WAIT[0], wait_starts)]
    if wait_days is not None:  # None: the period is still open
        period.append(ClockEvent(PATIENT_WAIT[1], wait_starts + timedelta(days=wait_days)))
    before = evaluate(rules, events, as_of)
    after = evaluate(rules, events + period, as_of)
    for without, with_period in zip(before, after, strict=True):
        if without.status in (Status.MET, Status.RUNNING):
            assert with_period.status != Status.BREACHED
        if without.deadline and with_period.deadline:
            assert with_period.deadline >= without.deadline


@fast
@given(rules=st.sampled_from(ALL_SCHEMES), events=any_events)
def test_deadlines_never_move_earlier_as_events_happen(rules, events):
    """Each day's answer, as of the day of each event in turn: a deadline once set may be
    pushed back (excluded days, a new clock) but never brought forward."""
    events = sorted(events, key=lambda event: event.date)
    latest_deadline: dict[str, date] = {}
    for seen in range(1, len(events) + 1):
        for clock in evaluate(rules, events[:seen], events[seen - 1].date):
            if clock.deadline is None:
                continue
            if clock.stage in latest_deadline:
                assert clock.deadline >= latest_deadline[clock.stage]
            latest_deadline[clock.stage] = clock.deadline


@fast
@given(
    rules=st.sampled_from(ALL_SCHEMES),
    events=any_events,
    order=st.randoms(use_true_random=False),
    as_of=days,
)
def test_the_answer_does_not_depend_on_the_order_of_events_on_different_days(
    rules, events, order, as_of
):
    shuffled = events.copy()
    order.shuffle(shuffled)
    # Put each day's events back in their given order, in the places that day now has.
    same_day_in_given_order = {
        day: iter([event for event in events if event.date == day])
        for day in {event.date for event in events}
    }
    shuffled = [next(same_day_in_given_order[event.date]) for event in shuffled]
    assert evaluate(rules, shuffled, as_of) == evaluate(rules, events, as_of)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in NORWEGIAN_HOLIDAYS


def working_days_after(start: date, through: date) -> int:
    return sum(
        is_working_day(start + timedelta(days=n)) for n in range(1, (through - start).days + 1)
    )


@fast
@given(rules=st.sampled_from(WORKING_DAY_SCHEMES), events=any_events, as_of=days)
def test_working_day_limits_skip_weekends_and_holidays(rules, events, as_of):
    for clock in evaluate(rules, events, as_of):
        if clock.deadline is not None:
            assert is_working_day(clock.deadline)
            assert working_days_after(clock.start, clock.deadline) == (
                clock.limit + clock.days_excluded
            )
        if clock.days_waited is not None:
            window_end = clock.end or as_of
            assert clock.days_waited == (
                working_days_after(clock.start, window_end) - clock.days_excluded
            )
