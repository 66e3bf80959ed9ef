"""Bulk import of waiting-list events, as a hospital's patient administration system (PAS)
exports them: CSV or JSON, one row per event. docs/guarantees-import.md is the format.

Three steps, so that a file with a bad row changes nothing:

1. read: parse the file into rows, each remembering where it was in the file;
2. check: every row against the file's other rows and the database (looked up in bulk, a
   few queries per thousand rows); each bad row gets a reason;
3. write: the good rows, through `actions.open_pathway` and `actions.record_event` only (the
   one write path), in one transaction. With any bad row nothing is written, unless
   `skip_bad_rows`: then the good rows are written and the bad ones reported.

Importing the same file again adds nothing: a row's `event_id` becomes the event's
`source_key`, and an event already recorded under that key is skipped.
"""

import csv
import functools
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from coproduce.errors import ActionError, NotAllowed
from coproduce.people.access import Actor, people_in_organisations_care
from coproduce.people.identifiers import is_valid_nhs_number, normalise_nhs_number
from coproduce.people.models import ApiToken, Organisation, Person, RecordCategory
from coproduce.text import has_unsafe_characters

from . import actions
from .models import Pathway, PathwayEvent, Scheme
from .queries import opens_waits_at, scheme_rules
from .rules import event_types

COLUMNS = (
    "provider",
    "pathway_ref",
    "nhs_number",
    "scheme",
    "service",
    "event_id",
    "event_type",
    "event_date",
    "note",
    "corrects",
)
REQUIRED = COLUMNS[:8]
MAX_LENGTHS = {
    "provider": 32,
    "pathway_ref": 100,
    "scheme": 50,
    "service": 100,
    "event_id": 200,
    "event_type": 50,
    "note": 500,
    "corrects": 200,
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LOOKUP_CHUNK = 500  # rows of an `IN (...)` list: well inside SQLite's variable limit
WRITE_CHUNK = 1000  # with skip_bad_rows, rows committed together
FORMATS = ("csv", "json")

NOT_IN_YOUR_CARE = (
    "There is no person with that NHS number in your care. Check the number, or register "
    "the person with your organisation first."
)


class ImportFileError(Exception):
    """The file cannot be read at all (not CSV or JSON, a bad header): no row is checked."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Row:
    """One row of the file, with where it was: the file line (CSV: the header is line 1) and,
    in JSON, its position in the array (from 1)."""

    line: int
    values: dict[str, str]
    item: int | None = None
    problem: str = ""  # set when the row could not be read at all

    @property
    def key(self) -> str:
        return f"item {self.item}" if self.item is not None else f"line {self.line}"

    @property
    def where(self) -> str:
        return f"item {self.item} (line {self.line})" if self.item is not None else self.key


@dataclass(frozen=True)
class BadRow:
    line: int
    item: int | None
    where: str  # "line 4", or "item 3 (line 12)" in JSON
    key: str  # "line 4" or "item 3": the field name the API's error envelope uses
    event_id: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0  # events recorded (or, on a dry run, that would be)
    skipped: int = 0  # already imported, or repeated in the file: nothing to add
    pathways_opened: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    written: bool = False  # whether anything was saved
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        opened = "would open" if self.dry_run else "opened"
        text = (
            f"{_count(self.rows, 'row')}: {verb} {_count(self.added, 'event')}, {opened} "
            f"{_count(self.pathways_opened, 'wait')}, skipped {self.skipped} already imported, "
            f"{len(self.bad_rows)} bad."
        )
        if self.bad_rows and not self.written and not self.dry_run:
            text += " Nothing was imported."
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# --- 1. read -------------------------------------------------------------------------------


def read_rows(source: str | Path | TextIO, *, format: str | None = None) -> list[Row]:  # noqa: A002
    """Rows of a CSV or JSON file (a path, or an open text stream). The format comes from
    the file name's ending unless given."""
    if isinstance(source, str | Path):
        path = Path(source)
        format = format or path.suffix.lower().lstrip(".")  # noqa: A001
        if format not in FORMATS:
            raise ImportFileError("Name the format: the file should end in .csv or .json.")
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                return read_rows(stream, format=format)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"The file is not UTF-8 text ({exc.reason}).") from exc
    if format == "csv":
        return read_csv(source)
    if format == "json":
        return read_json(source.read())
    raise ImportFileError("Choose the format: csv or json.")


