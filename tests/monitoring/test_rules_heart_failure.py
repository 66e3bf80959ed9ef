"""Heart failure: red for a weight gain of more than 2 kg over the lowest of the 3 days before,
or breathless at rest; amber for more than 1 kg since the day before, breathless more than
usual, or a symptom. Weights are compared in tenths of a kilogram, and a day without a
check-in is not compared."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.programmes import HEART_FAILURE, Colour
from coproduce.monitoring.rules import Reading, assess, clean_answers, clean_settings

DAY = date(2026, 12, 3)
COLOUR_RANK = {Colour.GREEN: 0, Colour.AMBER: 1, Colour.RED: 2}
WELL = {"breathless": "no", "ankles_more_swollen": False, "more_pillows": False, "dizzy": False}


def answers(weight: float, **symptoms) -> dict:
    return clean_answers(HEART_FAILURE, {"weight_kg": weight, **WELL, **symptoms})


def weights_before(weights: dict[int, float]) -> list[Reading]:
    """{days before DAY: weight} as the person's earlier check-ins."""
    return [Reading(DAY - timedelta(days=days), answers(kg)) for days, kg in weights.items()]


def heart_failure(weight: float, before: dict[int, float], thresholds=None, **symptoms):
    return assess(
        HEART_FAILURE,
        answers(weight, **symptoms),
        clean_settings(HEART_FAILURE, thresholds or {}),
        DAY,
        weights_before(before),
    )


@pytest.mark.parametrize("days_before", [1, 2, 3])
@pytest.mark.parametrize(
    ("gain", "colour"), [(2.0, Colour.GREEN), (2.1, Colour.RED), (3.5, Colour.RED)]
)
def test_more_than_2_kg_over_any_one_of_the_3_days_before_is_red(days_before, gain, colour):
    # Only one earlier day, two days ahead of a gap: an overnight gain only counts on day 1.
    assessment = heart_failure(round(80.0 + gain, 1), {days_before: 80.0})
    expected = Colour.AMBER if colour == Colour.GREEN and days_before == 1 else colour
    assert assessment.colour == expected


def test_the_3_day_gain_is_over_the_lowest_of_the_3_days_before():
    assessment = heart_failure(81.1, {3: 80.0, 2: 79.0, 1: 80.5})
    assert assessment.colour == Colour.RED  # 2.1 over 79.0; 0.6 overnight is nothing
    assert assessment.reasons == ("Weight up 2.1 kg in 3 days (more than 2.0 kg)",)
    assert heart_failure(81.0, {3: 80.0, 2: 79.0, 1: 80.5}).colour == Colour.GREEN


def test_exactly_2_kg_is_not_more_than_2_kg_even_where_floating_point_says_it_is():
    assert 64.4 - 62.4 > 2.0  # 2.000000000000007 as floats
    assert heart_failure(64.4, {3: 62.4}).colour == Colour.GREEN
    assert heart_failure(64.5, {3: 62.4}).colour == Colour.RED


def test_a_check_in_4_days_before_is_not_compared():
    assert heart_failure(90.0, {4: 80.0}).colour == Colour.GREEN


def test_without_earlier_check_ins_the_weight_rules_do_not_fire():
    assessment = heart_failure(150.0, {})
    assert (assessment.colour, assessment.reasons) == (Colour.GREEN, ())


@pytest.mark.parametrize(
    ("weight", "colour"), [(81.0, Colour.GREEN), (81.1, Colour.AMBER), (82.0, Colour.AMBER)]
)
def test_more_than_1_kg_since_the_day_before_is_amber(weight, colour):
    assert heart_failure(weight, {1: 80.0}).colour == colour


def test_the_overnight_gain_is_only_over_the_day_before():
    # Nothing yesterday: 1.5 kg over the day before that is under the 3-day limit.
    assert heart_failure(81.5, {2: 80.0}).colour == Colour.GREEN
    assert heart_failure(81.5, {3: 80.0, 2: 80.0}).colour == Colour.GREEN
    assessment = heart_failure(81.5, {2: 81.4, 1: 80.0})
    assert assessment.reasons == ("Weight up 1.5 kg since yesterday (more than 1.0 kg)",)


def test_both_weight_rules_fire_together():
    assessment = heart_failure(82.5, {3: 80.0, 1: 81.0})
    assert assessment.colour == Colour.RED
    assert assessment.reasons == (
        "Weight up 2.5 kg in 3 days (more than 2.0 kg)",
        "Weight up 1.5 kg since yesterday (more than 1.0 kg)",
    )


def test_a_weight_loss_is_no_warning():
    assert heart_failure(75.0, {3: 80.0, 2: 79.0, 1: 78.0}).colour == Colour.GREEN


