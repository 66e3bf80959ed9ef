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

from .programmes import BUILT_IN, AnswerKind, Programme
from .rules import AnswerError, ProgrammeRules, rules_for


def score(data: bytes) -> bytes:
    """The answer to a score file, as JSON; raises InputError for bad input."""
    with without_cycle_collection():
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
        return json_object_with_list({"programme": rules.programme.key}, "people", answers)


def _document(data: bytes) -> dict:
    document = json_document(data)
    if type(document) is not dict:
        raise InputError(
            f'input: expected an object with "programme" and "people", got {kind_of(document)}'
        )
    for key in ("programme", "people"):
        if key not in document:
            raise InputError(f"{key}: missing")
    programme = document["programme"]
    if type(programme) is not str or programme not in BUILT_IN:
        raise InputError(
            f"programme: {shown(programme)} is not a known programme; known programmes: "
            + ", ".join(BUILT_IN)
        )
    if type(document["people"]) is not list:
        raise InputError(f"people: expected a list of people, got {kind_of(document['people'])}")
    return document


class _Days(dict):
    """ISO date text -> (date, ordinal), parsed once per distinct date; KeyError if it is not
    a date (a dict would happily look up a number, so anything but text is refused too)."""

    def __missing__(self, text):
        try:
            day = iso_date(text)
        except ValueError:
            raise KeyError(text) from None
        self[text] = found = (day, day.toordinal())
        return found


def _person_answer(rules: ProgrammeRules, person, index: int, days: _Days) -> dict:
    where = f"people[{index}]"
    if type(person) is not dict:
        raise InputError(
            f'{where}: expected an object with "id", "settings" and "check_ins", '
            f"got {kind_of(person)}"
        )
    for key in ("id", "check_ins"):
        if key not in person:
            raise InputError(f"{where}.{key}: missing")
    settings = _settings(rules, person.get("settings"), where)
    check_ins = person["check_ins"]
    if type(check_ins) is not list:
        raise InputError(
            f"{where}.check_ins: expected a list of check-ins, got {kind_of(check_ins)}"
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
            raise InputError(
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
        raise InputError(f"{where}.settings: expected an object, got {kind_of(raw)}")
    try:
        return rules.clean_settings(raw)
    except AnswerError as error:
        programme = rules.programme
        if programme.setting(error.key) is not None:
            detail = _got(raw[error.key])
        else:
            detail = "; the settings are: " + ", ".join(known.key for known in programme.settings)
        raise InputError(f"{where}.settings.{error.key}: {error.message}{detail}") from None


def _check_in_error(rules: ProgrammeRules, check_in, where: str) -> InputError:
    """Say exactly what is wrong with a check-in the fast path could not read."""
    if type(check_in) is not dict:
        return InputError(
            f'{where}: expected an object with "id", "date" and "answers", got {kind_of(check_in)}'
        )
    for key in ("id", "date", "answers"):
        if key not in check_in:
            return InputError(f"{where}.{key}: missing")
    answers = check_in["answers"]
    if type(answers) is not dict:
        return InputError(f"{where}.answers: expected an object, got {kind_of(answers)}")
    try:
        rules.clean_answers(answers)
    except AnswerError as error:
        return InputError(
            f"{where}.answers.{error.key}: {error.message}"
            + _answer_detail(rules.programme, error.key, answers)
        )
    return InputError(f"{where}.date: {shown(check_in['date'])} is not a date (YYYY-MM-DD)")


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
    given = shown(value)
    if len(given) > longest:
        given = given[: longest - 1] + "…"
    return f" (got {given})"
