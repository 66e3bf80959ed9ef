"""Monitoring as FHIR R4: a programme as a `Questionnaire` (export and import), a check-in as
a `QuestionnaireResponse` (read and write, one at a time or in a `Bundle` from a device
gateway), and an alert as a `Flag` and a `Task`. Pure functions of plain data: no database.
Everything written here is valid under `fhir.resources.R4B` (tests/monitoring/test_fhir_*.py).

The Questionnaire, one item per question, `linkId` = the question's key:
- `type` integer | decimal | boolean | choice | text (`string` is taken as text on import);
  `required`; `maxLength` for text.
- The hint is a `display` child item (`linkId` "<key>-hint") with no item control, so a
  renderer shows it under the question, as a GOV.UK hint is. (`entryFormat` is meant for
  the shape of an entry, "nnn-nnn", not for instructions like "rest for 5 minutes first".)
- Answer options are `valueCoding`s in a code system of our own per question
  (`{base_url}/fhir/CodeSystem/{programme}-{question}`); an option's score is the SDC
  `ordinalValue` extension on the `answerOption` (import also takes `itemWeight`, on the
  option or on its coding).
- Ranges: `minValue` / `maxValue`; decimal places: `maxDecimalPlaces`; the unit:
  `questionnaire-unit` (a UCUM Coding, its display how the unit reads).
- What FHIR has no element for goes in extensions of our own, `{base_url}/fhir/
  StructureDefinition/monitoring-scoring` (the rule set, a code), `-schedule` (everyDays,
  windowOpens, windowCloses), `-response-time` (one per colour: colour, minutes,
  sameWorkingDay, workingDayEnds) and `-setting` (one per setting: key, label, kind,
  default, hint, minimum, maximum, decimals, option (code, text, score)). Import knows them
  by the end of their URL, whatever the exporting site's address.

An exported programme imports as the same `Programme`, and exports again as the same JSON.
A Questionnaire from another tool imports when it names a scoring rule set and asks the
questions that rule set reads; it then takes that rule set's built-in settings, the daily
schedule and the default response times.

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

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

import pydantic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.reference import Reference

from ..programmes import (
    BUILT_IN,
    DEFAULT_RESPONSE_TIMES,
    AnswerKind,
    AnswerOption,
    Colour,
    Programme,
    Question,
    ResponseTime,
    Schedule,
    Scoring,
    Setting,
)

FHIR_JSON = "application/fhir+json"
UCUM = "http://unitsofmeasure.org"
HL7_EXTENSION = "http://hl7.org/fhir/StructureDefinition/"
ORDINAL_VALUE = HL7_EXTENSION + "ordinalValue"
ITEM_WEIGHT = HL7_EXTENSION + "itemWeight"
MIN_VALUE = HL7_EXTENSION + "minValue"
MAX_VALUE = HL7_EXTENSION + "maxValue"
MAX_DECIMAL_PLACES = HL7_EXTENSION + "maxDecimalPlaces"
QUESTIONNAIRE_UNIT = HL7_EXTENSION + "questionnaire-unit"
# Our own extensions, each at {base_url}/fhir/StructureDefinition/<name>.
SCORING = "monitoring-scoring"
SCHEDULE = "monitoring-schedule"
RESPONSE_TIME = "monitoring-response-time"
SETTING = "monitoring-setting"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"

ITEM_TYPES = {
    AnswerKind.INTEGER: "integer",
    AnswerKind.DECIMAL: "decimal",
    AnswerKind.BOOLEAN: "boolean",
    AnswerKind.CHOICE: "choice",
    AnswerKind.TEXT: "text",
}
KINDS_OF_ITEM_TYPE = {"string": AnswerKind.TEXT} | {
    item_type: kind for kind, item_type in ITEM_TYPES.items()
}
# The value[x] that carries an answer, or a setting's default, of each kind.
VALUE_KEYS = {
    AnswerKind.INTEGER: "valueInteger",
    AnswerKind.DECIMAL: "valueDecimal",
    AnswerKind.BOOLEAN: "valueBoolean",
    AnswerKind.CHOICE: "valueCoding",
    AnswerKind.TEXT: "valueString",
}
SETTING_DEFAULT_KEYS = VALUE_KEYS | {AnswerKind.CHOICE: "valueCode"}
BUILT_IN_BY_SCORING = {programme.scoring: programme for programme in BUILT_IN.values()}
# A programme's key is the last part of its Questionnaire's url and the exported
# Questionnaire's id: it names pages and files. So it is both a FHIR id and a slug.
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,49}")
# A question's key is its linkId: it names form fields, answers and pages.
LINK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class QuestionnaireError(ValueError):
    """A Questionnaire we cannot import: where (`item[3].answerOption[1]`) and why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class ResponseError(ValueError):
    """A QuestionnaireResponse (or Bundle) we cannot take: where (`item[2].answer[0]`) and
    why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def inside(self, prefix: str) -> "ResponseError":
        """The same error, pointed at from an enclosing resource (`entry[4].resource`)."""
        return ResponseError(_join(prefix, self.path), self.message)


# Questionnaire export ------------------------------------------------------------------


def questionnaire_url(base_url: str, programme_key: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/Questionnaire/{programme_key}"


def answer_system(base_url: str, programme_key: str, question_key: str) -> str:
    """The code system of one question's answer options."""
    return f"{base_url.rstrip('/')}/fhir/CodeSystem/{programme_key}-{question_key}"


