"""Answers and settings are checked before anything is scored: JSON's own types only, each
within what a real reading can be, normalised (whole numbers, decimals to their places, yes
or no, an option's code, stripped text), and refused with a message that tells the person
what to enter."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.programmes import BUILT_IN, COPD_CAT, HEART_FAILURE, NEWS2
from coproduce.monitoring.rules import AnswerError, clean_answers, clean_settings
from tests.monitoring.answers import NEWS2_NORMAL

HEART_FAILURE_ANSWERS = {
    "weight_kg": 82.4,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}


def refusal(programme, raw) -> tuple[str, str]:
    with pytest.raises(AnswerError) as refused:
        clean_answers(programme, raw)
    return refused.value.key, refused.value.message


def test_good_answers_come_back_as_json_values():
    assert clean_answers(NEWS2, NEWS2_NORMAL) == NEWS2_NORMAL
    cleaned = clean_answers(HEART_FAILURE, {**HEART_FAILURE_ANSWERS, "weight_kg": 82})
    assert cleaned["weight_kg"] == 82.0 and type(cleaned["weight_kg"]) is float


def test_a_whole_number_written_with_a_decimal_point_is_that_number():
    cleaned = clean_answers(NEWS2, {**NEWS2_NORMAL, "pulse": 72.0})
    assert cleaned["pulse"] == 72 and type(cleaned["pulse"]) is int


def test_a_decimal_from_a_form_field_is_a_float():
    cleaned = clean_answers(NEWS2, {**NEWS2_NORMAL, "temperature": Decimal("37.2")})
    assert cleaned["temperature"] == 37.2 and type(cleaned["temperature"]) is float


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"spo2": 130}, "spo2", "Enter your oxygen level between 30% and 100%"),
        ({"spo2": 29}, "spo2", "Enter your oxygen level between 30% and 100%"),
        ({"temperature": 55.0}, "temperature", "Enter your temperature between 30°C and 44°C"),
        ({"temperature": 29.9}, "temperature", "Enter your temperature between 30°C and 44°C"),
        (
            {"temperature": 36.85},
            "temperature",
            "Enter your temperature with no more than 1 decimal place",
        ),
        ({"temperature": "36.8"}, "temperature", "Enter your temperature as a number"),
        ({"temperature": True}, "temperature", "Enter your temperature as a number"),
        (
            {"resp_rate": 81},
            "resp_rate",
            "Enter the number of breaths you take in one minute between 1 and 80 breaths a minute",
        ),
        (
            {"resp_rate": 2.5},
            "resp_rate",
            "Enter the number of breaths you take in one minute as a whole number",
        ),
        (
            {"resp_rate": "16"},
            "resp_rate",
            "Enter the number of breaths you take in one minute as a whole number",
        ),
        (
            {"resp_rate": True},
            "resp_rate",
            "Enter the number of breaths you take in one minute as a whole number",
        ),
        (
            {"systolic": 301},
            "systolic",
            "Enter the top number of your blood pressure between 40 and 300 mmHg",
        ),
        ({"pulse": 19}, "pulse", "Enter your pulse between 20 and 250 beats a minute"),
        ({"consciousness": "X"}, "consciousness", "Choose one of the answers"),
        ({"consciousness": "a"}, "consciousness", "Choose one of the answers"),
        ({"consciousness": ["A"]}, "consciousness", "Choose one of the answers"),
        ({"on_oxygen": 1}, "on_oxygen", "Choose yes or no"),
        ({"on_oxygen": "yes"}, "on_oxygen", "Choose yes or no"),
        ({"on_oxygen": None}, "on_oxygen", "Choose yes or no"),
        ({"pulse": None}, "pulse", "Enter your pulse"),
        ({"remark": 7}, "remark", "Enter your answer as text"),
        ({"remark": "x" * 1001}, "remark", "Your answer must be 1000 characters or fewer"),
        ({"weight_kg": 80.0}, "weight_kg", "This is not a question in this programme"),
    ],
)
def test_news2_answers_that_cannot_be_real_are_refused_with_what_to_enter(change, key, message):
    assert refusal(NEWS2, {**NEWS2_NORMAL, **change}) == (key, message)


@pytest.mark.parametrize("key", sorted(NEWS2_NORMAL))
def test_every_news2_reading_must_be_given(key):
    raw = {name: value for name, value in NEWS2_NORMAL.items() if name != key}
    assert refusal(NEWS2, raw)[0] == key


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (0, "Enter your weight between 20 and 350 kg"),
        (700, "Enter your weight between 20 and 350 kg"),
        (19.9, "Enter your weight between 20 and 350 kg"),
        (350.1, "Enter your weight between 20 and 350 kg"),
        (82.45, "Enter your weight with no more than 1 decimal place"),
    ],
)
def test_a_weight_that_cannot_be_real_is_refused(weight, message):
    assert refusal(HEART_FAILURE, {**HEART_FAILURE_ANSWERS, "weight_kg": weight}) == (
        "weight_kg",
        message,
    )


@pytest.mark.parametrize("weight", [20, 20.0, 350, 350.0, 82.4])
def test_the_heaviest_and_lightest_real_weights_are_taken(weight):
    raw = {**HEART_FAILURE_ANSWERS, "weight_kg": weight}
    assert clean_answers(HEART_FAILURE, raw)["weight_kg"] == float(weight)


def test_breathless_is_one_of_its_answers():
    raw = {**HEART_FAILURE_ANSWERS, "breathless": "yes"}
    assert refusal(HEART_FAILURE, raw) == ("breathless", "Choose one of the answers")


def test_the_cat_oxygen_questions_may_be_left_out_or_null():
    items = {f"cat_{number}": 1 for number in range(1, 9)}
    assert clean_answers(COPD_CAT, items) == {key: "1" for key in items}
    assert clean_answers(COPD_CAT, {**items, "spo2": None, "on_oxygen": None}) == {
        key: "1" for key in items
    }
    assert clean_answers(COPD_CAT, {**items, "spo2": 95})["spo2"] == 95
    assert refusal(COPD_CAT, {**items, "spo2": 101})[0] == "spo2"


def test_a_cat_item_must_be_answered():
    items = {f"cat_{number}": 1 for number in range(1, 8)}
    assert refusal(COPD_CAT, items) == ("cat_8", "Choose a number from 0 to 5")


def test_the_persons_own_words_are_stripped_and_an_empty_remark_is_none():
    assert clean_answers(NEWS2, {**NEWS2_NORMAL, "remark": "  New cough.  "})["remark"] == (
        "New cough."
    )
    assert "remark" not in clean_answers(NEWS2, {**NEWS2_NORMAL, "remark": "   "})


@given(st.sampled_from(sorted(BUILT_IN)), st.text(min_size=1, max_size=8))
def test_a_key_no_question_has_is_refused_by_name(programme_key, key):
    programme = BUILT_IN[programme_key]
    if programme.question(key) is not None:
        return
    with pytest.raises(AnswerError) as refused:
        clean_answers(programme, {key: 1})
    assert refused.value.key == key


@given(st.integers(30, 100), st.booleans())
def test_cleaning_clean_answers_changes_nothing(spo2, on_oxygen):
    once = clean_answers(NEWS2, {**NEWS2_NORMAL, "spo2": spo2, "on_oxygen": on_oxygen})
    assert clean_answers(NEWS2, once) == once


def test_settings_are_the_defaults_overlaid_with_the_persons_own():
    assert clean_settings(COPD_CAT, {}) == {
        "cat_baseline": 10,
        "spo2_scale": 1,
        "red_total": 30,
        "red_above_baseline": 5,
        "amber_above_baseline": 2,
    }
    assert clean_settings(COPD_CAT, {"cat_baseline": 18, "spo2_scale": 2.0}) == {
        "cat_baseline": 18,
        "spo2_scale": 2,
        "red_total": 30,
        "red_above_baseline": 5,
        "amber_above_baseline": 2,
    }
    assert clean_settings(HEART_FAILURE, {"dry_weight_kg": 78.5, "three_day_gain_kg": 2}) == {
        "three_day_gain_kg": 2.0,
        "overnight_gain_kg": 1.0,
        "dry_weight_kg": 78.5,
    }
    assert clean_settings(HEART_FAILURE, {"dry_weight_kg": None})["dry_weight_kg"] is None


@pytest.mark.parametrize(
    ("programme", "raw", "key", "message"),
    [
        (
            COPD_CAT,
            {"cat_baseline": 41},
            "cat_baseline",
            "Enter a value for “Usual CAT score” between 0 and 40",
        ),
        (
            COPD_CAT,
            {"cat_baseline": "10"},
            "cat_baseline",
            "Enter a value for “Usual CAT score” as a whole number",
        ),
        (
            NEWS2,
            {"spo2_scale": 3},
            "spo2_scale",
            "Enter a value for “Oxygen level scale” between 1 and 2",
        ),
        (
            HEART_FAILURE,
            {"three_day_gain_kg": 0},
            "three_day_gain_kg",
            "Enter a value for “Red at a weight gain over 3 days of more than” between 0.1 and 20",
        ),
        (
            HEART_FAILURE,
            {"overnight_gain_kg": 1.25},
            "overnight_gain_kg",
            "Enter a value for “Amber at a weight gain overnight of more than” with no more "
            "than 1 decimal place",
        ),
        (NEWS2, {"cat_baseline": 10}, "cat_baseline", "This is not a setting of this programme"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused(programme, raw, key, message):
    with pytest.raises(AnswerError) as refused:
        clean_settings(programme, raw)
    assert (refused.value.key, refused.value.message) == (key, message)


def test_of_several_wrong_answers_the_first_question_is_named():
    raw = {**NEWS2_NORMAL, "temperature": 55.0, "spo2": 130}
    assert refusal(NEWS2, raw)[0] == "spo2"
    raw = {key: value for key, value in NEWS2_NORMAL.items() if key != "pulse"}
    assert refusal(NEWS2, {**raw, "temperature": 55.0, "consciousness": "X"})[0] == "pulse"


answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 400),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=400),
    st.sampled_from(["A", "C", "X", "", "  ", "16", "no", "at_rest", "3"]),
)


USUAL_ANSWERS = {
    "news2": NEWS2_NORMAL,
    "copd-cat": {f"cat_{number}": 2 for number in range(1, 9)},
    "heart-failure": HEART_FAILURE_ANSWERS,
}


@st.composite
def answers_some_wrong(draw):
    """A programme and its usual answers, some changed to anything JSON might hold."""
    programme = BUILT_IN[draw(st.sampled_from(sorted(BUILT_IN)))]
    keys = [question.key for question in programme.questions]
    changes = draw(st.dictionaries(st.sampled_from(keys), answer_values))
    return programme, {**USUAL_ANSWERS[programme.key], **changes}


@given(answers_some_wrong(), st.randoms(use_true_random=False))
def test_the_order_answers_come_in_changes_nothing(programme_and_answers, draw):
    programme, raw = programme_and_answers
    shuffled = list(raw.items())
    draw.shuffle(shuffled)

    def outcome(answers):
        try:
            return clean_answers(programme, dict(answers))
        except AnswerError as error:
            return (error.key, error.message)

    assert outcome(shuffled) == outcome(raw.items())
