"""`coproduce monitoring score`: score check-ins given in a file rather than stored, so a
region can test the rules, or a change to a person's thresholds, on its own data.

Input:

    {"programme": "news2" | "copd-cat" | "heart-failure",
     "people": [{"id": ..., "settings": {...}, "check_ins": [
         {"id": ..., "date": "YYYY-MM-DD", "answers": {...}}]}]}

`settings` may be left out (the programme's defaults); the answer and setting keys are the
programme's (`programmes.py`). Output, each person's check-ins in the order given:

    {"programme": ..., "people": [{"id": ..., "check_ins": [
        {"id", "date", "colour", "score", "parts", "response", "reasons"}]}]}

The scoring is `rules.assess`, as for a check-in that is stored; the heart failure trend rules
compare a check-in with the same person's other check-ins in the file, whatever their order.
Bad input stops the whole file with one line that names where the problem is
(`people[3].check_ins[1].answers.spo2: ...`) and no answer at all, so a half-scored file is
never mistaken for a whole one.
"""

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import orjson

from .programmes import BUILT_IN, AnswerKind, Programme
from .rules import AnswerError, ProgrammeRules, rules_for


class ScoreInputError(ValueError):
    """The input cannot be scored; the message says where and why, in one line."""


def score(data: bytes) -> bytes:
    """The answer to a score file, as JSON; raises ScoreInputError for bad input."""
    with _without_cycle_collection():
        document = _document(data)
        rules = rules_for(BUILT_IN[document["programme"]])
        days = _Days()
        people = document["people"]
        answers = []
        for index, person in enumerate(people):
            answers.append(orjson.dumps(_person_answer(rules, person, index, days)))
            # Once a person is scored their input is let go and their answer kept only as
            # JSON: the memory is used again for the next person instead of growing with
            # the file.
            people[index] = None
        header = orjson.dumps({"programme": rules.programme.key})[:-1]
        return b"".join((header, b',"people":[', b",".join(answers), b"]}"))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A big file makes millions of objects and no reference cycles: the cycle collector
    would walk them all again and again as they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _document(data: bytes) -> dict:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ScoreInputError(f"input: not valid JSON ({_one_line(str(error))})") from None
    if type(document) is not dict:
        raise ScoreInputError(
            f'input: expected an object with "programme" and "people", got {_kind(document)}'
        )
    for key in ("programme", "people"):
        if key not in document:
            raise ScoreInputError(f"{key}: missing")
    programme = document["programme"]
    if type(programme) is not str or programme not in BUILT_IN:
        raise ScoreInputError(
            f"programme: {_show(programme)} is not a known programme; known programmes: "
            + ", ".join(BUILT_IN)
        )
    if type(document["people"]) is not list:
        raise ScoreInputError(f"people: expected a list of people, got {_kind(document['people'])}")
    return document


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Days(dict):
    """ISO date text -> (date, ordinal), parsed once per distinct date; KeyError if it is not
    a date (a dict would happily look up a number, so anything but text is refused too)."""

    def __missing__(self, text):
        if type(text) is not str or not _ISO_DATE.fullmatch(text):
            raise KeyError(text)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise KeyError(text) from None
        self[text] = found = (day, day.toordinal())
        return found


def _person_answer(rules: ProgrammeRules, person, index: int, days: _Days) -> dict:
    where = f"people[{index}]"
    if type(person) is not dict:
        raise ScoreInputError(
            f'{where}: expected an object with "id", "settings" and "check_ins", '
            f"got {_kind(person)}"
        )
    for key in ("id", "check_ins"):
        if key not in person:
            raise ScoreInputError(f"{where}.{key}: missing")
    settings = _settings(rules, person.get("settings"), where)
    check_ins = person["check_ins"]
    if type(check_ins) is not list:
        raise ScoreInputError(
            f"{where}.check_ins: expected a list of check-ins, got {_kind(check_ins)}"
        )
    clean_answers = rules.clean_answers
    identifiers, texts, dated = [], [], []  # dated: (date, answers), for rules.assess_each
    number_on = {}  # ordinal -> the check-in's number
    for number, check_in in enumerate(check_ins):
        try:
            identifier, text = check_in["id"], check_in["date"]
            answers = clean_answers(check_in["answers"])
            day, ordinal = days[text]
        except (KeyError, TypeError, AttributeError, AnswerError):
            raise _check_in_error(rules, check_in, f"{where}.check_ins[{number}]") from None
        if number_on.setdefault(ordinal, number) != number:
            raise ScoreInputError(
                f"{where}.check_ins[{number}].date: {text} is also the date of "
                f"check_ins[{number_on[ordinal]}]; a person checks in once a day"
            )
        identifiers.append(identifier)
        texts.append(text)
        dated.append((day, answers))
    # The trend rules compare a check-in with the days before it, wherever they are in the
    # file: every check-in is read before any is scored.
    answered = [
        {
            "id": identifier,
            "date": text,
            "colour": colour,
            "score": total,
            "parts": parts,
            "response": response,
            "reasons": reasons,
        }
        for identifier, text, (colour, total, parts, response, reasons) in zip(
            identifiers, texts, rules.assess_each(dated, settings), strict=True
        )
    ]
    return {"id": person["id"], "check_ins": answered}


def _settings(rules: ProgrammeRules, raw, where: str) -> dict:
    if raw is None:
        raw = {}
    elif type(raw) is not dict:
        raise ScoreInputError(f"{where}.settings: expected an object, got {_kind(raw)}")
    try:
        return rules.clean_settings(raw)
    except AnswerError as error:
        programme = rules.programme
        if programme.setting(error.key) is not None:
            detail = _got(raw[error.key])
        else:
            detail = "; the settings are: " + ", ".join(known.key for known in programme.settings)
        raise ScoreInputError(f"{where}.settings.{error.key}: {error.message}{detail}") from None


def _check_in_error(rules: ProgrammeRules, check_in, where: str) -> ScoreInputError:
    """Say exactly what is wrong with a check-in the fast path could not read."""
    if type(check_in) is not dict:
        return ScoreInputError(
            f'{where}: expected an object with "id", "date" and "answers", got {_kind(check_in)}'
        )
    for key in ("id", "date", "answers"):
        if key not in check_in:
            return ScoreInputError(f"{where}.{key}: missing")
    answers = check_in["answers"]
    if type(answers) is not dict:
        return ScoreInputError(f"{where}.answers: expected an object, got {_kind(answers)}")
    try:
        rules.clean_answers(answers)
    except AnswerError as error:
        return ScoreInputError(
            f"{where}.answers.{error.key}: {error.message}"
            + _answer_detail(rules.programme, error.key, answers)
        )
    return ScoreInputError(f"{where}.date: {_show(check_in['date'])} is not a date (YYYY-MM-DD)")


def _answer_detail(programme: Programme, key: str, answers: dict) -> str:
    """What a person reading the command's error needs beyond the plain message."""
    question = programme.question(key)
    if question is None:
        return "; the questions are: " + ", ".join(q.key for q in programme.questions)
    if key not in answers:
        return ""
    detail = _got(answers[key])
    if question.kind is AnswerKind.CHOICE:
        detail += "; the answers are: " + ", ".join(option.code for option in question.options)
    return detail


def _got(value, longest: int = 60) -> str:
    shown = _show(value)
    if len(shown) > longest:
        shown = shown[: longest - 1] + "…"
    return f" (got {shown})"


def _show(value) -> str:
    """A value as it appeared in the input."""
    return orjson.dumps(value).decode()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    for kind, name in ((dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "a number"