def extension_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/StructureDefinition/{name}"


def questionnaire_from_programme(programme: Programme, *, base_url: str) -> dict:
    """The programme as a FHIR R4 Questionnaire (a plain dict, ready for JSON)."""
    extensions = [
        {"url": extension_url(base_url, SCORING), "valueCode": programme.scoring.value},
        _schedule_extension(programme.schedule, base_url),
        *(_response_time_extension(each, base_url) for each in programme.response_times),
        *(_setting_extension(setting, base_url) for setting in programme.settings),
    ]
    resource = {
        "resourceType": "Questionnaire",
        "id": programme.key,
        "extension": extensions,
        "url": questionnaire_url(base_url, programme.key),
        "version": programme.version,
        "name": _computable_name(programme.key),
        "title": programme.title,
        "status": "active",
    }
    if programme.description:
        resource["description"] = programme.description
    resource["item"] = [_item(programme, question, base_url) for question in programme.questions]
    return resource


def _item(programme: Programme, question: Question, base_url: str) -> dict:
    item = {
        "linkId": question.key,
        "text": question.text,
        "type": ITEM_TYPES[question.kind],
        "required": question.required,
    }
    extensions = []
    if question.minimum is not None:
        extensions.append({"url": MIN_VALUE, **_number(question.kind, question.minimum)})
    if question.maximum is not None:
        extensions.append({"url": MAX_VALUE, **_number(question.kind, question.maximum)})
    if question.decimals:
        extensions.append({"url": MAX_DECIMAL_PLACES, "valueInteger": question.decimals})
    if question.unit or question.unit_text:
        unit = {"system": UCUM, "code": question.unit} if question.unit else {}
        if question.unit_text:
            unit["display"] = question.unit_text
        extensions.append({"url": QUESTIONNAIRE_UNIT, "valueCoding": unit})
    if extensions:
        item["extension"] = extensions
    if question.max_length:
        item["maxLength"] = question.max_length
    if question.options:
        system = answer_system(base_url, programme.key, question.key)
        item["answerOption"] = [_answer_option(option, system) for option in question.options]
    if question.hint:
        item["item"] = [
            {"linkId": f"{question.key}-hint", "text": question.hint, "type": "display"}
        ]
    return item


