"""The guarantee clock: where every stage of a pathway stands on a date.

`evaluate(rules, events, as_of)` is the one implementation of the counting rules; pages, the
API, statistics and the `check` command all read it. It is a pure function of its inputs
(`as_of` is passed in, never read from the clock on the wall). docs/guarantees.md explains
the rules with worked examples.

The `check` command evaluates a million pathways a minute, so the rules are compiled once
per scheme into a `SchemePlan` that works on plain `(event type, date ordinal)` pairs;
`evaluate` is a thin wrapper that turns its answer into `StageClock` objects.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from math import ceil
from operator import itemgetter

from .calendars import WorkingDays, working_days
from .rules import (
    ClockEvent,
    ExclusionKind,
    ExclusionRule,
    LimitUnit,
    SchemeRules,
    StageClock,
    StageRule,
    Status,
)

# What an event type does to one stage: a bit set, since one type may play several roles.
STARTS = 1
STOPS = 2
LAPSES = 4
LAPSES_ON_REPEAT = 8
NULLIFIES = 16
PREVENTS_NULLIFYING = 32  # nullify_unless_after
RESTARTS = 64

# A stage's state while the events are read.
_NOT_STARTED, _OPEN, _STOPPED, _LAPSED, _NULLIFIED = range(5)

# Statuses as plain names: on Python 3.11 each `Status.X` lookup costs about 100 ns, and the
# `check` command makes several for each of millions of stages.
NOT_STARTED = Status.NOT_STARTED
RUNNING = Status.RUNNING
MET = Status.MET
BREACHED = Status.BREACHED
LAPSED = Status.LAPSED
NULLIFIED = Status.NULLIFIED

# One stage's answer in ordinals: status, start, end, deadline, days_waited, days_excluded,
# excluded_by_kind, paused_by, at_risk.
StageRow = tuple[
    Status,
    int | None,
    int | None,
    int | None,
    int | None,
    int,
    tuple[tuple[ExclusionKind, int], ...],
    ExclusionKind | None,
    bool,
]

_by_day = itemgetter(1)


def _calendar_days(after: int, through: int) -> int:
    return through - after


@dataclass(frozen=True)
class StagePlan:
    code: str
    limit: int  # in counted days (weeks are 7 days each)
    at_risk_from: int  # days waited at which a running stage is at risk
    roles: dict[str, int]  # event type -> bit set of STARTS, STOPS...
    repeat_limits: dict[str, int]  # lapse_on_repeat
    exclusions: tuple[tuple[int, ExclusionKind], ...]  # (index into SchemePlan.exclusions, kind)
    calendar: WorkingDays | None  # None for calendar days and weeks
    # Counted days after one date ordinal up to and including another.
    measure: Callable[[int, int], int]


def _stage_plan(
    stage: StageRule, at_risk_fraction: float, exclusions: list[ExclusionRule]
) -> StagePlan:
    limit = stage.limit * 7 if stage.unit == LimitUnit.WEEKS else stage.limit
    calendar = working_days(stage.holiday_country) if stage.unit == LimitUnit.WORKING_DAYS else None
    roles: dict[str, int] = {}
    for names, role in (
        (stage.start_events, STARTS),
        (stage.stop_events, STOPS),
        (stage.lapse_events, LAPSES),
        ({name for name, _ in stage.lapse_on_repeat}, LAPSES_ON_REPEAT),
        (stage.nullify_events, NULLIFIES),
        (stage.nullify_unless_after, PREVENTS_NULLIFYING),
        (stage.restart_events, RESTARTS),
    ):
        for name in names:
            roles[name] = roles.get(name, 0) | role
    return StagePlan(
        code=stage.code,
        limit=limit,
        # Rounded first so that 0.7 x 10 is 7, not 7.000000000000001.
        at_risk_from=ceil(round(at_risk_fraction * limit, 9)),
        roles=roles,
        repeat_limits=dict(stage.lapse_on_repeat),
        exclusions=tuple((exclusions.index(rule), rule.kind) for rule in stage.exclusions),
        calendar=calendar,
        measure=calendar.count if calendar else _calendar_days,
    )


class SchemePlan:
    """A scheme's rules, compiled for reading many pathways."""

    def __init__(self, rules: SchemeRules) -> None:
        # Excluded periods belong to the pathway, not a stage: each distinct rule is read once.
        self.exclusions: list[ExclusionRule] = []
        for stage in rules.stages:
            self.exclusions += [rule for rule in stage.exclusions if rule not in self.exclusions]
        # event type -> [(exclusion index, True if it opens a period, False if it ends one)]
        self.exclusion_roles: dict[str, list[tuple[int, bool]]] = {}
        for index, rule in enumerate(self.exclusions):
            self.exclusion_roles.setdefault(rule.start_event, []).append((index, True))
            self.exclusion_roles.setdefault(rule.end_event, []).append((index, False))
        self.stages = tuple(
            _stage_plan(stage, rules.at_risk_fraction, self.exclusions) for stage in rules.stages
        )

    def stage_rows(self, events: Iterable[tuple[str, int]], as_of: int) -> list[StageRow]:
        """Every stage's answer, in scheme order, from (event type, date ordinal) pairs."""
        # A stable sort: events on the same day keep the order they were given in.
        events = sorted([event for event in events if event[1] <= as_of], key=_by_day)
        periods = self._excluded_periods(events) if self.exclusion_roles else None
        return [self._stage_row(stage, events, periods, as_of) for stage in self.stages]

    def _excluded_periods(self, events: list[tuple[str, int]]) -> list[list] | None:
        """Per exclusion rule, its periods as (first day, last day or None while open)."""
        periods = None
        open_since: dict[int, int] = {}
        depth: dict[int, int] = {}
        for kind, day in events:
            roles = self.exclusion_roles.get(kind)
            if roles is None:
                continue
            if periods is None:
                periods = [[] for _ in self.exclusions]
            for index, opens in roles:
                # Periods of a kind nest: one ends when every start has had its end, so an
                # added period can only widen what is excluded, never cut a period short.
                if opens:
                    open_since.setdefault(index, day)
                    depth[index] = depth.get(index, 0) + 1
                elif depth.get(index):
                    depth[index] -= 1
                    if not depth[index]:
                        periods[index].append((open_since.pop(index), day))
        for index, day in open_since.items():
            periods[index].append((day, None))
        return periods

    def _stage_row(
        self,
        stage: StagePlan,
        events: list[tuple[str, int]],
        periods: list[list] | None,
        as_of: int,
    ) -> StageRow:
        roles = stage.roles
        state = _NOT_STARTED
        start = end = None
        repeats: dict[str, int] = {}  # lapse_on_repeat events while open
        nullifying_prevented = False
        for kind, day in events:
            role = roles.get(kind)
            if role is None:
                continue
            if state == _OPEN:
                if role & STOPS:
                    state, end = _STOPPED, day
                    break
                if role & LAPSES_ON_REPEAT:
                    repeats[kind] = repeats.get(kind, 0) + 1
                if role & LAPSES or (
                    role & LAPSES_ON_REPEAT and repeats[kind] == stage.repeat_limits[kind]
                ):
                    state, end = _LAPSED, day
                    break
                if role & NULLIFIES and not nullifying_prevented:
                    state, end = _NULLIFIED, day
            elif state == _NOT_STARTED:
                if role & STARTS:
                    state, start = _OPEN, day
            elif role & RESTARTS:  # nullified: a new clock from this day
                state, start, end = _OPEN, day, None
                repeats = {}
            if role & PREVENTS_NULLIFYING:
                nullifying_prevented = True

        if state == _NOT_STARTED:
            return (NOT_STARTED, None, None, None, None, 0, (), None, False)
        if state == _LAPSED:
            return (LAPSED, start, end, None, None, 0, (), None, False)
        if state == _NULLIFIED:
            return (NULLIFIED, start, end, None, None, 0, (), None, False)

        stage_open = state == _OPEN
        window_end = as_of if stage_open else end
        if periods is not None and stage.exclusions:
            excluded, by_kind, paused_by = _excluded_days(
                stage, periods, start, window_end, stage_open
            )
        else:
            excluded, by_kind, paused_by = 0, (), None
        limit = stage.limit
        calendar = stage.calendar
        if calendar is None:
            waited = window_end - start - excluded
            deadline = start + limit + excluded
        else:
            waited = calendar.count(start, window_end) - excluded
            deadline = calendar.add(start, limit + excluded)
        if waited > limit:
            status = BREACHED
        elif stage_open:
            status = RUNNING
        else:
            status = MET
        at_risk = status is RUNNING and waited >= stage.at_risk_from
        return (status, start, end, deadline, waited, excluded, by_kind, paused_by, at_risk)