@pytest.mark.parametrize(
    ("thresholds", "weight", "colour"),
    [
        ({"three_day_gain_kg": 1.5}, 81.5, Colour.GREEN),
        ({"three_day_gain_kg": 1.5}, 81.6, Colour.RED),
        ({"three_day_gain_kg": 3}, 83.0, Colour.GREEN),
        ({"three_day_gain_kg": 3}, 83.1, Colour.RED),
    ],
)
def test_the_care_team_may_change_the_3_day_limit(thresholds, weight, colour):
    assert heart_failure(weight, {2: 80.0}, thresholds).colour == colour


@pytest.mark.parametrize(
    ("thresholds", "weight", "colour"),
    [
        ({"overnight_gain_kg": 0.5}, 80.5, Colour.GREEN),
        ({"overnight_gain_kg": 0.5}, 80.6, Colour.AMBER),
        ({"overnight_gain_kg": 1.8, "three_day_gain_kg": 5.0}, 81.8, Colour.GREEN),
        ({"overnight_gain_kg": 1.8, "three_day_gain_kg": 5.0}, 81.9, Colour.AMBER),
    ],
)
def test_the_care_team_may_change_the_overnight_limit(thresholds, weight, colour):
    assert heart_failure(weight, {1: 80.0}, thresholds).colour == colour


def test_a_dry_weight_is_shown_but_is_no_rule():
    assert heart_failure(95.0, {}, {"dry_weight_kg": 80.0}).colour == Colour.GREEN


@pytest.mark.parametrize(
    ("symptoms", "colour", "reason"),
    [
        ({"breathless": "at_rest"}, Colour.RED, "Breathless even when resting"),
        ({"breathless": "more_than_usual"}, Colour.AMBER, "More breathless than usual"),
        (
            {"ankles_more_swollen": True},
            Colour.AMBER,
            "Ankles or legs more swollen than usual",
        ),
        (
            {"more_pillows": True},
            Colour.AMBER,
            "Needed more pillows than usual to sleep, or slept sitting up",
        ),
        ({"dizzy": True}, Colour.AMBER, "Felt dizzy or faint"),
    ],
)
def test_symptoms(symptoms, colour, reason):
    assessment = heart_failure(80.0, {1: 80.0}, **symptoms)
    assert (assessment.colour, assessment.reasons) == (colour, (reason,))
    assert (assessment.score, assessment.parts, assessment.response) == (None, {}, None)


tenths = st.integers(200, 3500)
earlier_days = st.dictionaries(st.integers(1, 3), tenths, max_size=3)
far_days = st.dictionaries(st.one_of(st.integers(4, 60), st.integers(-30, 0)), tenths, max_size=10)
symptom_answers = st.fixed_dictionaries(
    {
        "breathless": st.sampled_from(["no", "more_than_usual", "at_rest"]),
        "ankles_more_swollen": st.booleans(),
        "more_pillows": st.booleans(),
        "dizzy": st.booleans(),
    }
)


def kg(weight_in_tenths: int) -> float:
    return weight_in_tenths / 10


@given(tenths, earlier_days, far_days, symptom_answers)
def test_check_ins_before_the_3_days_or_from_that_day_on_change_nothing(today, near, far, symptoms):
    near_weights = {days: kg(weight) for days, weight in near.items()}
    far_weights = {days: kg(weight) for days, weight in far.items()}
    settings = clean_settings(HEART_FAILURE, {})
    alone = heart_failure(kg(today), near_weights, **symptoms)
    among_others = assess(
        HEART_FAILURE,
        answers(kg(today), **symptoms),
        settings,
        DAY,
        weights_before(far_weights) + weights_before(near_weights),
    )
    assert among_others == alone


@given(tenths, st.integers(1, 100), earlier_days, symptom_answers)
def test_a_heavier_weight_today_never_lowers_the_colour(today, more, near, symptoms):
    near_weights = {days: kg(weight) for days, weight in near.items()}
    lighter = heart_failure(kg(today), near_weights, **symptoms)
    heavier = heart_failure(kg(min(3500, today + more)), near_weights, **symptoms)
    assert COLOUR_RANK[heavier.colour] >= COLOUR_RANK[lighter.colour]


@given(tenths, earlier_days, symptom_answers, st.text(max_size=100))
def test_the_persons_own_words_never_change_the_colour(today, near, symptoms, remark):
    near_weights = {days: kg(weight) for days, weight in near.items()}
    assert heart_failure(kg(today), near_weights, **symptoms, remark=remark) == heart_failure(
        kg(today), near_weights, **symptoms
    )


@given(tenths, st.dictionaries(st.integers(1, 3), tenths, min_size=1, max_size=3))
def test_the_weight_rules_are_exact_in_tenths_of_a_kilogram(today, near):
    near_weights = {days: kg(weight) for days, weight in near.items()}
    assessment = heart_failure(kg(today), near_weights)
    three_days = today - min(near.values()) > 20
    overnight = 1 in near and today - near[1] > 10
    expected = Colour.RED if three_days else Colour.AMBER if overnight else Colour.GREEN
    assert assessment.colour == expected