def read_csv(stream: Iterable[str]) -> list[Row]:
    """CSV with a header row naming the columns (any order; `note` and `corrects` may be
    left out). Blank lines are ignored."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(f"The header cannot be read as CSV: {exc}.", line=1) from exc
    if header is None:
        raise ImportFileError("The file is empty: it needs a header row and one row per event.")
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if unknown or missing or repeated:
        problems = []
        if unknown:
            problems.append(f"unknown columns {', '.join(map(repr, unknown))}")
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if repeated:
            problems.append(f"repeated columns {', '.join(repeated)}")
        raise ImportFileError(
            f"The header has {'; '.join(problems)}. The columns are: {', '.join(COLUMNS)}.",
            line=1,
        )
    rows: list[Row] = []
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(f"The file cannot be read as CSV: {exc}.", line=line) from exc
        if any(value.strip() for value in values):
            if len(values) != len(names):
                rows.append(
                    Row(
                        line,
                        {},
                        problem=f"The row has {len(values)} values; the header has "
                        f"{len(names)} columns.",
                    )
                )
            else:
                rows.append(Row(line, {n: v.strip() for n, v in zip(names, values, strict=True)}))
        line = reader.line_num + 1
    return rows


def read_json(text: str) -> list[Row]:
    """A JSON array of objects with the CSV's column names as keys. Each row knows its
    position in the array and the line its object starts on."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text):
        raise ImportFileError("The file is empty: it needs a JSON array of events.")
    if text[position] != "[":
        raise ImportFileError(
            "The file must be a JSON array of events: [{...}, {...}].",
            line=text.count("\n", 0, position) + 1,
        )
    rows: list[Row] = []
    line, counted_to = 1, 0
    position = _skip_space(text, position + 1)
    while position < len(text) and text[position] != "]":
        line += text.count("\n", counted_to, position)
        counted_to = position
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"The JSON is not valid: {exc.msg}.", line=exc.lineno) from exc
        rows.append(_json_row(value, item=len(rows) + 1, line=line))
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            raise ImportFileError(
                "The JSON is not valid: expected ',' or ']' after an event.",
                line=text.count("\n", 0, position) + 1,
            )
    if position >= len(text):
        raise ImportFileError("The JSON is not valid: the array is not closed with ']'.")
    if _skip_space(text, position + 1) < len(text):
        raise ImportFileError(
            "The JSON is not valid: there is more after the array.",
            line=text.count("\n", 0, _skip_space(text, position + 1)) + 1,
        )
    return rows


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n\ufeff":
        position += 1
    return position


def _json_row(value: Any, *, item: int, line: int) -> Row:
    if not isinstance(value, dict):
        return Row(line, {}, item=item, problem="Each event must be a JSON object.")
    unknown = [name for name in value if name not in COLUMNS]
    if unknown:
        return Row(
            line,
            {},
            item=item,
            problem=f"Unknown field {unknown[0]!r}. The fields are: {', '.join(COLUMNS)}.",
        )
    values: dict[str, str] = {}
    for name, raw in value.items():
        if raw is None:
            values[name] = ""
        elif isinstance(raw, str):
            values[name] = raw.strip()
        elif isinstance(raw, int) and not isinstance(raw, bool):
            values[name] = str(raw)
        else:
            return Row(line, {}, item=item, problem=f'Give {name} as text, like "...".')
    return Row(line, values, item=item)


# --- 2. check ------------------------------------------------------------------------------


@dataclass
class _Planned:
    """A good row and what writing it means."""

    row: Row
    pathway_key: tuple[int, str]
    person_id: Any
    scheme_code: str
    provider_id: int
    service: str
    event_type: str
    event_date: date
    note: str
    corrects: str


