"""A check-in as a FHIR R4 `QuestionnaireResponse`: read (one at a time, or in a `Bundle`
from a device gateway) and written. Pure functions of plain data: no database. Everything
written here is valid under `fhir.resources.R4B`.

Check-ins arrive many a second (a device gateway's Bundle holds thousands), and validating
a small QuestionnaireResponse with the R4B models costs about 0.7 ms. So a response in the
shape we take (resourceType, id, status, questionnaire, subject.reference, authored, and
items of linkId, text and one answer of valueInteger | valueDecimal | valueBoolean |
valueCoding | valueString) is checked by hand, strictly: whatever it accepts is valid R4B
(tests/monitoring/test_fhir_response.py checks). Other R4B elements that change nothing we
read (meta, identifier, narrative text, author, subject.display, ...) are each validated
with their own R4B model, a small cost; only the rare ones (contained resources, an item's
extensions) have the whole response validated with the R4B models. Anything we cannot
honour (modifier extensions, nested items, repeated answers) is refused. `bundle_entries`
checks a Bundle's envelope only, so that each of its responses is read once, by
`answers_from_response`, for its own programme.

The code system of a question's answers, and so what a response's codings must say, is
found from the site address in the response's `questionnaire` (`{base}/fhir/Questionnaire/
{key}`, with `|version` when it is given): a response to another programme is refused.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.reference import Reference

from ..programmes import AnswerKind, Programme
from .fhir_common import (
    MODIFIER_EXTENSION_REFUSAL,
    VALUE_KEYS,
    answer_system,
    join_path,
    validate,
)


class ResponseError(ValueError):
    """A QuestionnaireResponse (or Bundle) we cannot take: where (`item[2].answer[0]`) and
    why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def inside(self, prefix: str) -> "ResponseError":
        """The same error, pointed at from an enclosing resource (`entry[4].resource`)."""
        return ResponseError(join_path(prefix, self.path), self.message)


@dataclass(frozen=True)
class ResponseAnswers:
    """A check-in as it arrived, before the rules check the answers."""

    # By linkId, JSON-native: int, float, bool, the chosen option's code, str.
    answers: dict[str, object]
    authored: datetime | None
    subject_reference: str | None
    questionnaire: str
    # Where each answer is in the resource ("item[2].answer[0]"), to point at it when the
    # rules refuse the answer.
    answer_paths: dict[str, str]


# The shape of a QuestionnaireResponse the hand-checked reader takes ...
RESPONSE_ELEMENTS = {"resourceType", "id", "status", "questionnaire", "subject", "authored", "item"}
ITEM_ELEMENTS = {"linkId", "text", "answer"}
SUBJECT_ELEMENTS = {"reference"}
CODING_ELEMENTS = {"system", "code", "display"}
# ... other R4B elements that change nothing we read: each checked with its own R4B model
# (tens of microseconds), as many times as it may repeat, or, with None, the whole response
# with the R4B models ...
UNREAD_ELEMENTS = {
    "meta": (Meta, False),
    "text": (Narrative, False),
    "identifier": (Identifier, False),
    "extension": (Extension, True),
    "basedOn": (Reference, True),
    "partOf": (Reference, True),
    "encounter": (Reference, False),
    "author": (Reference, False),
    "source": (Reference, False),
    "language": None,
    "contained": None,
}
UNREAD_ITEM_ELEMENTS = {"id": None, "extension": None, "definition": None}
# ... (a subject with more than its reference is checked as a whole Reference) ...
REFERENCE_ELEMENTS = {"id", "extension", "reference", "type", "identifier", "display"}
ENTRY_ELEMENTS = {"fullUrl", "resource", "request"}
# ... and elements we cannot honour.
REFUSED_ELEMENTS = {
    "implicitRules": "Resources with implicit rules cannot be taken.",
    "modifierExtension": MODIFIER_EXTENSION_REFUSAL,
    "item": "Answers are a flat list of items: nested items cannot be taken.",
}
TAKEN_STATUSES = ("completed", "amended")
ID = re.compile(r"[A-Za-z0-9.-]{1,64}")
URI = re.compile(r"\S+")
CODE = re.compile(r"[^\s]+( [^\s]+)*")
# A dateTime down to the second, with its time zone (FHIR's offsets go up to 14:00).
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)"
)


