"""A monitoring programme as a FHIR R4 `Questionnaire`: export and import. Pure functions
of plain data: no database. Everything written here is valid under `fhir.resources.R4B`
(tests/monitoring/test_fhir_questionnaire.py).

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
"""

import json
import math
import re
from collections.abc import Sequence
from datetime import time
from decimal import Decimal

from fhir.resources.R4B.questionnaire import Questionnaire

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
from .fhir_common import VALUE_KEYS, answer_system, join_path, refuse_modifiers, validate

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
SETTING_DEFAULT_KEYS = VALUE_KEYS | {AnswerKind.CHOICE: "valueCode"}
BUILT_IN_BY_SCORING = {programme.scoring: programme for programme in BUILT_IN.values()}
# A programme's key is the last part of its Questionnaire's url and the exported
# Questionnaire's id: it names pages and files. So it is both a FHIR id and a slug.
PROGRAMME_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,49}")
# A question's key is its linkId: it names form fields, answers and pages.
LINK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class QuestionnaireError(ValueError):
    """A Questionnaire we cannot import: where (`item[3].answerOption[1]`) and why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# Questionnaire export ------------------------------------------------------------------


def questionnaire_url(base_url: str, programme_key: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/Questionnaire/{programme_key}"


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
    validate(Questionnaire, data, QuestionnaireError)
    refuse_modifiers(data, "", QuestionnaireError)
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
    if not PROGRAMME_KEY.fullmatch(key):
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
        raise QuestionnaireError(join_path(path, key), missing)
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


def _is_int(value) -> bool:
    return type(value) is int


def _is_number(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value)