def _answer_option(option: AnswerOption, system: str) -> dict:
    answer = {"valueCoding": {"system": system, "code": option.code, "display": option.text}}
    if option.score is not None:
        answer["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    return answer


def _schedule_extension(schedule: Schedule, base_url: str) -> dict:
    return {
        "url": extension_url(base_url, SCHEDULE),
        "extension": [
            {"url": "everyDays", "valuePositiveInt": schedule.every_days},
            {"url": "windowOpens", "valueTime": schedule.window_opens.isoformat()},
            {"url": "windowCloses", "valueTime": schedule.window_closes.isoformat()},
        ],
    }


def _response_time_extension(response_time: ResponseTime, base_url: str) -> dict:
    parts = [{"url": "colour", "valueCode": response_time.colour.value}]
    if response_time.minutes is not None:
        parts.append({"url": "minutes", "valueInteger": response_time.minutes})
    parts += [
        {"url": "sameWorkingDay", "valueBoolean": response_time.same_working_day},
        {"url": "workingDayEnds", "valueTime": response_time.working_day_ends.isoformat()},
    ]
    return {"url": extension_url(base_url, RESPONSE_TIME), "extension": parts}


def _setting_extension(setting: Setting, base_url: str) -> dict:
    parts = [
        {"url": "key", "valueCode": setting.key},
        {"url": "label", "valueString": setting.label},
        {"url": "kind", "valueCode": setting.kind.value},
    ]
    if setting.default is not None:
        parts.append({"url": "default", **_setting_value(setting.kind, setting.default)})
    if setting.hint:
        parts.append({"url": "hint", "valueString": setting.hint})
    if setting.minimum is not None:
        parts.append({"url": "minimum", **_number(setting.kind, setting.minimum)})
    if setting.maximum is not None:
        parts.append({"url": "maximum", **_number(setting.kind, setting.maximum)})
    if setting.decimals:
        parts.append({"url": "decimals", "valueInteger": setting.decimals})
    for option in setting.options:
        option_parts = [
            {"url": "code", "valueCode": option.code},
            {"url": "text", "valueString": option.text},
        ]
        if option.score is not None:
            option_parts.append({"url": "score", "valueInteger": option.score})
        parts.append({"url": "option", "extension": option_parts})
    return {"url": extension_url(base_url, SETTING), "extension": parts}


def _number(kind: AnswerKind, value: Decimal) -> dict:
    """A range limit as FHIR wants it for the kind: valueInteger or valueDecimal."""
    if kind == AnswerKind.DECIMAL:
        return {"valueDecimal": float(value)}
    if value != int(value):
        raise ValueError(f"{value} is not a whole number, so it cannot limit a {kind} answer")
    return {"valueInteger": int(value)}


def _setting_value(kind: AnswerKind, value) -> dict:
    if kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL):
        return _number(kind, Decimal(value))
    return {SETTING_DEFAULT_KEYS[kind]: value}


def _computable_name(key: str) -> str:
    """FHIR's machine name for the Questionnaire (`copd-cat` -> `CopdCat`)."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key))
    return name if name[:1].isalpha() else f"Monitoring{name}"


# Questionnaire import ------------------------------------------------------------------


def programme_from_questionnaire(data: dict | bytes | str) -> Programme:
    """A programme from a FHIR R4 Questionnaire (a dict, or its JSON)."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise QuestionnaireError("", f"This is not JSON: {error}.") from None
    if not isinstance(data, dict):
        raise QuestionnaireError("", "A Questionnaire is a JSON object.")
    if data.get("resourceType") != "Questionnaire":
        raise QuestionnaireError(
            "resourceType", f"This is a {data.get('resourceType') or 'thing'}, not a Questionnaire."
        )
    _validate(Questionnaire, data, QuestionnaireError)
    _refuse_modifiers(data, "", QuestionnaireError)
    ours = _our_extensions(data)
    scoring = _scoring(ours)
    questions = _questions(data.get("item") or ())
    settings = _settings(ours.get(SETTING, ()))
    if not settings and SETTING not in ours:
        settings = BUILT_IN_BY_SCORING[scoring].settings
    programme = Programme(
        key=_programme_key(data),
        title=_text(data, "title", "", "Give the Questionnaire a title."),
        description=data.get("description", ""),
        scoring=scoring,
        questions=questions,
        settings=settings,
        schedule=_schedule(ours[SCHEDULE][-1]) if SCHEDULE in ours else Schedule(),
        response_times=tuple(_response_time(ext, path) for path, ext in ours[RESPONSE_TIME])
        if RESPONSE_TIME in ours
        else DEFAULT_RESPONSE_TIMES,
        version=data.get("version", "1"),
    )
    _check_rules_can_score(programme, data)
    return programme


def _our_extensions(data: dict) -> dict[str, list[tuple[str, dict]]]:
    """Our extensions on the Questionnaire by name, each with its path; known by the end of
    the URL so that a programme exported from another site imports here."""
    ours: dict[str, list[tuple[str, dict]]] = {}
    for index, extension in enumerate(data.get("extension") or ()):
        name = extension["url"].rpartition("/fhir/StructureDefinition/")[2]
        if name in (SCORING, SCHEDULE, RESPONSE_TIME, SETTING):
            ours.setdefault(name, []).append((f"extension[{index}]", extension))
    if len(ours.get(SCHEDULE, ())) > 1:
        raise QuestionnaireError(ours[SCHEDULE][1][0], "Give the schedule once.")
    return ours