def bundle_entries(data: dict) -> list[dict]:
    """The QuestionnaireResponses of a Bundle (batch, transaction or collection). Only the
    envelope is checked here, and that each resource is a QuestionnaireResponse whose
    `questionnaire` and `subject.reference`, when there, are text: enough to look up the
    programmes and people of a whole Bundle at once. Then read each with
    `answers_from_response`, pointing its errors at the entry:
    `error.inside(f"entry[{index}].resource")`. So each response is read once."""
    if type(data) is not dict or data.get("resourceType") != "Bundle":
        raise ResponseError("resourceType", "Send a Bundle of QuestionnaireResponses.")
    unknown = data.keys() - {"resourceType", "id", "meta", "type", "timestamp", "entry"}
    if unknown:
        raise ResponseError(min(unknown), "A Bundle of check-ins cannot carry this.")
    if "id" in data and not _is_id(data["id"]):
        raise ResponseError("id", "An id is 1 to 64 letters, digits, '-' and '.'.")
    bundle_type = data.get("type")
    if bundle_type not in ("batch", "transaction", "collection"):
        raise ResponseError("type", "Send a Bundle of type batch, transaction or collection.")
    entries = data.get("entry")
    if type(entries) is not list or not entries:
        raise ResponseError("entry", "Put the QuestionnaireResponses in the Bundle's entry.")
    resources = []
    for index, entry in enumerate(entries):
        if type(entry) is not dict or not entry.keys() <= ENTRY_ELEMENTS:
            raise ResponseError(
                f"entry[{index}]", "An entry holds a fullUrl, a resource and a request only."
            )
        if "fullUrl" in entry and not _is_uri(entry["fullUrl"]):
            raise ResponseError(f"entry[{index}].fullUrl", "Give the fullUrl as a URI.")
        _check_request(entry.get("request"), bundle_type, index)
        resource = entry.get("resource")
        _check_entry_resource(resource, index)
        resources.append(resource)
    if "meta" in data or "timestamp" in data:
        envelope = {key: value for key, value in data.items() if key != "entry"}
        validate(Bundle, envelope, ResponseError)
    return resources


def _check_entry_resource(resource, index: int) -> None:
    where = f"entry[{index}].resource"
    if type(resource) is not dict or resource.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError(f"{where}.resourceType", "Each entry holds a QuestionnaireResponse.")
    if "questionnaire" in resource and not _is_uri(resource["questionnaire"]):
        raise ResponseError(f"{where}.questionnaire", "Say which Questionnaire this answers.")
    subject = resource.get("subject", {})
    if type(subject) is not dict or not _is_string(subject.get("reference", "-")):
        raise ResponseError(f"{where}.subject", "Give the subject as a Reference.")


def questionnaire_response(
    programme: Programme,
    *,
    response_id: str,
    questionnaire_url: str,
    subject_reference: str,
    authored: datetime,
    answers: dict,
) -> dict:
    """A stored check-in (its cleaned answers) as a FHIR R4 QuestionnaireResponse."""
    if authored.tzinfo is None:
        raise ValueError("authored must be timezone-aware: FHIR needs the offset")
    base_url = _base_url(programme, questionnaire_url)
    unknown = answers.keys() - {question.key for question in programme.questions}
    if unknown:
        raise ValueError(f"{programme.key} has no question {', '.join(sorted(unknown))}")
    items = []
    for question in programme.questions:
        if answers.get(question.key) is None:
            continue
        value = answers[question.key]
        if question.kind == AnswerKind.DECIMAL:
            answer = {"valueDecimal": float(value)}
        elif question.kind == AnswerKind.CHOICE:
            option = question.option(value)
            if option is None:
                raise ValueError(f"{question.key} has no answer {value!r}")
            system = answer_system(base_url, programme.key, question.key)
            answer = {"valueCoding": {"system": system, "code": value, "display": option.text}}
        else:
            answer = {VALUE_KEYS[question.kind]: value}
        items.append({"linkId": question.key, "text": question.text, "answer": [answer]})
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response_id),
        "questionnaire": questionnaire_url,
        "status": "completed",
        "subject": {"reference": subject_reference},
        "authored": authored.isoformat(),
    }
    if items:
        resource["item"] = items
    return resource