@dataclass
class _PathwayState:
    """A pathway as the file builds it up: stored already, or opened by an earlier row."""

    pathway_id: Any  # None until written
    person_id: Any
    scheme_code: str
    service: str
    opened_by: str = ""  # where in the file, for a pathway the file opens
    # event_id -> (type, date, corrects) of events already recorded or earlier in the file
    events: dict[str, tuple[str, date, str]] = field(default_factory=dict)
    corrected: set[str] = field(default_factory=set)


@dataclass
class ImportPlan:
    rows: list[_Planned] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    skipped: int = 0
    new_pathways: int = 0
    total: int = 0
    stored_pathway_ids: dict[tuple[int, str], Any] = field(default_factory=dict)


def _bad(row: Row, reason: str) -> BadRow:
    return BadRow(
        line=row.line,
        item=row.item,
        where=row.where,
        key=row.key,
        event_id=row.values.get("event_id", ""),
        reason=reason,
    )


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_fields(row: Row, provider_code: str | None, today: date) -> str:
    """The first problem with the row's own values, or ""."""
    if row.problem:
        return row.problem
    values = row.values
    for name in REQUIRED:
        if not values.get(name):
            return f"Enter the {name}: every row needs one."
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name, "")) > limit:
            return f"The {name} is longer than {limit} characters."
    for name, value in values.items():
        if has_unsafe_characters(value):
            return (
                f"The {name} has hidden characters (such as a null character or a text "
                "direction mark): remove them."
            )
    if provider_code is not None and values["provider"] != provider_code:
        return (
            f"The provider is {values['provider']!r}, but this import is for {provider_code!r} "
            "only. Import each provider's file separately."
        )
    if not is_valid_nhs_number(values["nhs_number"]):
        return "The nhs_number is not a valid 10-digit NHS number, like 943 476 5919."
    text = values["event_date"]
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        occurred_on = date.fromisoformat(text)
    except ValueError:
        return f"The event_date {text!r} is not a date: write it as YYYY-MM-DD, like 2025-03-01."
    if occurred_on > today:
        return f"The event_date {text} is in the future."
    if occurred_on < actions.EARLIEST_EVENT:
        return f"The event_date {text} is before {actions.EARLIEST_EVENT:%-d %B %Y}."
    if values.get("corrects") and values["corrects"] == values["event_id"]:
        return "An event cannot correct itself: corrects names an earlier event_id."
    return ""