def _scoring(ours: dict) -> Scoring:
    found = ours.get(SCORING, ())
    known = ", ".join(scoring.value for scoring in Scoring)
    if not found:
        raise QuestionnaireError(
            "extension",
            "Say which rule set scores the check-ins: add the extension "
            f".../fhir/StructureDefinition/{SCORING} with a valueCode, one of {known}.",
        )
    if len(found) > 1:
        raise QuestionnaireError(found[1][0], "Name one scoring rule set, not two.")
    path, extension = found[0]
    code = extension.get("valueCode")
    if code not in {scoring.value for scoring in Scoring}:
        raise QuestionnaireError(
            f"{path}.valueCode", f"There is no scoring rule set {code!r}: use one of {known}."
        )
    return Scoring(code)


def _programme_key(data: dict) -> str:
    url = data.get("url")
    if not url:
        raise QuestionnaireError("url", "Give the Questionnaire a url: its last part is its key.")
    key = url.rstrip("/").rpartition("/")[2]
    if not KEY.fullmatch(key):
        raise QuestionnaireError(
            "url",
            f"The url's last part, {key!r}, is the programme's key: use letters, digits "
            "and '-' only, 50 at most.",
        )
    return key


def _questions(items: Sequence[dict]) -> tuple[Question, ...]:
    seen: dict[str, str] = {}
    questions = []
    for index, item in enumerate(items):
        path = f"item[{index}]"
        questions.append(_question(item, path))
        for child_index, link_id in [(None, item["linkId"])] + [
            (child_index, child["linkId"]) for child_index, child in enumerate(item.get("item", ()))
        ]:
            where = path if child_index is None else f"{path}.item[{child_index}]"
            if link_id in seen:
                raise QuestionnaireError(
                    f"{where}.linkId", f"The linkId {link_id!r} is already used at {seen[link_id]}."
                )
            seen[link_id] = where
    return tuple(questions)


def _question(item: dict, path: str) -> Question:
    link_id = item["linkId"]
    if not LINK_ID.fullmatch(link_id):
        raise QuestionnaireError(
            f"{path}.linkId",
            f"{link_id!r} cannot be a question's key: use letters, digits, '_', '-' and '.' "
            "only, starting with a letter or digit, 64 at most.",
        )
    kind = KINDS_OF_ITEM_TYPE.get(item["type"])
    if kind is None:
        takes = "integer, decimal, boolean, choice, string or text"
        raise QuestionnaireError(
            f"{path}.type", f"A question of type {item['type']!r} cannot be taken: use {takes}."
        )
    for element, why in (
        ("enableWhen", "Questions asked only after some answers cannot be taken yet."),
        ("answerValueSet", "List the answers as answerOption, not as a value set."),
        ("initial", "A question cannot come with an answer already given."),
    ):
        if element in item:
            raise QuestionnaireError(f"{path}.{element}", why)
    if item.get("repeats"):
        raise QuestionnaireError(f"{path}.repeats", "A question takes one answer, not several.")
    if kind == AnswerKind.CHOICE and not item.get("answerOption"):
        raise QuestionnaireError(f"{path}.answerOption", "Give the answers a person can choose.")
    if kind != AnswerKind.CHOICE and item.get("answerOption"):
        raise QuestionnaireError(
            f"{path}.answerOption", f"A {item['type']} question cannot list answers: use choice."
        )
    extensions = _hl7_extensions(item, path)
    minimum = _limit(extensions, MIN_VALUE, kind)
    maximum = _limit(extensions, MAX_VALUE, kind)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise QuestionnaireError(f"{path}.extension", "The minValue is above the maxValue.")
    unit = _unit(extensions)
    return Question(
        key=link_id,
        text=_text(item, "text", path, "Give the question's words as its text."),
        kind=kind,
        hint=_hint(item, path),
        unit=unit.get("code", ""),
        unit_text=unit.get("display", ""),
        minimum=minimum,
        maximum=maximum,
        decimals=_decimals(extensions),
        options=_options(item.get("answerOption") or (), path),
        required=item.get("required", False),
        max_length=item.get("maxLength", 0),
    )