def _excluded_days(
    stage: StagePlan,
    periods: list[list],
    start: int,
    window_end: int,
    stage_open: bool,
) -> tuple[int, tuple[tuple[ExclusionKind, int], ...], ExclusionKind | None]:
    """Days excluded inside (start, window_end]: all kinds together, each kind, and the kind
    of a period still open when an open stage's window ends."""
    by_kind: dict[ExclusionKind, list[tuple[int, int]]] = {}
    paused_by = None
    for index, kind in stage.exclusions:
        for first, last in periods[index]:
            if last is None:
                if stage_open and paused_by is None:
                    paused_by = kind
                last = window_end
            inside = (max(first, start), min(last, window_end))
            if inside[0] < inside[1]:
                by_kind.setdefault(kind, []).append(inside)
    if not by_kind:
        return 0, (), paused_by
    every_kind = [interval for intervals in by_kind.values() for interval in intervals]
    excluded = _measure_union(every_kind, stage.measure)
    counted = tuple(
        (kind, _measure_union(intervals, stage.measure)) for kind, intervals in by_kind.items()
    )
    return excluded, counted, paused_by


def _measure_union(intervals: Sequence[tuple[int, int]], measure) -> int:
    """Counted days in the union of intervals, each from its first day (not counted) up to
    and including its last: overlaps count once."""
    total = 0
    current_first, current_last = None, None
    for first, last in sorted(intervals):
        if current_last is not None and first <= current_last:
            current_last = max(current_last, last)
            continue
        if current_last is not None:
            total += measure(current_first, current_last)
        current_first, current_last = first, last
    return total + measure(current_first, current_last)


@lru_cache(maxsize=64)
def scheme_plan(rules: SchemeRules) -> SchemePlan:
    return SchemePlan(rules)


def evaluate(rules: SchemeRules, events: Iterable[ClockEvent], as_of: date) -> list[StageClock]:
    """Every stage of a pathway as of a date, in scheme order."""
    plan = scheme_plan(rules)
    rows = plan.stage_rows(
        [(event.type, event.date.toordinal()) for event in events], as_of.toordinal()
    )
    return [_stage_clock(stage, row) for stage, row in zip(plan.stages, rows, strict=True)]


def _stage_clock(stage: StagePlan, row: StageRow) -> StageClock:
    status, start, end, deadline, waited, excluded, by_kind, paused_by, at_risk = row
    return StageClock(
        stage=stage.code,
        status=status,
        start=_date(start),
        end=_date(end),
        deadline=_date(deadline),
        days_waited=waited,
        limit=stage.limit,
        days_excluded=excluded,
        excluded_by_kind=by_kind,
        paused_by=paused_by,
        at_risk=at_risk,
    )


def _date(ordinal: int | None) -> date | None:
    return None if ordinal is None else date.fromordinal(ordinal)