def _people_in_care(actor: Actor, person_ids: list) -> set:
    """Which of these people the actor's organisations may see health records of (the
    access rule of people.access, asked in bulk)."""
    in_care = people_in_organisations_care(actor, RecordCategory.HEALTH)
    found: set = set()
    for chunk in _chunks(person_ids):
        found |= set(in_care.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def check_rows(actor: Actor, rows: list[Row], *, provider_code: str | None = None) -> ImportPlan:
    """Check every row; nothing is written. Bad rows get a reason; good rows a plan."""
    plan = ImportPlan(total=len(rows))
    today = timezone.localdate()
    fine: list[Row] = []
    # (provider code, pathway_ref, event_id) of bad rows: a row correcting one is bad too.
    bad_ids: set[tuple[str, str, str]] = set()
    for row in rows:
        problem = _check_fields(row, provider_code, today)
        if problem:
            plan.bad_rows.append(_bad(row, problem))
            bad_ids.add(_event_key(row.values, row.values.get("event_id", "")))
        else:
            fine.append(row)

    # Everything the rows name, looked up in bulk.
    codes = sorted({row.values["provider"] for row in fine})
    providers = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    scheme_codes = {row.values["scheme"] for row in fine}
    schemes = {scheme.code: scheme for scheme in Scheme.objects.filter(code__in=scheme_codes)}
    numbers = sorted({normalise_nhs_number(row.values["nhs_number"]) for row in fine})
    people: dict[str, Any] = {}
    for chunk in _chunks(numbers):
        people.update(Person.objects.filter(nhs_number__in=chunk).values_list("nhs_number", "pk"))
    if actor.is_system:
        visible = set(people.values())
    else:
        visible = _people_in_care(actor, sorted(people.values(), key=str))
    states = _stored_pathways(fine, providers, plan)
    acts_for = {code: opens_waits_at(actor, provider) for code, provider in providers.items()}
    allowed_types = {
        code: event_types(scheme_rules(code)) | {PathwayEvent.ENTERED_IN_ERROR} for code in schemes
    }
    in_effect = {code: scheme.in_effect_on(today) for code, scheme in schemes.items()}

    for row in fine:
        values = row.values
        provider = providers.get(values["provider"])
        if provider is None:
            plan.bad_rows.append(
                _bad(row, f"There is no provider with the code {values['provider']!r}.")
            )
            continue
        if not acts_for[provider.code]:
            plan.bad_rows.append(
                _bad(
                    row,
                    "You can only import waits at a care provider where your role puts people "
                    "on waiting lists.",
                )
            )
            continue
        key = (provider.pk, values["pathway_ref"])
        state = states.get(key)
        problem = _check_row(
            row, state, schemes, allowed_types, in_effect, people, visible, actor, bad_ids
        )
        if problem:
            plan.bad_rows.append(_bad(row, problem))
            bad_ids.add(_event_key(values, values["event_id"]))
            continue
        event_id, corrects = values["event_id"], values.get("corrects", "")
        occurred_on = date.fromisoformat(values["event_date"])
        if state is None:
            state = _PathwayState(
                pathway_id=None,
                person_id=people[normalise_nhs_number(values["nhs_number"])],
                scheme_code=values["scheme"],
                service=values["service"],
                opened_by=row.where,
            )
            states[key] = state
            plan.new_pathways += 1
        if event_id in state.events:
            plan.skipped += 1  # recorded already (or earlier in the file), with these values
            continue
        state.events[event_id] = (values["event_type"], occurred_on, corrects)
        if corrects:
            state.corrected.add(corrects)
        plan.rows.append(
            _Planned(
                row=row,
                pathway_key=key,
                person_id=state.person_id,
                scheme_code=values["scheme"],
                provider_id=provider.pk,
                service=values["service"],
                event_type=values["event_type"],
                event_date=occurred_on,
                note=values.get("note", ""),
                corrects=corrects,
            )
        )
    plan.bad_rows.sort(key=lambda bad: (bad.item or 0, bad.line))
    return plan


def _event_key(values: dict[str, str], event_id: str) -> tuple[str, str, str]:
    return (values.get("provider", ""), values.get("pathway_ref", ""), event_id)


def _check_row(
    row: Row,
    state: _PathwayState | None,
    schemes: dict[str, Scheme],
    allowed_types: dict[str, frozenset[str]],
    in_effect: dict[str, bool],
    people: dict[str, Any],
    visible: set,
    actor: Actor,
    bad_ids: set[tuple[str, str, str]],
) -> str:
    """The first problem with a row in the light of the database and the rows before it."""
    values = row.values
    ref = values["pathway_ref"]
    person_id = people.get(normalise_nhs_number(values["nhs_number"]))
    if person_id is None or person_id not in visible:
        if actor.is_system:
            return "There is no person with that NHS number. Register the person first."
        return NOT_IN_YOUR_CARE
    if values["scheme"] not in schemes:
        known = ", ".join(sorted(Scheme.objects.values_list("code", flat=True)))
        return f"There is no scheme {values['scheme']!r}. Use one of: {known}."
    if state is not None:
        first = f"on {state.opened_by}" if state.opened_by else "already"
        if state.person_id != person_id:
            return f"The pathway_ref {ref!r} belongs {first} to a different NHS number."
        if state.scheme_code != values["scheme"]:
            return f"The pathway_ref {ref!r} is {first} under the scheme {state.scheme_code!r}."
        if state.service != values["service"]:
            return f"The pathway_ref {ref!r} is {first} for the service {state.service!r}."
    elif not in_effect[values["scheme"]]:
        return (
            f"The scheme {values['scheme']!r} is not in effect today, so no new wait can be "
            "opened under it."
        )
    event_type, event_id = values["event_type"], values["event_id"]
    corrects = values.get("corrects", "")
    allowed = allowed_types[values["scheme"]]
    if event_type not in allowed:
        return (
            f"The event_type {event_type!r} is not part of the scheme {values['scheme']!r}. "
            f"Use one of: {', '.join(sorted(allowed))}."
        )
    occurred_on = date.fromisoformat(values["event_date"])
    if state is not None and event_id in state.events:
        seen_type, seen_on, seen_corrects = state.events[event_id]
        if (seen_type, seen_on, seen_corrects) != (event_type, occurred_on, corrects):
            return (
                f"The event_id {event_id!r} was already given as {seen_type} on {seen_on}. "
                "An event cannot be changed: send a new event that corrects it."
            )
        return ""
    if event_type == PathwayEvent.ENTERED_IN_ERROR and not corrects:
        return "An entered_in_error event must name the event_id it withdraws in corrects."
    if corrects:
        if _event_key(values, corrects) in bad_ids:
            return f"It corrects the event {corrects!r}, whose row is not valid."
        if state is None or corrects not in state.events:
            return f"It corrects the event {corrects!r}, which is not an earlier event of {ref!r}."
        if corrects in state.corrected:
            return f"The event {corrects!r} has already been corrected."
    return ""


def _stored_pathways(
    rows: list[Row], providers: dict[str, Organisation], plan: ImportPlan
) -> dict[tuple[int, str], _PathwayState]:
    """The pathways the rows name that exist already, with their events."""
    refs_by_provider: dict[int, set[str]] = {}
    for row in rows:
        provider = providers.get(row.values["provider"])
        if provider is not None:
            refs_by_provider.setdefault(provider.pk, set()).add(row.values["pathway_ref"])
    states: dict[tuple[int, str], _PathwayState] = {}
    key_by_id: dict[Any, tuple[int, str]] = {}
    for provider_id, refs in refs_by_provider.items():
        for chunk in _chunks(sorted(refs)):
            found = Pathway.objects.filter(provider_id=provider_id, external_id__in=chunk)
            for pk, ref, person_id, scheme_code, service in found.values_list(
                "pk", "external_id", "person_id", "scheme__code", "service"
            ):
                key = (provider_id, ref)
                states[key] = _PathwayState(pk, person_id, scheme_code, service)
                key_by_id[pk] = key
                plan.stored_pathway_ids[key] = pk
    for chunk in _chunks(list(key_by_id)):
        stored = PathwayEvent.objects.filter(pathway_id__in=chunk).values_list(
            "pk", "pathway_id", "source_key", "type", "occurred_on", "corrects_id"
        )
        stored = list(stored)
        key_of_event = {pk: source_key for pk, _, source_key, *_ in stored}
        for _pk, pathway_id, source_key, type_, occurred_on, corrects_id in stored:
            state = states[key_by_id[pathway_id]]
            corrects = key_of_event.get(corrects_id, "") if corrects_id else ""
            if corrects_id is not None:
                # A correction recorded another way still marks its event as corrected.
                state.corrected.add(corrects or f"#{corrects_id}")
            if source_key:
                state.events[source_key] = (type_, occurred_on, corrects)
    return states


# --- 3. write ------------------------------------------------------------------------------


def import_rows(
    actor: Actor,
    rows: list[Row],
    *,
    provider_code: str | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[..., Any] | None = None,
) -> ImportResult:
    """Check the rows, then (unless a row is bad, or `skip_bad_rows`) write them through the
    actions. `progress` makes a tqdm-like bar: progress(total=..., desc=..., unit=...)."""
    if actor.token is not None and actor.token.scope != ApiToken.Scope.WRITE:
        raise NotAllowed("A read-only API token cannot import events: use a read and write one.")
    if not actor.is_system and not actor.is_staff_member:
        raise NotAllowed("Only staff of a provider can import its waiting-list events.")
    plan = check_rows(actor, rows, provider_code=provider_code)
    result = ImportResult(
        rows=plan.total,
        added=len(plan.rows),
        skipped=plan.skipped,
        pathways_opened=plan.new_pathways,
        bad_rows=list(plan.bad_rows),
        dry_run=dry_run,
    )
    if dry_run or (plan.bad_rows and not skip_bad_rows) or not plan.rows:
        if plan.bad_rows and not skip_bad_rows:
            result.added = result.pathways_opened = 0
        return result
    bar = progress(total=len(plan.rows), desc="Importing", unit="row") if progress else None
    writer = _Writer(actor, plan, bar)
    waits = _by_pathway(plan.rows)
    try:
        if skip_bad_rows:
            # Committed some waits at a time; a wait that fails rolls back alone (a savepoint).
            for chunk in _chunks(waits, max(1, WRITE_CHUNK * len(waits) // len(plan.rows))):
                with transaction.atomic():
                    writer.write(chunk, keep_going=True)
        else:
            try:
                with transaction.atomic():
                    writer.write(waits, keep_going=False)
            except _RowFailed as failed:
                result.bad_rows.append(failed.bad)
                result.added = result.pathways_opened = 0
                return result
    finally:
        if bar is not None:
            bar.close()
    result.added, result.pathways_opened = writer.added, writer.opened
    result.bad_rows.extend(writer.bad_rows)
    result.bad_rows.sort(key=lambda bad: (bad.item or 0, bad.line))
    result.written = writer.added > 0
    return result


def _by_pathway(rows: list[_Planned]) -> list[list[_Planned]]:
    """The rows of each wait, in file order; the waits in the order the file first names
    them. A wait's events are recorded together, so its clock is evaluated once."""
    waits: dict[tuple[int, str], list[_Planned]] = {}
    for planned in rows:
        waits.setdefault(planned.pathway_key, []).append(planned)
    return list(waits.values())


class _RowFailed(Exception):
    def __init__(self, bad: BadRow) -> None:
        super().__init__(bad.reason)
        self.bad = bad


FACT_FIELD = re.compile(r"facts\.(\d+)\.")


class _Writer:
    def __init__(self, actor: Actor, plan: ImportPlan, bar) -> None:
        self.actor = actor
        self.bar = bar
        self.pathway_ids = dict(plan.stored_pathway_ids)
        self.added = self.opened = 0
        self.bad_rows: list[BadRow] = []

    def write(self, waits: list[list[_Planned]], *, keep_going: bool) -> None:
        for rows in waits:
            count = len(rows)
            while rows:
                try:
                    savepoint = transaction.atomic() if keep_going else nullcontext()
                    with savepoint:
                        opened = self._write_wait(rows)
                    self.added += len(rows)
                    self.opened += opened
                    break
                except (ActionError, Http404, IntegrityError) as exc:
                    rows = self._drop_failed(rows, exc, keep_going)
            if self.bar is not None:
                self.bar.update(count)

    def _write_wait(self, rows: list[_Planned]) -> int:
        first = rows[0]
        pathway_id, opened = self.pathway_ids.get(first.pathway_key), 0
        if pathway_id is None:
            pathway_id = actions.open_pathway(
                self.actor,
                person_id=first.person_id,
                scheme_code=first.scheme_code,
                provider_id=first.provider_id,
                service=first.service,
                external_id=first.pathway_key[1],
            ).pk
            opened = 1
        actions.record_events(
            self.actor,
            pathway_id=pathway_id,
            facts=[
                actions.NewEvent(
                    type=planned.event_type,
                    occurred_on=planned.event_date,
                    note=planned.note,
                    source_key=planned.row.values["event_id"],
                    corrects_key=planned.corrects,
                )
                for planned in rows
            ],
            source=PathwayEvent.Source.IMPORT,
        )
        self.pathway_ids[first.pathway_key] = pathway_id
        return opened

    def _drop_failed(self, rows: list[_Planned], exc: Exception, keep_going: bool):
        """The rows still to try after a wait failed: without the row that failed and the
        rows that correct it. Without `keep_going`, the import stops."""
        reason = _reason(exc, self.actor)
        positions = [
            int(match.group(1))
            for name in getattr(exc, "fields", {})
            if (match := FACT_FIELD.match(name))
        ]
        culprit = rows[positions[0] - 1] if positions and positions[0] <= len(rows) else None
        if not keep_going:
            raise _RowFailed(_bad((culprit or rows[0]).row, reason)) from exc
        if culprit is None:  # the wait itself could not be opened or written
            self.bad_rows.extend(_bad(planned.row, reason) for planned in rows)
            return []
        self.bad_rows.append(_bad(culprit.row, reason))
        dropped = {culprit.row.values["event_id"]}
        remaining = []
        for planned in rows:
            if planned is culprit:
                continue
            if planned.corrects in dropped:
                reason = f"It corrects the event {planned.corrects!r}, which was not imported."
                self.bad_rows.append(_bad(planned.row, reason))
                dropped.add(planned.row.values["event_id"])
            else:
                remaining.append(planned)
        return remaining


def _reason(exc: Exception, actor: Actor) -> str:
    if isinstance(exc, Http404):
        if actor.is_system:
            return "There is no person with that NHS number."
        return NOT_IN_YOUR_CARE
    if isinstance(exc, IntegrityError):
        return "Another import changed this wait at the same time: import the file again."
    message = exc.message
    fields = [m for messages in exc.fields.values() for m in messages]
    if fields and fields[0] not in message:
        message = f"{message} {fields[0]}"
    return message


def import_file(
    actor: Actor,
    source: str | Path | TextIO,
    *,
    format: str | None = None,  # noqa: A002
    provider_code: str | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[..., Any] | None = None,
) -> ImportResult:
    """Read, check and import a file. Raises ImportFileError when it cannot be read."""
    rows = read_rows(source, format=format)
    return import_rows(
        actor,
        rows,
        provider_code=provider_code,
        skip_bad_rows=skip_bad_rows,
        dry_run=dry_run,
        progress=progress,
    )


def read_text(data: bytes) -> str:
    """Uploaded bytes as text (UTF-8, with or without Excel's byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"The file is not UTF-8 text ({exc.reason}).") from exc


def rows_from_bytes(data: bytes, format: str) -> list[Row]:  # noqa: A002
    return read_rows(io.StringIO(read_text(data), newline=""), format=format)


# --- the command: `coproduce guarantees import` --------------------------------------------


def add_import_arguments(parser) -> None:
    parser.add_argument(
        "file", help="A CSV or JSON file of events (see docs/guarantees-import.md)."
    )
    parser.add_argument(
        "--provider",
        required=True,
        metavar="CODE",
        help="The provider's organisation code; every row must be for this provider.",
    )
    parser.add_argument(
        "--format", choices=FORMATS, help="csv or json (default: from the file name)."
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="Import the good rows and report the bad ones (by default a bad row stops all).",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="Check every row and report; change nothing."
    )


def run_import_command(command, options: dict) -> None:
    """`coproduce guarantees import FILE --provider CODE`: an operator's tool, run as the
    platform. Bad rows go to stderr as `FILE: line N: reason`, the counts to stdout. Exits
    with 0 when every row is good, 1 with bad rows, 2 when the file or provider is unusable."""
    from django.core.management.base import CommandError
    from tqdm import tqdm

    name, code = options["file"], options["provider"]
    if not Organisation.objects.filter(code=code).exists():
        raise CommandError(f"There is no organisation with the code {code!r}.", returncode=2)
    try:
        result = import_file(
            Actor.system(),
            name,
            format=options.get("format"),
            provider_code=code,
            skip_bad_rows=options.get("skip_bad_rows", False),
            dry_run=options.get("dry_run", False),
            # A bar only when someone is watching: tqdm is quiet when stderr is not a terminal.
            progress=functools.partial(tqdm, file=sys.stderr, disable=None),
        )
    except ImportFileError as exc:
        raise CommandError(f"{name}: {exc}", returncode=2) from None
    except OSError as exc:
        raise CommandError(f"{name}: {exc.strerror or exc}", returncode=2) from None
    for bad in result.bad_rows:
        command.stderr.write(f"{name}: {bad.where}: {bad.reason}")
    command.stdout.write(result.summary())
    if not result.bad_rows:
        return
    if result.dry_run or options.get("skip_bad_rows"):
        raise CommandError(f"{len(result.bad_rows)} rows are not valid: see above.", returncode=1)
    raise CommandError(
        "Nothing was imported. Fix the rows above and import the file again, or use "
        "--skip-bad-rows to import the good rows.",
        returncode=1,
    )