def _hl7_extensions(item: dict, path: str) -> dict[str, tuple[str, dict]]:
    """The item's range, decimals and unit extensions by URL, each with its path."""
    found: dict[str, tuple[str, dict]] = {}
    for index, extension in enumerate(item.get("extension") or ()):
        url = extension["url"]
        if url in (MIN_VALUE, MAX_VALUE, MAX_DECIMAL_PLACES, QUESTIONNAIRE_UNIT):
            where = f"{path}.extension[{index}]"
            if url in found:
                raise QuestionnaireError(where, f"{url} is given twice.")
            found[url] = (where, extension)
    return found


def _limit(extensions: dict, url: str, kind: AnswerKind) -> Decimal | None:
    if url not in extensions:
        return None
    path, extension = extensions[url]
    if kind not in (AnswerKind.INTEGER, AnswerKind.DECIMAL):
        raise QuestionnaireError(path, f"Only a number question can have a {url}.")
    key = "valueInteger" if kind == AnswerKind.INTEGER else "valueDecimal"
    if key not in extension and not (kind == AnswerKind.DECIMAL and "valueInteger" in extension):
        raise QuestionnaireError(path, f"Give the limit of a {kind} question as a {key}.")
    return _decimal(extension.get(key, extension.get("valueInteger")), path)


def _decimals(extensions: dict) -> int:
    if MAX_DECIMAL_PLACES not in extensions:
        return 0
    path, extension = extensions[MAX_DECIMAL_PLACES]
    places = extension.get("valueInteger")
    if not _is_int(places) or places < 0:
        raise QuestionnaireError(path, "Give the decimal places as a valueInteger, 0 or more.")
    return places


def _unit(extensions: dict) -> dict:
    if QUESTIONNAIRE_UNIT not in extensions:
        return {}
    path, extension = extensions[QUESTIONNAIRE_UNIT]
    unit = extension.get("valueCoding")
    if unit is None or ("code" in unit and unit.get("system") != UCUM):
        raise QuestionnaireError(path, f"Give the unit as a valueCoding in UCUM ({UCUM}).")
    return unit


def _hint(item: dict, path: str) -> str:
    children = item.get("item") or ()
    if not children:
        return ""
    if len(children) > 1 or children[0]["type"] != "display":
        raise QuestionnaireError(
            f"{path}.item", "A question can hold only one display item, its hint."
        )
    return _text(children[0], "text", f"{path}.item[0]", "Give the hint's words as its text.")


def _options(answer_options: Sequence[dict], path: str) -> tuple[AnswerOption, ...]:
    options = []
    for index, answer in enumerate(answer_options):
        where = f"{path}.answerOption[{index}]"
        coding = answer.get("valueCoding")
        if coding is None:
            raise QuestionnaireError(where, "Give each answer as a valueCoding with a code.")
        code = _text(coding, "code", f"{where}.valueCoding", "Give each answer a code.")
        if any(option.code == code for option in options):
            raise QuestionnaireError(
                f"{where}.valueCoding.code", f"The code {code!r} is used twice."
            )
        text = _text(coding, "display", f"{where}.valueCoding", "Give each answer its words.")
        options.append(AnswerOption(code, text, _option_score(answer, coding, where)))
    return tuple(options)


def _option_score(answer: dict, coding: dict, path: str) -> int | None:
    """The score from ordinalValue or itemWeight, on the option or on its coding."""
    scores = [
        (f"{where}.extension[{index}]", extension)
        for where, element in ((path, answer), (f"{path}.valueCoding", coding))
        for index, extension in enumerate(element.get("extension") or ())
        if extension["url"] in (ORDINAL_VALUE, ITEM_WEIGHT)
    ]
    if not scores:
        return None
    values = {_score(extension, where) for where, extension in scores}
    if len(values) > 1:
        raise QuestionnaireError(path, "The answer is given two different scores.")
    return values.pop()


def _score(extension: dict, path: str) -> int:
    value = extension.get("valueDecimal", extension.get("valueInteger"))
    if not _is_number(value):
        raise QuestionnaireError(path, "Give the answer's score as a number (valueDecimal).")
    if value != int(value):
        raise QuestionnaireError(path, f"The score {value} is not a whole number.")
    return int(value)


def _schedule(found: tuple[str, dict]) -> Schedule:
    path, extension = found
    parts = _parts(extension, path, {"everyDays", "windowOpens", "windowCloses"})
    schedule = Schedule(
        every_days=_part(parts, "everyDays", "valuePositiveInt", path, Schedule.every_days),
        window_opens=_time(parts, "windowOpens", path, Schedule.window_opens),
        window_closes=_time(parts, "windowCloses", path, Schedule.window_closes),
    )
    if schedule.window_opens >= schedule.window_closes:
        raise QuestionnaireError(path, "The window must open before it closes.")
    return schedule


