"""Disclosure control: worked examples of each rule, and over random tables that no published
count is in the hidden range and that no hidden count can be worked out from what is published
(every table the published figures allow is enumerated, as sets of possible sums)."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coproduce.disclosure import (
    DEFAULT,
    FULL,
    NHS_ENGLAND,
    RULES,
    SWEDEN,
    Group,
    Rule,
    publish_table,
    rule_for_country,
)

# Above any count drawn: what a reader knows of a hidden count is 1 ≤ count ≤ CAP.
CAP = 250
EVERY_VALUE = (1 << (CAP + 1)) - 1


def row(rule: Rule, parts: list[int]) -> tuple[list[int | None], int | None]:
    """Parts with their total beside them, as published."""
    cells = dict(enumerate(parts)) | {"total": sum(parts)}
    shown = publish_table(rule, cells, [Group("total", tuple(range(len(parts))))])
    return [shown[index] for index in range(len(parts))], shown["total"]


def test_the_nhs_rule_keeps_0_hides_1_to_7_and_rounds_the_rest_to_5():
    assert [NHS_ENGLAND.published(n) for n in (0, 1, 7, 8, 12, 13, 17, 18, 1002)] == [
        0,
        None,
        None,
        10,
        10,
        15,
        15,
        20,
        1000,
    ]
    assert NHS_ENGLAND.shows_figure_from(8) and not NHS_ENGLAND.shows_figure_from(7)


def test_the_swedish_rule_hides_counts_under_5():
    assert [SWEDEN.published(n) for n in (0, 1, 4, 5, 13)] == [0, None, None, 5, 13]
    assert SWEDEN.shows_figure_from(5) and not SWEDEN.shows_figure_from(4)


def test_full_figures_hide_nothing():
    assert [FULL.published(n) for n in (0, 1, 2, 7)] == [0, 1, 2, 7]
    assert row(FULL, [9, 1, 0]) == ([9, 1, 0], 10)
    assert FULL.shows_figure_from(1)


def test_a_publication_picks_its_rule_by_code_or_country():
    assert RULES["nhs-england"] is NHS_ENGLAND
    assert rule_for_country("GB") is NHS_ENGLAND
    assert rule_for_country("se") is SWEDEN
    assert rule_for_country("NO") is DEFAULT is SWEDEN


def test_contacts_9_answered_7_does_not_give_away_the_2_not_answered():
    cells = {"contacts": 9, "answered": 7, "not answered": 2}
    shown = publish_table(SWEDEN, cells, [Group("contacts", ("answered", "not answered"))])
    assert shown == {"contacts": 9, "answered": None, "not answered": None}


def test_secondary_suppression_hides_the_smallest_part_and_never_a_zero():
    assert row(SWEDEN, [10, 3, 0, 7]) == ([10, None, 0, None], 20)
    assert row(SWEDEN, [10, 3, 2, 7]) == ([10, None, None, 7], 22)
    # Two hidden 1s with their total shown would be 1 and 1: a third part is hidden.
    assert row(SWEDEN, [1, 1, 6, 9]) == ([None, None, None, 9], 17)
    # Nothing else to hide: the total goes.
    assert row(SWEDEN, [1, 1, 1, 1, 1]) == ([None] * 5, None)
    assert row(SWEDEN, [3, 0]) == ([None, 0], None)
    assert row(NHS_ENGLAND, [7, 30, 12]) == ([None, 30, None], 50)


def test_parts_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError, match="do not add up"):
        publish_table(SWEDEN, {"t": 5, "a": 2, "b": 2}, [Group("t", ("a", "b"))])


# --- over random tables ----------------------------------------------------------------------


def possible(rule: Rule, published: int | None) -> int:
    """The counts a reader knowing the rule can tell a published cell might be, as a bitmask."""
    if published is None:
        return EVERY_VALUE & ~1  # hidden: at least 1 (0 is never hidden)
    mask = 0
    for value in range(CAP + 1):
        if not rule.hides(value) and rule.rounded(value) == published:
            mask |= 1 << value
    return mask


def add(sums: int, values: int) -> int:
    """Every a + b for a in sums and b in values (bitmasks), up to CAP."""
    total, value = 0, 0
    while values:
        if values & 1:
            total |= sums << value
        values >>= 1
        value += 1
    return total & EVERY_VALUE


def sum_of(masks) -> int:
    sums = 1  # 0
    for mask in masks:
        sums = add(sums, mask)
    return sums


def values_of(mask: int) -> set[int]:
    return {value for value in range(CAP + 1) if mask >> value & 1}


def assert_nothing_given_away(rule: Rule, total: int, splits: list[list[int]]):
    """One total split in one or more ways (each split a group of parts adding up to it): the
    published cells follow the rule, and every hidden cell could be at least two counts in
    tables that publish the same figures."""
    cells = {"total": total} | {
        (split, index): value
        for split, parts in enumerate(splits)
        for index, value in enumerate(parts)
    }
    groups = [
        Group("total", tuple((split, index) for index in range(len(parts))))
        for split, parts in enumerate(splits)
    ]
    shown = publish_table(rule, cells, groups)
    for key, value in shown.items():
        if value is not None:
            assert not rule.hides(cells[key]), key
            assert value == rule.rounded(cells[key]), key
            assert not rule.hides(value), key
        else:
            assert cells[key] > 0, "a zero is never hidden"
    known = {key: possible(rule, value) for key, value in shown.items()}
    split_sums = [
        sum_of(known[(split, index)] for index in range(len(parts)))
        for split, parts in enumerate(splits)
    ]
    totals = known["total"]
    for sums in split_sums:
        totals &= sums
    assert total in values_of(totals)
    if shown["total"] is None:
        assert len(values_of(totals)) >= 2, "the hidden total can be worked out"
    for split, parts in enumerate(splits):
        # The totals the other splits allow.
        allowed = known["total"]
        for other, sums in enumerate(split_sums):
            if other != split:
                allowed &= sums
        for index, value in enumerate(parts):
            if shown[(split, index)] is not None:
                continue
            rest = sum_of(known[(split, i)] for i in range(len(parts)) if i != index)
            could_be = {v for v in values_of(known[(split, index)]) if (rest << v) & allowed}
            assert value in could_be
            assert len(could_be) >= 2, f"part {index} of split {split} ({value}) is given away"


# Mostly small counts, some zeros, some larger.
counts = st.one_of(st.integers(0, 3), st.integers(0, 9), st.integers(0, 40))
parts = st.lists(counts, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(list(RULES.values())), table=st.lists(parts, min_size=1, max_size=4))
def test_rows_with_totals_give_nothing_away(rule, table):
    for row_parts in table:
        assert_nothing_given_away(rule, sum(row_parts), [row_parts])


@st.composite
def splits_of_one_total(draw):
    """A total split in two or three ways (waits by band, and over or within the limit)."""
    first = draw(parts)
    total = sum(first)
    splits = [first]
    for _ in range(draw(st.integers(1, 2))):
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=3)))
        bounds = [0, *cuts, total]
        splits.append([high - low for low, high in zip(bounds, bounds[1:], strict=False)])
    return total, splits


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(list(RULES.values())), table=splits_of_one_total())
# Five 1s hide their total, which the other split would give back.
@example(rule=SWEDEN, table=(5, [[1, 1, 1, 1, 1], [5, 0]]))
def test_a_total_split_several_ways_gives_nothing_away(rule, table):
    total, splits = table
    assert_nothing_given_away(rule, total, splits)
