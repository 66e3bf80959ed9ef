"""The shortcuts the score command takes give what the rules say check-in by check-in: a
usual answer found in a table is the answer the question's own check takes, and a person's
check-ins assessed together are each assessed as one with the others as its earlier ones."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.programmes import HEART_FAILURE, NEWS2
from coproduce.monitoring.rules import AnswerError, Reading, clean_answers, rules_for
from tests.monitoring.answers import NEWS2_NORMAL


@given(
    st.one_of(
        st.floats(25, 50),
        st.integers(250, 500).map(lambda tenths: tenths / 10),
        st.sampled_from([30.0, 44.0, 29.999999999999996, 44.00000000000001, -0.0]),
    )
)
def test_a_temperature_is_taken_as_given_exactly_when_it_has_one_place_and_is_in_range(
    temperature,
):
    try:
        cleaned = clean_answers(NEWS2, {**NEWS2_NORMAL, "temperature": temperature})
    except AnswerError:
        cleaned = None
    if 30 <= temperature <= 44 and round(temperature, 1) == temperature:
        assert cleaned is not None and cleaned["temperature"] == temperature
    else:
        assert cleaned is None


@given(st.integers(-5, 400))
def test_a_whole_number_is_taken_exactly_when_it_is_in_range(systolic):
    try:
        cleaned = clean_answers(NEWS2, {**NEWS2_NORMAL, "systolic": systolic})
    except AnswerError:
        cleaned = None
    assert (cleaned is not None) == (40 <= systolic <= 300)


WELL = {"breathless": "no", "ankles_more_swollen": False, "more_pillows": False, "dizzy": False}
check_ins = st.lists(
    st.tuples(st.integers(0, 8), st.integers(600, 680).map(lambda tenths: tenths / 10)),
    max_size=10,
)


@given(check_ins, st.integers(1, 40).map(lambda tenths: tenths / 10))
def test_heart_failure_check_ins_assessed_together_are_each_assessed_against_the_others(
    days_and_weights, three_day_gain_kg
):
    rules = rules_for(HEART_FAILURE)
    settings = rules.clean_settings({"three_day_gain_kg": three_day_gain_kg})
    dated = [
        (date(2026, 11, 1) + timedelta(days=day), rules.clean_answers({**WELL, "weight_kg": kg}))
        for day, kg in days_and_weights
    ]
    one_by_one = [
        rules.assess_as_tuple(
            answers,
            settings,
            on,
            [Reading(day, earlier) for n, (day, earlier) in enumerate(dated) if n != number],
        )
        for number, (on, answers) in enumerate(dated)
    ]
    assert rules.assess_each(dated, settings) == one_by_one
