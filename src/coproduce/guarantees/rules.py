"""A guarantee scheme's rules as plain, immutable data: what the clock function reads.

The database holds schemes so that they can be edited in the back office and versioned with
effective dates (models.Scheme, models.SchemeStage); `queries.scheme_rules(scheme)` turns the
rows into these objects, and `fixtures/schemes.json` holds the built-in schemes. Nothing here
touches the database, so the clock can be tested and run (the `check` command) on its own.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class LimitUnit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"


class Status(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"
    LAPSED = "lapsed"
    NULLIFIED = "nullified"


class ExclusionKind(StrEnum):
    """Why days do not count: reported separately in the statistics."""

    PATIENT = "patient"  # a longer wait agreed by patient and clinician ("patient-chosen")
    MEDICAL = "medical"  # medically caused wait
    EXAMINATION = "examination"  # examinations before the visit or treatment


@dataclass(frozen=True)
class ExclusionRule:
    kind: ExclusionKind
    start_event: str
    end_event: str


@dataclass(frozen=True)
class StageRule:
    code: str
    title: str
    start_events: frozenset[str]
    stop_events: frozenset[str]
    limit: int
    unit: LimitUnit = LimitUnit.CALENDAR_DAYS
    # ISO 3166 country code whose public holidays are not working days (working-day limits).
    holiday_country: str = ""
    exclusions: tuple[ExclusionRule, ...] = ()
    # Any of these while the stage is open lapses it (the guarantee no longer applies).
    lapse_events: frozenset[str] = frozenset()
    # {event type: n}: the n-th such event while the stage is open lapses it ("dna": 2).
    lapse_on_repeat: tuple[tuple[str, int], ...] = ()
    # Any of these while the stage is open nullifies the clock, unless one of
    # `nullify_unless_after` has already happened in the pathway (RTT: a DNA before any
    # first visit nullifies).
    nullify_events: frozenset[str] = frozenset()
    nullify_unless_after: frozenset[str] = frozenset()
    # Any of these after the clock was nullified starts a new clock on its date.
    restart_events: frozenset[str] = frozenset()
    plain_words: str = ""  # the guarantee as a person would say it


@dataclass(frozen=True)
class SchemeRules:
    code: str
    title: str
    stages: tuple[StageRule, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    # A running stage is "at risk" once this share of its limit is used.
    at_risk_fraction: float = 0.8
    right_on_breach: str = ""  # what the person is owed, in plain words
    # Event types that are valid in this scheme's pathways but not named by any stage rule.
    extra_events: frozenset[str] = field(default=frozenset())

    def stage(self, code: str) -> StageRule:
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise KeyError(code)


@dataclass(frozen=True)
class ClockEvent:
    type: str
    date: date


@dataclass(frozen=True)
class StageClock:
    """One stage of one pathway, as of a date."""

    stage: str
    status: Status
    start: date | None = None
    end: date | None = None  # the stop event, or the event that lapsed or nullified the stage
    deadline: date | None = None
    days_waited: int | None = None
    limit: int = 0
    # Excluded days inside the stage's window, by kind (a day in two kinds counts once in
    # `days_excluded`, and once under each kind).
    days_excluded: int = 0
    excluded_by_kind: tuple[tuple[ExclusionKind, int], ...] = ()
    # The kind of excluded period still open at the end of the window, if any: the deadline
    # moves on while it lasts.
    paused_by: ExclusionKind | None = None
    at_risk: bool = False


def rules_from_definition(definition: dict) -> SchemeRules:
    """Build a scheme's rules from its definition (the shape of fixtures/schemes.json)."""
    stages = tuple(
        StageRule(
            code=stage["code"],
            title=stage["title"],
            plain_words=stage.get("plain_words", ""),
            start_events=frozenset(stage["start_events"]),
            stop_events=frozenset(stage["stop_events"]),
            limit=int(stage["limit"]),
            unit=LimitUnit(stage.get("unit", LimitUnit.CALENDAR_DAYS)),
            holiday_country=stage.get("holiday_country", ""),
            exclusions=tuple(
                ExclusionRule(ExclusionKind(rule["kind"]), rule["start_event"], rule["end_event"])
                for rule in stage.get("exclusions", ())
            ),
            lapse_events=frozenset(stage.get("lapse_events", ())),
            lapse_on_repeat=tuple(sorted(stage.get("lapse_on_repeat", {}).items())),
            nullify_events=frozenset(stage.get("nullify_events", ())),
            nullify_unless_after=frozenset(stage.get("nullify_unless_after", ())),
            restart_events=frozenset(stage.get("restart_events", ())),
        )
        for stage in definition["stages"]
    )
    return SchemeRules(
        code=definition["code"],
        title=definition["title"],
        stages=stages,
        effective_from=_optional_date(definition.get("effective_from")),
        effective_to=_optional_date(definition.get("effective_to")),
        at_risk_fraction=int(definition.get("at_risk_percent", 80)) / 100,
        right_on_breach=definition.get("right_on_breach", ""),
        extra_events=frozenset(definition.get("extra_events", ())),
    )


def _optional_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def event_types(rules: SchemeRules) -> frozenset[str]:
    """Every event type a pathway under this scheme may record."""
    names = set(rules.extra_events)
    for stage in rules.stages:
        names |= stage.start_events | stage.stop_events | stage.lapse_events
        names |= stage.nullify_events | stage.nullify_unless_after | stage.restart_events
        names |= {name for name, _ in stage.lapse_on_repeat}
        for rule in stage.exclusions:
            names |= {rule.start_event, rule.end_event}
    return frozenset(names)


def builtin_definitions() -> list[dict]:
    """The schemes that ship with Coproduce (fixtures/schemes.json)."""
    import json
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "schemes.json"
    return json.loads(path.read_text(encoding="utf-8"))["schemes"]
