"""Disclosure control: which counts a publication may show, and how.

Figures about people are published as counts. A small count in a small group can point at
someone, so a publication picks a `Rule` for it:

- `NHS_ENGLAND`: 0 stays 0, 1 to 7 are hidden, every other count is rounded to the nearest 5
  (NHS Digital's rule for small numbers in published statistics);
- `SWEDEN`: counts under 5 are hidden (the Swedish National Board of Health and Welfare's),
  which is also `DEFAULT`, the platform's rule until publications chose their own;
- `FULL`: nothing hidden, for figures that are not about people (a provider's performance, as
  NHS England publishes waiting times per provider and specialty).

Hiding one count is not enough when a total is published beside it: with "Contacts 9,
answered 7" anyone can work out the 2 not answered. A table is described as cells and
`Group`s (a total and the parts that add up to it; a share is its denominator with the
numerator and the rest as parts, printed or not). `publish_table` hides every count the rule
hides (primary), then hides more (secondary, the smallest part first) until no group gives a
hidden cell away: where the total is shown, at least two parts are hidden and together more
than one each, since a reader knows a hidden count is at least 1 (0 is never hidden); where
the total is hidden, so is one of its parts at least. When no part is left to hide, the
total is hidden. Every hidden cell is shown the same way, whether hidden for itself or to
protect another, so a reader cannot tell which. This is proven (by the tests) for rows of
parts with their total, and for a total split in more than one way (groups sharing only
their total); a table with both row and column totals would need more.

A share, a median or a percentile is shown whenever the count it is worked out from meets
the rule's threshold (`Rule.shows_figure_from`).

Pure functions of their inputs; tests/test_disclosure.py checks over random tables that no
published count is in the hidden range and no hidden count can be worked out from the
published ones.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """How one publication shows counts: 1 to `hide_up_to` hidden, 0 and the rest shown,
    rounded to the nearest `round_to`."""

    code: str
    hide_up_to: int
    round_to: int = 1

    @property
    def threshold(self) -> int:
        """The smallest count shown other than 0."""
        return self.hide_up_to + 1

    def hides(self, count: int) -> bool:
        return 0 < count <= self.hide_up_to

    def rounded(self, count: int) -> int:
        """To the nearest `round_to` (no count is halfway between two for an odd step)."""
        return (count + self.round_to // 2) // self.round_to * self.round_to

    def published(self, count: int) -> int | None:
        """A count on its own, as published: None when hidden."""
        return None if self.hides(count) else self.rounded(count)

    def shows_figure_from(self, base: int) -> bool:
        """Whether a share, median or percentile worked out from `base` counts is shown."""
        return base >= self.threshold


NHS_ENGLAND = Rule(code="nhs-england", hide_up_to=7, round_to=5)
SWEDEN = Rule(code="sweden", hide_up_to=4)
FULL = Rule(code="full", hide_up_to=0)
DEFAULT = SWEDEN
RULES = {rule.code: rule for rule in (NHS_ENGLAND, SWEDEN, FULL)}
# The rule of the statistics authority of the country a publication is about.
BY_COUNTRY = {"GB": NHS_ENGLAND, "SE": SWEDEN}


def rule_for_country(country: str) -> Rule:
    return BY_COUNTRY.get(country.upper(), DEFAULT)


@dataclass(frozen=True)
class Group:
    """A total and the parts that add up to it, as keys of a table's cells."""

    total: Hashable
    parts: tuple[Hashable, ...]


def publish_table(
    rule: Rule, cells: Mapping[Hashable, int], groups: Iterable[Group] = ()
) -> dict[Hashable, int | None]:
    """Every cell as published (None: hidden), given the true counts and the groups in which
    they add up. A group whose parts do not add up to its total is refused (ValueError)."""
    groups = list(groups)
    for group in groups:
        if sum(cells[part] for part in group.parts) != cells[group.total]:
            raise ValueError(f"the parts of {group.total!r} do not add up to it")
    hidden = {key for key, count in cells.items() if rule.hides(count)}
    # Hiding a cell can expose another group it belongs to: go round until nothing changes.
    while any(_protect(group, cells, hidden) for group in groups):
        pass
    return {key: None if key in hidden else rule.rounded(count) for key, count in cells.items()}


def _protect(group: Group, cells: Mapping[Hashable, int], hidden: set) -> bool:
    """Hide one more cell of the group if a hidden cell could be worked out from it (the
    group's total less its parts is 0); say whether one was hidden."""
    hidden_parts = [part for part in group.parts if part in hidden]
    if group.total in hidden:
        # The total moves with any hidden part; with every part shown it is their sum.
        if hidden_parts:
            return False
    elif not hidden_parts or (
        # Each hidden part is at least 1: they can be told apart only if together they are more.
        len(hidden_parts) >= 2 and sum(cells[part] for part in hidden_parts) > len(hidden_parts)
    ):
        return False
    candidates = [
        (cells[part], index)
        for index, part in enumerate(group.parts)
        if part not in hidden and cells[part] > 0
    ]
    hidden.add(group.parts[min(candidates)[1]] if candidates else group.total)
    return True