def _response_time(extension: dict, path: str) -> ResponseTime:
    names = {"colour", "minutes", "sameWorkingDay", "workingDayEnds"}
    parts = _parts(extension, path, names)
    colour = _part(parts, "colour", "valueCode", path, None)
    if colour not in {Colour.RED, Colour.AMBER, Colour.GREY}:
        raise QuestionnaireError(path, "Give the colour of the alert: red, amber or grey.")
    response_time = ResponseTime(
        colour=Colour(colour),
        minutes=_part(parts, "minutes", "valueInteger", path, None),
        same_working_day=_part(parts, "sameWorkingDay", "valueBoolean", path, False),
        working_day_ends=_time(parts, "workingDayEnds", path, ResponseTime.working_day_ends),
    )
    if (response_time.minutes is None) == (not response_time.same_working_day):
        raise QuestionnaireError(
            path, "Give a response time either in minutes or as the same working day."
        )
    return response_time


def _settings(found: Sequence[tuple[str, dict]]) -> tuple[Setting, ...]:
    settings: list[Setting] = []
    for path, extension in found:
        setting = _setting(extension, path)
        if any(earlier.key == setting.key for earlier in settings):
            raise QuestionnaireError(path, f"The setting {setting.key!r} is given twice.")
        settings.append(setting)
    return tuple(settings)


def _setting(extension: dict, path: str) -> Setting:
    names = {"key", "label", "kind", "default", "hint", "minimum", "maximum", "decimals"}
    parts = _parts(extension, path, names | {"option"})
    kind_code = _part(parts, "kind", "valueCode", path, None)
    if kind_code not in {kind.value for kind in AnswerKind}:
        kinds = ", ".join(kind.value for kind in AnswerKind)
        raise QuestionnaireError(path, f"Give the setting's kind, one of {kinds}.")
    kind = AnswerKind(kind_code)
    key = _part(parts, "key", "valueCode", path, None)
    label = _part(parts, "label", "valueString", path, None)
    if key is None or label is None:
        raise QuestionnaireError(path, "Give the setting a key and a label.")
    default = _setting_default(parts, kind, path)
    number = "valueInteger" if kind == AnswerKind.INTEGER else "valueDecimal"
    limits = [_part(parts, name, number, path, None) for name in ("minimum", "maximum")]
    return Setting(
        key=key,
        label=label,
        kind=kind,
        default=default,
        hint=_part(parts, "hint", "valueString", path, ""),
        minimum=None if limits[0] is None else _decimal(limits[0], path),
        maximum=None if limits[1] is None else _decimal(limits[1], path),
        decimals=_part(parts, "decimals", "valueInteger", path, 0),
        options=tuple(_setting_option(option, where) for where, option in parts.get("option", ())),
    )


def _setting_default(parts: dict, kind: AnswerKind, path: str):
    value = _part(parts, "default", SETTING_DEFAULT_KEYS[kind], path, None)
    if value is None or kind != AnswerKind.DECIMAL:
        return value
    return _decimal(value, path)


def _setting_option(extension: dict, path: str) -> AnswerOption:
    parts = _parts(extension, path, {"code", "text", "score"})
    code = _part(parts, "code", "valueCode", path, None)
    text = _part(parts, "text", "valueString", path, None)
    if code is None or text is None:
        raise QuestionnaireError(path, "Give the option a code and a text.")
    return AnswerOption(code, text, _part(parts, "score", "valueInteger", path, None))


def _parts(extension: dict, path: str, names: set[str]) -> dict[str, list[tuple[str, dict]]]:
    """A complex extension's parts by name, each with its path."""
    parts: dict[str, list[tuple[str, dict]]] = {}
    for index, part in enumerate(extension.get("extension") or ()):
        where = f"{path}.extension[{index}]"
        if part["url"] not in names:
            raise QuestionnaireError(
                f"{where}.url", f"There is no part {part['url']!r}: use {', '.join(sorted(names))}."
            )
        parts.setdefault(part["url"], []).append((where, part))
    return parts


