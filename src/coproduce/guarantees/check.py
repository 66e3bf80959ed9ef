"""`coproduce guarantees check`: run the clock over pathways given in a file rather than stored,
so a region can test its own data (or a rule change) against the published rules.

The input and output formats are in docs/guarantees.md. Bad input stops the whole check with
one line that names where the problem is (`pathways[3].events[1].date: ...`), and nothing is
written, so a half-checked file is never mistaken for a whole one.
"""

import json
from collections.abc import Iterator
from datetime import date
from itertools import islice

import orjson

from coproduce.file_commands import (
    InputError,
    iso_date,
    json_document,
    json_object_with_list,
    kind_of,
    shown,
    without_cycle_collection,
)

from .clock import scheme_plan
from .queries import scheme_rules
from .rules import SchemeRules, builtin_definitions, event_types, rules_from_definition


def load_rules(code: str) -> SchemeRules:
    """A scheme's rules: as stored in the database, else as built in."""
    stored = scheme_rules(code)
    if stored is not None:
        return stored
    builtin = _builtin_rules()
    if code not in builtin:
        raise InputError(
            f"scheme: {shown(code)} is not a known scheme; known schemes: {', '.join(builtin)}"
        )
    return builtin[code]


def _builtin_rules() -> dict[str, SchemeRules]:
    return {
        definition["code"]: rules_from_definition(definition)
        for definition in builtin_definitions()
    }


def check(data: bytes, *, pretty: bool = False) -> bytes:
    """The answer to a check file, as JSON; raises InputError for bad input."""
    with without_cycle_collection():
        document = _document(data)
        rules = load_rules(document["scheme"])
        as_of = _date_ordinal("as_of", document["as_of"])
        header = {"scheme": document["scheme"], "as_of": document["as_of"]}
        answers = _pathway_answers(rules, document["pathways"], as_of)
        if pretty:
            return _laid_out_for_reading(header, answers)
        # Made into JSON a block at a time, so only one block of answers is held as objects.
        return json_object_with_list(header, "pathways", _blocks(answers))


def _blocks(answers: Iterator[dict], size: int = 10_000) -> Iterator[bytes]:
    """The answers as JSON list items, `size` at a time."""
    while block := list(islice(answers, size)):
        yield orjson.dumps(block)[1:-1]


def _laid_out_for_reading(header: dict, answers: Iterator[dict]) -> bytes:
    """The same JSON with a line for each pathway and each stage, as docs/guarantees.md shows."""

    def text(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    pathways = ",\n".join(
        f'    {{"id": {text(answer["id"])}, "stages": [\n'
        + ",\n".join(f"      {text(stage)}" for stage in answer["stages"])
        + "\n    ]}"
        for answer in answers
    )
    listed = f"\n{pathways}\n  " if pathways else ""
    return (
        "{\n"
        f'  "scheme": {text(header["scheme"])},\n'
        f'  "as_of": {text(header["as_of"])},\n'
        f'  "pathways": [{listed}]\n'
        "}"
    ).encode()


def _document(data: bytes) -> dict:
    document = json_document(data)
    if not isinstance(document, dict):
        raise InputError(
            f'input: expected an object with "scheme", "as_of" and "pathways", '
            f"got {kind_of(document)}"
        )
    for key in ("scheme", "as_of", "pathways"):
        if key not in document:
            raise InputError(f"{key}: missing")
    if not isinstance(document["scheme"], str):
        raise InputError(f"scheme: expected a scheme code, got {kind_of(document['scheme'])}")
    if not isinstance(document["pathways"], list):
        raise InputError(
            f"pathways: expected a list of pathways, got {kind_of(document['pathways'])}"
        )
    return document


def _date_ordinal(where: str, text) -> int:
    try:
        return iso_date(text).toordinal()
    except ValueError:
        raise InputError(f"{where}: {shown(text)} is not a date (YYYY-MM-DD)") from None


class _Ordinals(dict):
    """ISO date text -> date ordinal, parsed once per distinct date; refuses anything else."""

    def __missing__(self, text):
        if not isinstance(text, str):  # a number or null, which a dict would happily look up
            raise TypeError(text)
        self[text] = ordinal = _date_ordinal("", text)
        return ordinal


class _DayTexts(dict):
    """Date ordinal (or None) -> ISO date text (or None), formatted once per distinct date."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, ordinal: int) -> str:
        self[ordinal] = text = date.fromordinal(ordinal).isoformat()
        return text


def _pathway_answers(rules: SchemeRules, pathways: list, as_of: int) -> Iterator[dict]:
    plan = scheme_plan(rules)
    stage_codes = [stage.code for stage in plan.stages]
    # Types known to any built-in scheme are accepted (and ignored if this scheme has no use
    # for them), so one file of events can be checked against each scheme in turn.
    known_types = {name: name for name in _known_event_types(rules)}
    ordinals = _Ordinals()
    day_texts = _DayTexts()
    for index, pathway in enumerate(pathways):
        try:
            events = pathway["events"]
            if type(events) is not list:
                raise TypeError(events)
            pairs = [(known_types[event["type"]], ordinals[event["date"]]) for event in events]
            identifier = pathway["id"]
        except (KeyError, TypeError, InputError):
            raise _pathway_error(index, pathway, known_types) from None
        try:
            rows = plan.stage_rows(pairs, as_of)
            stages = [
                {
                    "stage": code,
                    "status": row[0],
                    "start": day_texts[row[1]],
                    "end": day_texts[row[2]],
                    "deadline": day_texts[row[3]],
                    "days_waited": row[4],
                }
                for code, row in zip(stage_codes, rows, strict=True)
            ]
        except ValueError as error:  # a date outside the working-day calendar, or year 10000
            raise InputError(f"pathways[{index}]: {error}") from None
        yield {"id": identifier, "stages": stages}


def _known_event_types(rules: SchemeRules) -> frozenset[str]:
    names = set(event_types(rules))
    for builtin in _builtin_rules().values():
        names |= event_types(builtin)
    return frozenset(names)


def _pathway_error(index: int, pathway, known_types: dict[str, str]) -> InputError:
    """Say exactly what is wrong with a pathway the fast path could not read."""
    where = f"pathways[{index}]"
    if not isinstance(pathway, dict):
        return InputError(
            f'{where}: expected an object with "id" and "events", got {kind_of(pathway)}'
        )
    for key in ("id", "events"):
        if key not in pathway:
            return InputError(f"{where}.{key}: missing")
    if not isinstance(pathway["events"], list):
        return InputError(
            f"{where}.events: expected a list of events, got {kind_of(pathway['events'])}"
        )
    for number, event in enumerate(pathway["events"]):
        at = f"{where}.events[{number}]"
        if not isinstance(event, dict):
            return InputError(
                f'{at}: expected an object with "type" and "date", got {kind_of(event)}'
            )
        for key in ("type", "date"):
            if key not in event:
                return InputError(f"{at}.{key}: missing")
        kind = event["type"]
        if not isinstance(kind, str) or kind not in known_types:
            return InputError(
                f"{at}.type: {shown(kind)} is not a known event type; "
                f"known types: {', '.join(sorted(known_types))}"
            )
        try:
            _date_ordinal(f"{at}.date", event["date"])
        except InputError as error:
            return error
    raise AssertionError(f"{where} was refused but no problem was found")  # pragma: no cover
