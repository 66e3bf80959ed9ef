"""NEWS2 as the Royal College of Physicians' 2017 chart: each parameter's score at and just
beyond every boundary, on both oxygen level scales, on air and on oxygen; the response bands
and their colours; and the properties any chart-following score must have."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.programmes import NEWS2, Colour
from coproduce.monitoring.rules import assess, clean_answers, clean_settings
from tests.monitoring.answers import NEWS2_NORMAL

DAY = date(2026, 12, 3)
COLOUR_RANK = {Colour.GREEN: 0, Colour.AMBER: 1, Colour.RED: 2}
RESPONSE_RANK = {"low": 0, "low-medium": 1, "medium": 2, "high": 3}


def news2(scale: int = 1, **readings):
    answers = clean_answers(NEWS2, {**NEWS2_NORMAL, **readings})
    return assess(NEWS2, answers, clean_settings(NEWS2, {"spo2_scale": scale}), DAY)


def test_every_reading_in_its_normal_range_scores_nothing_and_is_green():
    assessment = news2()
    assert assessment.parts == {
        "resp_rate": 0,
        "spo2": 0,
        "air_or_oxygen": 0,
        "systolic": 0,
        "pulse": 0,
        "consciousness": 0,
        "temperature": 0,
    }
    assert (assessment.score, assessment.response, assessment.colour) == (0, "low", Colour.GREEN)
    assert assessment.reasons == ()


@pytest.mark.parametrize(
    ("breaths", "part"),
    [(1, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (80, 3)],
)
def test_respiration_rate(breaths, part):
    assert news2(resp_rate=breaths).parts["resp_rate"] == part


@pytest.mark.parametrize("on_oxygen", [False, True])
@pytest.mark.parametrize(
    ("spo2", "part"),
    [(30, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
)
def test_oxygen_level_on_scale_1_is_the_same_on_air_and_on_oxygen(spo2, part, on_oxygen):
    assessment = news2(spo2=spo2, on_oxygen=on_oxygen)
    assert assessment.parts["spo2"] == part
    assert assessment.parts["air_or_oxygen"] == (2 if on_oxygen else 0)


@pytest.mark.parametrize(
    ("spo2", "part"),
    [(30, 3), (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (100, 0)],
)
def test_oxygen_level_on_scale_2_on_air(spo2, part):
    assert news2(scale=2, spo2=spo2).parts["spo2"] == part


@pytest.mark.parametrize(
    ("spo2", "part"),
    [
        (83, 3),
        (84, 2),
        (85, 2),
        (86, 1),
        (87, 1),
        (88, 0),
        (92, 0),
        (93, 1),
        (94, 1),
        (95, 2),
        (96, 2),
        (97, 3),
        (100, 3),
    ],
)
def test_oxygen_level_on_scale_2_on_oxygen_scores_a_level_above_the_target(spo2, part):
    assessment = news2(scale=2, spo2=spo2, on_oxygen=True)
    assert (assessment.parts["spo2"], assessment.parts["air_or_oxygen"]) == (part, 2)


@pytest.mark.parametrize(
    ("systolic", "part"),
    [(40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)],
)
def test_systolic_blood_pressure(systolic, part):
    assert news2(systolic=systolic).parts["systolic"] == part


@pytest.mark.parametrize(
    ("pulse", "part"),
    [
        (20, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (250, 3),
    ],
)
def test_pulse(pulse, part):
    assert news2(pulse=pulse).parts["pulse"] == part


@pytest.mark.parametrize(("level", "part"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness_new_confusion_scores_as_much_as_no_response(level, part):
    assert news2(consciousness=level).parts["consciousness"] == part


@pytest.mark.parametrize(
    ("celsius", "part"),
    [
        (30.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (44.0, 2),
    ],
)
def test_temperature(celsius, part):
    assert news2(temperature=celsius).parts["temperature"] == part


@pytest.mark.parametrize(
    ("readings", "total", "response", "colour"),
    [
        ({"resp_rate": 21, "pulse": 111}, 4, "low", Colour.GREEN),  # 2 + 2, no single 3
        ({"on_oxygen": True, "resp_rate": 21}, 4, "low", Colour.GREEN),  # oxygen is only 2
        ({"spo2": 91}, 3, "low-medium", Colour.AMBER),  # a single 3 alone
        ({"spo2": 91, "pulse": 91}, 4, "low-medium", Colour.AMBER),
        ({"consciousness": "C", "pulse": 91}, 4, "low-medium", Colour.AMBER),
        ({"resp_rate": 21, "pulse": 111, "temperature": 38.1}, 5, "medium", Colour.AMBER),
        ({"spo2": 91, "pulse": 111}, 5, "medium", Colour.AMBER),  # a 3, but 5 in all
        ({"spo2": 92, "resp_rate": 21, "pulse": 111}, 6, "medium", Colour.AMBER),
        ({"spo2": 92, "resp_rate": 21, "pulse": 111, "temperature": 38.1}, 7, "high", Colour.RED),
        ({"systolic": 90, "consciousness": "U", "pulse": 91}, 7, "high", Colour.RED),
    ],
)
def test_response_bands_and_their_colours(readings, total, response, colour):
    assessment = news2(**readings)
    assert (assessment.score, assessment.response, assessment.colour) == (
        total,
        response,
        colour,
    )


def test_an_amber_or_red_check_in_says_its_total_and_each_reading_that_scored():
    assert news2(spo2=91).reasons == (
        "NEWS2 score 3, with one reading scoring 3",
        "Oxygen level 91% (scores 3)",
    )
    assert news2(
        scale=2,
        spo2=97,
        on_oxygen=True,
        resp_rate=25,
        systolic=100,
        pulse=131,
        consciousness="C",
        temperature=39.1,
    ).reasons == (
        "NEWS2 score 18 (7 or more)",
        "Breathing rate 25 a minute (scores 3)",
        "Oxygen level 97% on scale 2 (scores 3)",
        "Using oxygen (scores 2)",
        "Blood pressure top number 100 mmHg (scores 2)",
        "Pulse 131 a minute (scores 3)",
        "Newly confused or muddled (scores 3)",
        "Temperature 39.1°C (scores 2)",
    )
    assert news2(resp_rate=21, pulse=111, temperature=38.1).reasons[0] == "NEWS2 score 5 (5 or 6)"


def test_a_green_check_in_that_scored_a_little_has_no_reasons():
    assessment = news2(resp_rate=21)
    assert (assessment.score, assessment.colour, assessment.reasons) == (2, Colour.GREEN, ())


readings = st.fixed_dictionaries(
    {
        "resp_rate": st.integers(1, 80),
        "spo2": st.integers(30, 100),
        "on_oxygen": st.booleans(),
        "systolic": st.integers(40, 300),
        "pulse": st.integers(20, 250),
        "consciousness": st.sampled_from("ACVPU"),
        "temperature": st.integers(300, 440).map(lambda tenths: tenths / 10),
    }
)
scales = st.sampled_from([1, 2])


@given(readings, scales)
def test_the_total_is_the_sum_of_the_parts_and_the_colour_follows_the_response(answers, scale):
    assessment = news2(scale, **answers)
    assert assessment.score == sum(assessment.parts.values())
    assert 0 <= assessment.score <= 20
    assert all(0 <= part <= 3 for part in assessment.parts.values())
    expected = {"low": Colour.GREEN, "high": Colour.RED}.get(assessment.response, Colour.AMBER)
    assert assessment.colour == expected
    assert (assessment.reasons == ()) == (assessment.colour == Colour.GREEN)


@given(readings, scales, st.text(max_size=200))
def test_the_persons_own_words_never_change_the_colour(answers, scale, remark):
    assert news2(scale, **answers, remark=remark) == news2(scale, **answers)


# Where each reading is normal, and its limits: moving it further out never helps.
NORMAL_RANGES = {
    "resp_rate": (12, 20, 1, 80),
    "systolic": (111, 219, 40, 300),
    "pulse": (51, 90, 20, 250),
}


@given(readings, scales, st.sampled_from(sorted(NORMAL_RANGES)), st.integers(1, 40))
def test_a_reading_further_from_normal_never_lowers_the_score_or_the_colour(
    answers, scale, key, step
):
    low_normal, high_normal, lowest, highest = NORMAL_RANGES[key]
    value = answers[key]
    if value > high_normal:
        further = min(highest, value + step)
    elif value < low_normal:
        further = max(lowest, value - step)
    else:
        further = min(highest, high_normal + step)
    before, after = news2(scale, **answers), news2(scale, **{**answers, key: further})
    assert after.parts[key] >= before.parts[key]
    assert after.score >= before.score
    assert RESPONSE_RANK[after.response] >= RESPONSE_RANK[before.response]
    assert COLOUR_RANK[after.colour] >= COLOUR_RANK[before.colour]


@given(readings, scales, st.integers(1, 30))
def test_a_lower_oxygen_level_never_lowers_its_score_below_the_target(answers, scale, step):
    target_low = 96 if scale == 1 else 88
    answers["spo2"] = min(answers["spo2"], target_low)
    lower = {**answers, "spo2": max(30, answers["spo2"] - step)}
    assert news2(scale, **lower).parts["spo2"] >= news2(scale, **answers).parts["spo2"]