def _part(parts: dict, name: str, value_key: str, path: str, default):
    """The one value of a part of a complex extension, of the type it must have."""
    found = parts.get(name, ())
    if not found:
        return default
    where, part = found[0]
    if len(found) > 1:
        raise QuestionnaireError(found[1][0], f"Give {name} once.")
    if value_key not in part or (
        value_key in ("valueInteger", "valuePositiveInt") and not _is_int(part[value_key])
    ):
        raise QuestionnaireError(where, f"Give {name} as a {value_key}.")
    return part[value_key]


def _time(parts: dict, name: str, path: str, default: time) -> time:
    value = _part(parts, name, "valueTime", path, None)
    return default if value is None else time.fromisoformat(value)


def _text(element: dict, key: str, path: str, missing: str) -> str:
    value = element.get(key)
    if not isinstance(value, str) or not value.strip():
        raise QuestionnaireError(_join(path, key), missing)
    return value


def _decimal(value: int | float, path: str) -> Decimal:
    if not _is_number(value):
        raise QuestionnaireError(path, f"{value!r} is not a number.")
    # The shortest text that reads back as the float: 36.8 stays 36.8.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _check_rules_can_score(programme: Programme, data: dict) -> None:
    """The questions and settings the programme's rule set reads are there, of their kind,
    with the answers it knows: otherwise a check-in could not be scored."""
    reference = BUILT_IN_BY_SCORING[programme.scoring]
    paths = {item["linkId"]: f"item[{index}]" for index, item in enumerate(data.get("item", ()))}
    for needed in reference.questions:
        if needed.kind == AnswerKind.TEXT:
            continue  # the person's own words: read by a person, not by the rules
        question = programme.question(needed.key)
        rules = f"The {programme.scoring} rules"
        if question is None:
            raise QuestionnaireError(
                "item", f"{rules} read the answer {needed.key!r}: add a question with that linkId."
            )
        path = paths[needed.key]
        if question.kind != needed.kind:
            raise QuestionnaireError(
                f"{path}.type", f"{rules} read {needed.key!r} as {ITEM_TYPES[needed.kind]}."
            )
        if needed.required and not question.required:
            raise QuestionnaireError(f"{path}.required", f"{rules} need {needed.key!r} answered.")
        codes = {option.code for option in needed.options}
        if codes != {option.code for option in question.options}:
            raise QuestionnaireError(
                f"{path}.answerOption",
                f"{rules} know the answers {', '.join(sorted(codes))} to {needed.key!r}.",
            )
    for needed in reference.settings:
        setting = programme.setting(needed.key)
        if setting is None or setting.kind != needed.kind:
            raise QuestionnaireError(
                "extension",
                f"The {programme.scoring} rules read the {needed.kind} setting {needed.key!r}.",
            )


# QuestionnaireResponse -----------------------------------------------------------------


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
    "modifierExtension": "Modifier extensions cannot be taken: they may change the meaning.",
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
        _validate(Bundle, envelope, ResponseError)
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
            _validate(Reference, subject, ResponseError, "subject")
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
        _validate(QuestionnaireResponse, data, ResponseError)
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
            raise ResponseError(_join(path, key), why)
        if unread[key] is None:
            needs_r4b = True
            continue
        model, repeats = unread[key]
        value = element[key]
        if not repeats:
            _validate(model, value, ResponseError, _join(path, key))
        elif type(value) is not list or not value:
            raise ResponseError(_join(path, key), "Give a list, or leave it out.")
        else:
            for index, each in enumerate(value):
                _validate(model, each, ResponseError, f"{_join(path, key)}[{index}]")
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


# Alerts as Flag and Task ---------------------------------------------------------------

# Our words for where an alert is, and FHIR's Task status for each.
TASK_STATUSES = {
    "open": "requested",
    "escalated": "requested",
    "acknowledged": "accepted",
    "remeasure_requested": "on-hold",
    "in_progress": "in-progress",
    "closed": "completed",
    "cancelled": "cancelled",
}
# How soon: red is wanted within the hour (asap, the one below stat, which is for
# emergencies already in hand); amber the same working day; a person's remark in routine.
TASK_PRIORITIES = {Colour.RED: "asap", Colour.AMBER: "urgent", Colour.GREY: "routine"}
COLOUR_WORDS = {Colour.RED: "Red alert", Colour.AMBER: "Amber alert", Colour.GREY: "Remark to read"}