def answers_from_response(programme: Programme, data: dict) -> ResponseAnswers:
    """The answers of one QuestionnaireResponse to the programme's Questionnaire, checked
    by hand (see the module's docstring): whatever passes is valid R4B."""
    if type(data) is not dict:
        raise ResponseError("", "A QuestionnaireResponse is a JSON object.")
    if data.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError(
            "resourceType",
            f"This is a {data.get('resourceType') or 'thing'}, not a QuestionnaireResponse.",
        )
    needs_r4b = _check_unread(data, RESPONSE_ELEMENTS, UNREAD_ELEMENTS, "")
    if "id" in data and not _is_id(data["id"]):
        raise ResponseError("id", "An id is 1 to 64 letters, digits, '-' and '.'.")
    status = data.get("status")
    if status not in TAKEN_STATUSES:
        raise ResponseError(
            "status", f"Only a completed or amended response can be taken, not {status!r}."
        )
    questionnaire = data.get("questionnaire")
    if not _is_uri(questionnaire):
        raise ResponseError("questionnaire", "Say which Questionnaire this answers (its url).")
    subject_reference = None
    if "subject" in data:
        subject = data["subject"]
        if type(subject) is not dict:
            raise ResponseError("subject", "Give the subject as a Reference.")
        if not subject.keys() <= SUBJECT_ELEMENTS:
            _check_unread(subject, REFERENCE_ELEMENTS, {}, "subject")
            validate(Reference, subject, ResponseError, "subject")
        if "reference" in subject:
            subject_reference = subject["reference"]
            if not _is_string(subject_reference):
                raise ResponseError("subject.reference", "Give the reference as text.")
    authored = _date_time(data["authored"]) if "authored" in data else None
    base_url = _base_url(programme, questionnaire)
    table = _answer_table(programme)
    answers: dict[str, object] = {}
    paths: dict[str, str] = {}
    if "item" in data:
        needs_r4b |= _read_items(data["item"], base_url, table, answers, paths)
    if needs_r4b:
        validate(QuestionnaireResponse, data, ResponseError)
    return ResponseAnswers(
        answers=answers,
        authored=authored,
        subject_reference=subject_reference,
        questionnaire=questionnaire,
        answer_paths=paths,
    )


def _read_items(items, base_url: str, table: dict, answers: dict, paths: dict) -> bool:
    """Each answered item into `answers` (and where it is into `paths`); whether some item
    carries R4B elements beyond those checked here. `table` is the programme's answers
    (`_answer_table`). The hot path of a Bundle: kept to plain checks."""
    if type(items) is not list or not items:
        raise ResponseError("item", "Give the answers as a list of items, or leave it out.")
    needs_r4b = False
    for index, item in enumerate(items):
        if type(item) is not dict:
            raise ResponseError(f"item[{index}]", "An item is a JSON object.")
        if not item.keys() <= ITEM_ELEMENTS:
            needs_r4b |= _check_unread(item, ITEM_ELEMENTS, UNREAD_ITEM_ELEMENTS, f"item[{index}]")
        link_id = item.get("linkId")
        if type(link_id) is not str or not link_id.strip():
            raise ResponseError(f"item[{index}].linkId", "Give the question's linkId.")
        if "text" in item:
            text = item["text"]
            if type(text) is not str or not text.strip():
                raise ResponseError(f"item[{index}].text", "Give the question's text as text.")
        if link_id in paths:
            raise ResponseError(
                f"item[{index}]", f"{link_id!r} is answered twice (first at {paths[link_id]})."
            )
        if "answer" not in item:
            continue  # a question left unanswered
        item_answers = item["answer"]
        if type(item_answers) is not list or len(item_answers) != 1:
            _refuse_answers(item_answers, f"item[{index}].answer")
        answer = item_answers[0]
        if type(answer) is not dict or len(answer) != 1:
            raise ResponseError(
                f"item[{index}].answer[0]", f"Give the answer as one value: {ANSWER_VALUE_LIST}."
            )
        for value_key, value in answer.items():
            if not _is_answer_value(value_key, value):
                _refuse_value(value_key, f"item[{index}].answer[0].{value_key}")
        answers[link_id] = _answer(link_id, value_key, value, base_url, table, index)
        paths[link_id] = f"item[{index}].answer[0]"
    return needs_r4b


def _answer(link_id: str, value_key: str, value, base_url: str, table: dict, index: int):
    """The answer as the rules take it, once it is known to answer the programme."""
    question = table.get(link_id)
    if question is None:
        raise ResponseError(f"item[{index}].linkId", f"The programme has no question {link_id!r}.")
    takes, is_decimal, system = question
    if value_key != takes:
        raise ResponseError(
            f"item[{index}].answer[0]", f"{link_id!r} takes a {takes}, not a {value_key}."
        )
    if is_decimal:
        return float(value)
    if system is not None:
        if value["system"] != base_url + system:
            raise ResponseError(
                f"item[{index}].answer[0].valueCoding.system",
                f"Answer {link_id!r} with a code from {base_url + system}.",
            )
        return value["code"]
    return value


# Each programme's answers as (value[x], whether decimal, the code system after the site
# address): built once per programme object, not for each of a Bundle's thousand responses.
_ANSWER_TABLES: dict[int, tuple[Programme, dict[str, tuple[str, bool, str | None]]]] = {}


