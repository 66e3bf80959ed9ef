"""COPD (CAT): red at a total of 30, at 5 above the person's usual score or an oxygen level
scoring 3 on their NEWS2 scale; amber at 2 above (the smallest change that matters) or an
oxygen level scoring 2; each threshold a setting the care team may change."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.programmes import COPD_CAT, Colour
from coproduce.monitoring.rules import AnswerError, assess, clean_answers, clean_settings

DAY = date(2026, 12, 3)
COLOUR_RANK = {Colour.GREEN: 0, Colour.AMBER: 1, Colour.RED: 2}


def items_totalling(total: int) -> list[int]:
    """Eight item scores (0-5) that add up to `total`."""
    return [min(5, max(0, total - 5 * number)) for number in range(8)]


def cat(items, settings=None, **extra):
    raw = {f"cat_{number}": item for number, item in enumerate(items, 1)} | extra
    return assess(
        COPD_CAT, clean_answers(COPD_CAT, raw), clean_settings(COPD_CAT, settings or {}), DAY
    )


def cat_total(total: int, settings=None, **extra):
    return cat(items_totalling(total), settings, **extra)


@pytest.mark.parametrize(
    ("baseline", "total", "colour"),
    [
        (10, 11, Colour.GREEN),  # 1 above
        (10, 12, Colour.AMBER),  # 2 above: the smallest change that matters
        (10, 14, Colour.AMBER),
        (10, 15, Colour.RED),  # 5 above
        (0, 0, Colour.GREEN),
        (0, 1, Colour.GREEN),
        (0, 2, Colour.AMBER),
        (0, 4, Colour.AMBER),
        (0, 5, Colour.RED),
        (20, 21, Colour.GREEN),
        (20, 22, Colour.AMBER),
        (20, 24, Colour.AMBER),
        (20, 25, Colour.RED),
        (28, 29, Colour.GREEN),  # 1 above, and below 30
        (28, 30, Colour.RED),  # 2 above, but 30 is red whatever the usual score
        (35, 29, Colour.GREEN),  # a usual score past 30: below it is green ...
        (35, 30, Colour.RED),  # ... and 30 or more still red
        (35, 36, Colour.RED),
        (10, 9, Colour.GREEN),  # better than usual
    ],
)
def test_cat_bands_around_the_persons_usual_score(baseline, total, colour):
    assessment = cat_total(total, {"cat_baseline": baseline})
    assert (assessment.score, assessment.parts, assessment.colour) == (
        total,
        {"cat": total},
        colour,
    )
    assert assessment.response is None


def test_the_default_usual_score_is_10():
    assert [cat_total(total).colour for total in (11, 12, 14, 15)] == [
        Colour.GREEN,
        Colour.AMBER,
        Colour.AMBER,
        Colour.RED,
    ]


@pytest.mark.parametrize(
    ("thresholds", "total", "colour"),
    [
        ({"red_total": 25, "cat_baseline": 22}, 24, Colour.AMBER),
        ({"red_total": 25, "cat_baseline": 22}, 25, Colour.RED),
        ({"amber_above_baseline": 3}, 12, Colour.GREEN),
        ({"amber_above_baseline": 3}, 13, Colour.AMBER),
        ({"red_above_baseline": 8}, 17, Colour.AMBER),
        ({"red_above_baseline": 8}, 18, Colour.RED),
        (
            {"cat_baseline": 15, "red_above_baseline": 3, "amber_above_baseline": 1},
            16,
            Colour.AMBER,
        ),
        ({"cat_baseline": 15, "red_above_baseline": 3, "amber_above_baseline": 1}, 18, Colour.RED),
    ],
)
def test_the_care_team_may_change_every_threshold(thresholds, total, colour):
    assert cat_total(total, thresholds).colour == colour


@pytest.mark.parametrize(
    ("scale", "spo2", "on_oxygen", "part", "colour"),
    [
        (1, 96, False, 0, Colour.GREEN),
        (1, 94, False, 1, Colour.GREEN),  # scoring 1 is no rule of its own
        (1, 93, False, 2, Colour.AMBER),
        (1, 92, True, 2, Colour.AMBER),
        (1, 91, False, 3, Colour.RED),
        (2, 88, False, 0, Colour.GREEN),
        (2, 86, False, 1, Colour.GREEN),
        (2, 85, False, 2, Colour.AMBER),
        (2, 83, False, 3, Colour.RED),
        (2, 97, False, 0, Colour.GREEN),  # a high level on air is no warning on scale 2
        (2, 95, True, 2, Colour.AMBER),
        (2, 97, True, 3, Colour.RED),
    ],
)
def test_the_oxygen_level_scores_on_the_persons_news2_scale(scale, spo2, on_oxygen, part, colour):
    assessment = cat_total(10, {"spo2_scale": scale}, spo2=spo2, on_oxygen=on_oxygen)
    assert (assessment.parts, assessment.colour) == ({"cat": 10, "spo2": part}, colour)


def test_an_oxygen_level_without_the_oxygen_question_counts_as_on_air():
    assert cat_total(10, {"spo2_scale": 2}, spo2=97).parts["spo2"] == 0


def test_without_an_oxygen_level_only_the_cat_counts():
    assessment = cat_total(10)
    assert (assessment.parts, assessment.colour) == ({"cat": 10}, Colour.GREEN)


def test_the_reasons_name_the_score_the_usual_score_and_the_oxygen_level():
    assert cat_total(16).reasons == ("CAT score 16, 6 above the usual 10",)
    assert cat_total(12).reasons == ("CAT score 12, 2 above the usual 10",)
    assert cat_total(31, {"cat_baseline": 30}).reasons == ("CAT score 31 (30 or more)",)
    assert cat_total(13, spo2=91).reasons == (
        "CAT score 13, 3 above the usual 10",
        "Oxygen level 91% (scores 3)",
    )
    assert cat_total(11, spo2=97).reasons == ()


def test_an_item_answered_as_its_number_or_its_code_scores_the_same():
    assert cat([2, "2", 3, "3", 0, "0", 5, "5"]).score == 20


@pytest.mark.parametrize("bad", [6, 2.5, -1, True, "six", None])
def test_an_item_outside_0_to_5_is_refused(bad):
    with pytest.raises(AnswerError) as refused:
        cat([1, 1, 1, bad, 1, 1, 1, 1])
    assert (refused.value.key, refused.value.message) == ("cat_4", "Choose a number from 0 to 5")


item_scores = st.lists(st.integers(0, 5), min_size=8, max_size=8)
baselines = st.integers(0, 40)


@given(item_scores, baselines)
def test_the_score_is_the_sum_of_the_items(items, baseline):
    assert cat(items, {"cat_baseline": baseline}).score == sum(items)


@given(item_scores, baselines, st.integers(0, 7), st.integers(30, 100), st.sampled_from([1, 2]))
def test_a_worse_answer_to_any_item_never_lowers_the_colour(items, baseline, item, spo2, scale):
    settings = {"cat_baseline": baseline, "spo2_scale": scale}
    worse = [*items]
    worse[item] = min(5, worse[item] + 1)
    before = cat(items, settings, spo2=spo2)
    after = cat(worse, settings, spo2=spo2)
    assert COLOUR_RANK[after.colour] >= COLOUR_RANK[before.colour]


@given(item_scores, baselines, st.text(max_size=100))
def test_the_persons_own_words_never_change_the_colour(items, baseline, remark):
    settings = {"cat_baseline": baseline}
    assert cat(items, settings, remark=remark) == cat(items, settings)