def alert_flag(
    *,
    alert_id,
    subject_reference: str,
    colour: Colour | str,
    reasons: Sequence[str],
    raised_at: datetime,
    closed_at: datetime | None,
    base_url: str,
) -> dict:
    """The alert as a FHIR Flag on the person: active until it is closed."""
    colour = _alert_colour(colour)
    period = {"start": _instant(raised_at)}
    if closed_at is not None:
        period["end"] = _instant(closed_at)
    return {
        "resourceType": "Flag",
        "id": str(alert_id),
        "identifier": [_alert_identifier(alert_id, base_url)],
        "status": "active" if closed_at is None else "inactive",
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {
            "coding": [_colour_coding(colour, base_url)],
            "text": "; ".join(reasons) or COLOUR_WORDS[colour],
        },
        "subject": {"reference": subject_reference},
        "period": period,
    }


def alert_task(
    *,
    alert_id,
    subject_reference: str,
    focus_reference: str,
    owner_reference: str | None,
    colour: Colour | str,
    status: str,
    due: datetime,
    raised_at: datetime,
    history: Iterable[tuple[datetime, str]] = (),
    base_url: str,
) -> dict:
    """The alert as a FHIR Task for the care team: review the check-in (its focus) by `due`.
    Our own word for the status stays in businessStatus; the history is in the notes."""
    colour = _alert_colour(colour)
    if status not in TASK_STATUSES:
        raise ValueError(f"no FHIR Task status for the alert status {status!r}")
    history = list(history)
    task = {
        "resourceType": "Task",
        "id": str(alert_id),
        "identifier": [_alert_identifier(alert_id, base_url)],
        "status": TASK_STATUSES[status],
        "businessStatus": {"text": status.replace("_", " ")},
        "intent": "order",
        "priority": TASK_PRIORITIES[colour],
        "code": {"coding": [_colour_coding(colour, base_url)], "text": "Review the check-in"},
        "description": f"{COLOUR_WORDS[colour]}: review the check-in and contact the person.",
        "focus": {"reference": focus_reference},
        "for": {"reference": subject_reference},
        "authoredOn": _instant(raised_at),
        "lastModified": _instant(max([raised_at, *(when for when, _ in history)])),
        "restriction": {"period": {"end": _instant(due)}},
    }
    if owner_reference is not None:
        task["owner"] = {"reference": owner_reference}
    if history:
        task["note"] = [{"time": _instant(when), "text": what} for when, what in history]
    return task


def _alert_colour(colour) -> Colour:
    colour = Colour(colour)
    if colour not in TASK_PRIORITIES:
        raise ValueError(f"a {colour} check-in raises no alert")
    return colour


def _alert_identifier(alert_id, base_url: str) -> dict:
    return {"system": f"{base_url.rstrip('/')}/fhir/monitoring-alert", "value": str(alert_id)}


def _colour_coding(colour: Colour, base_url: str) -> dict:
    system = f"{base_url.rstrip('/')}/fhir/CodeSystem/monitoring-alert-colour"
    return {"system": system, "code": colour.value, "display": COLOUR_WORDS[colour]}


def _instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("FHIR needs timezone-aware datetimes")
    return moment.isoformat()


# Shared --------------------------------------------------------------------------------


def _validate(model, data, error_class, within: str = "") -> None:
    """Validate with the R4B model; its first complaint becomes our error with a path."""
    if type(data) is not dict:
        raise error_class(within, f"Give a {model.__name__} (a JSON object).")
    try:
        model.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        path = _join(within, _path(first["loc"]))
        message = "This is required." if first["type"].endswith("missing") else first["msg"]
        raise error_class(path, message.removeprefix("Value error, ")) from None


def _refuse_modifiers(element, path: str, error_class) -> None:
    """Modifier extensions change what an element means; not knowing them, we must refuse."""
    if isinstance(element, dict):
        if "modifierExtension" in element:
            raise error_class(
                _join(path, "modifierExtension"), REFUSED_ELEMENTS["modifierExtension"]
            )
        for key, value in element.items():
            _refuse_modifiers(value, _join(path, key), error_class)
    elif isinstance(element, list):
        for index, value in enumerate(element):
            _refuse_modifiers(value, f"{path}[{index}]", error_class)


def _path(loc: Sequence) -> str:
    """A pydantic error location as a path: ("item", 3, "text") -> "item[3].text"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + ("" if path.startswith("[") else ".") + path


def _is_int(value) -> bool:
    return type(value) is int


def _is_number(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_string(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_uri(value) -> bool:
    return isinstance(value, str) and URI.fullmatch(value) is not None


def _is_id(value) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None