def _answer_table(programme: Programme) -> dict[str, tuple[str, bool, str | None]]:
    cached = _ANSWER_TABLES.get(id(programme))
    if cached is not None and cached[0] is programme:
        return cached[1]
    table = {
        question.key: (
            VALUE_KEYS[question.kind],
            question.kind == AnswerKind.DECIMAL,
            answer_system("", programme.key, question.key)
            if question.kind == AnswerKind.CHOICE
            else None,
        )
        for question in programme.questions
    }
    if len(_ANSWER_TABLES) >= 256:  # programmes loaded afresh for each request
        _ANSWER_TABLES.clear()
    _ANSWER_TABLES[id(programme)] = (programme, table)
    return table


def _is_answer_value(value_key: str, value) -> bool:
    """The value is one we take, and valid R4B."""
    kind = type(value)
    if value_key == "valueInteger":
        return kind is int and -(2**31) <= value < 2**31
    if value_key == "valueCoding":
        return (
            kind is dict
            and value.keys() <= CODING_ELEMENTS
            and _is_uri(value.get("system"))
            and type(value.get("code")) is str
            and CODE.fullmatch(value["code"]) is not None
            and ("display" not in value or _is_string(value["display"]))
        )
    if value_key == "valueBoolean":
        return kind is bool
    if value_key == "valueDecimal":
        return (kind is int or kind is float) and math.isfinite(value)
    if value_key == "valueString":
        return kind is str and bool(value.strip())
    return False


def _refuse_answers(answers, path: str):
    if type(answers) is list and len(answers) > 1:
        raise ResponseError(f"{path}[1]", "A question takes one answer, not two.")
    raise ResponseError(path, "Give the answer, or leave the answer out.")


def _refuse_value(value_key: str, path: str):
    if value_key not in VALUE_MESSAGES:
        raise ResponseError(path, f"This cannot be taken: use one of {ANSWER_VALUE_LIST}.")
    raise ResponseError(path, VALUE_MESSAGES[value_key])


VALUE_MESSAGES = {
    "valueInteger": "Give a whole number.",
    "valueDecimal": "Give a number.",
    "valueBoolean": "Give true or false.",
    "valueString": "Give some text.",
    "valueCoding": "Give a coding with a system, a code and, if you like, a display; nothing else.",
}
ANSWER_VALUE_LIST = ", ".join(sorted(VALUE_MESSAGES))


def _check_unread(element: dict, taken: set[str], unread: dict, path: str) -> bool:
    """Checks the element's R4B elements beyond those read by hand, each with its R4B model;
    whether one can only be checked with the whole resource. Refuses elements we cannot
    honour, or that are not R4B at all."""
    extra = element.keys() - taken
    needs_r4b = False
    for key in sorted(extra):
        if key not in unread:
            why = REFUSED_ELEMENTS.get(key, "This is not an element that can be taken here.")
            raise ResponseError(join_path(path, key), why)
        if unread[key] is None:
            needs_r4b = True
            continue
        model, repeats = unread[key]
        value = element[key]
        if not repeats:
            validate(model, value, ResponseError, join_path(path, key))
        elif type(value) is not list or not value:
            raise ResponseError(join_path(path, key), "Give a list, or leave it out.")
        else:
            for index, each in enumerate(value):
                validate(model, each, ResponseError, f"{join_path(path, key)}[{index}]")
    return needs_r4b


def _date_time(value) -> datetime:
    if not isinstance(value, str) or not DATE_TIME.fullmatch(value):
        raise ResponseError(
            "authored", "Give the date and time with its time zone, like 2026-12-03T08:15:00Z."
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ResponseError("authored", f"{value} is not a date and time that exists.") from None


def _base_url(programme: Programme, questionnaire: str) -> str:
    """The site address of our Questionnaire url for the programme (`{base}/fhir/
    Questionnaire/{key}`, maybe with `|version`); refuses the url of another."""
    url, _, version = questionnaire.partition("|")
    suffix = f"/fhir/Questionnaire/{programme.key}"
    if not url.endswith(suffix):
        raise ResponseError("questionnaire", f"This does not answer the {programme.key} check-in.")
    if version and version != programme.version:
        raise ResponseError(
            "questionnaire",
            f"This answers version {version}; the {programme.key} check-in is at version "
            f"{programme.version}.",
        )
    return url.removesuffix(suffix)


def _check_request(request, bundle_type: str, index: int) -> None:
    """A batch or transaction asks to create each response; a collection asks nothing."""
    path = f"entry[{index}]"
    if bundle_type == "collection":
        if request is not None:
            raise ResponseError(f"{path}.request", "An entry of a collection has no request.")
        return
    if request != {"method": "POST", "url": "QuestionnaireResponse"}:
        raise ResponseError(
            f"{path}.request",
            'Give each entry the request {"method": "POST", "url": "QuestionnaireResponse"}.',
        )


def _is_string(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_uri(value) -> bool:
    return isinstance(value, str) and URI.fullmatch(value) is not None


def _is_id(value) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None
