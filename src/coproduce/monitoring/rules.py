"""Scoring a check-in: pure functions of a programme, the answers, the person's settings and
the day, used alike by the check-in pages, the API, the alerts and `coproduce monitoring
score`.

    answers = clean_answers(programme, raw_answers)     # AnswerError names the bad answer
    settings = clean_settings(programme, raw_settings)  # the defaults, overlaid and checked
    assessment = assess(programme, answers, settings, on=day, earlier=readings)

Cleaned values are JSON-native: whole numbers are `int`, decimals `float` rounded to their
places, yes/no `bool`, a choice its option code (`str`), text stripped `str`; an empty text
or a null answer is left out. Only JSON's own types are read: `true` is not a number and
`"7"` is not 7, but `7.0` is the whole number 7 and a choice whose codes are numbers (the CAT
items) also takes the number itself.

The rules (issue 13; NEWS2 as the Royal College of Physicians' 2017 chart):

- `news2`: each parameter scores 0-3 (on oxygen scores 2), the total is their sum; the
  response is `high` at 7 or more (red), `medium` at 5-6 and `low-medium` for a single
  parameter scoring 3 below 5 (amber), otherwise `low` (green).
- `copd-cat`: the total of the 8 items; red at `red_total` or more, at `red_above_baseline`
  above the person's `cat_baseline`, or when the oxygen level scores 3 on the person's NEWS2
  scale; amber at `amber_above_baseline` above it or an oxygen level scoring 2.
- `heart-failure`: weights compared in tenths of a kilogram; red for a gain of more than
  `three_day_gain_kg` over the lowest weight of the 3 days before, or breathless at rest;
  amber for a gain of more than `overnight_gain_kg` since the day before, breathless more
  than usual, or any of the three symptoms. A day without a check-in is simply not compared.

`parts` are the NEWS2 parameter scores (all seven), `{"cat": total, "spo2": part}` for the
CAT (without "spo2" when no oxygen level was given: nothing was measured) and `{}` for heart
failure. `reasons` lists each rule that fired with its values, in plain words; a green
check-in fired none, so its reasons are empty. The person's own words (the remark) never
change the colour: a person reads them (the alerts make them grey).

Speed matters (the score command runs a region's whole history): each programme is made once
into plain checks over ints and floats (`rules_for`, which a caller scoring many check-ins may
keep), and no Decimal is touched per check-in. `ProgrammeRules.assess_each` assesses one
person's check-ins together, as `assess` would one by one with the others as `earlier`.
"""

import math
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .programmes import AnswerKind, Colour, Programme, Question, Scoring, Setting


class AnswerError(ValueError):
    """An answer or setting that cannot be used: `key` names it, `message` says what to do."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class Reading:
    """An earlier check-in of the same person, for the trend rules."""

    on: date
    answers: Mapping[str, object]  # cleaned


@dataclass(frozen=True, slots=True)
class Assessment:
    colour: Colour  # green, amber or red: grey is for alerts on a person's own words
    score: int | None  # the NEWS2 or CAT total; None for heart failure
    parts: dict[str, int]  # the NEWS2 parameter scores, or {"cat": total, "spo2": part}
    response: str | None  # the NEWS2 response: "low", "low-medium", "medium" or "high"
    reasons: tuple[str, ...]  # each rule that fired, with its values


# What a programme's scoring function gives: the fields of its Assessment, in order.
_Fields = tuple[Colour, int | None, dict[str, int], str | None, tuple[str, ...]]
GREEN, AMBER, RED = Colour.GREEN, Colour.AMBER, Colour.RED


def clean_answers(programme: Programme, raw: Mapping[str, object]) -> dict[str, object]:
    """The answers checked and normalised; AnswerError for the first one that cannot be used."""
    return rules_for(programme).clean_answers(raw)


def clean_settings(programme: Programme, raw: Mapping[str, object]) -> dict[str, object]:
    """The programme's default settings overlaid with `raw`, each checked like an answer."""
    return rules_for(programme).clean_settings(raw)


def assess(
    programme: Programme,
    answers: Mapping[str, object],
    settings: Mapping[str, object],
    on: date,
    earlier: Sequence[Reading] = (),
) -> Assessment:
    """The colour of a check-in on day `on` and why. `answers` come from `clean_answers`,
    `settings` from `clean_settings`; `earlier` may hold any of the person's other check-ins
    (the trend rules pick the days they need and ignore the rest)."""
    return rules_for(programme).assess(answers, settings, on, earlier)


# ----- Cleaning ------------------------------------------------------------------------------

# What a measurement is called in a message; another programme's questions are "your answer".
_MEASURE_NAMES = {
    "resp_rate": "the number of breaths you take in one minute",
    "spo2": "your oxygen level",
    "systolic": "the top number of your blood pressure",
    "pulse": "your pulse",
    "temperature": "your temperature",
    "weight_kg": "your weight",
}
# Units written straight after each number; other units are words, written once at the end.
_SYMBOL_UNITS = ("%", "°C")

_Cleaner = Callable[[object], object]


# An option is answered with its code or, when the code is a number, the number itself.
_CODE_TYPES = (str, int)


class _Unusual(Exception):
    """An answer the usual checks do not take: it is checked again, more carefully."""


class _Form:
    """How the answers to a list of questions (or a programme's settings) are checked."""

    def __init__(self, fields: Sequence[Question | Setting], names: Mapping[str, str]) -> None:
        self.cleaners = {item.key: _cleaner(item, names[item.key]) for item in fields}
        self.missing = {
            item.key: _missing_message(item, names[item.key]) for item in fields if _required(item)
        }
        self.keys = frozenset(self.cleaners)
        self.defaults = {item.key: _default(item) for item in fields if isinstance(item, Setting)}
        # The usual answers (required, of their JSON type, in range) are checked right here,
        # kind by kind, without a call; anything else is checked again, question by question,
        # by each question's own cleaner, which converts it or says exactly what is wrong.
        required = [item for item in fields if _required(item)]
        self.whole_numbers = tuple(
            (item.key, *_whole_number_bounds(item))
            for item in required
            if item.kind is AnswerKind.INTEGER and not item.options
        )
        self.decimals = tuple(
            (item.key, _usual_decimals(item))
            for item in required
            if item.kind is AnswerKind.DECIMAL
        )
        self.yes_or_no = tuple(item.key for item in required if item.kind is AnswerKind.BOOLEAN)
        self.choices = tuple(
            (item.key, _codes_by_answer(item))
            for item in required
            if item.kind is AnswerKind.CHOICE
        )
        checked_here = {
            key for group in (self.whole_numbers, self.decimals, self.choices) for key, *_ in group
        } | set(self.yes_or_no)
        self.others = tuple(
            (item.key, self.cleaners[item.key], item.key in self.missing, *_usual_as_given(item))
            for item in fields
            if item.key not in checked_here
        )
        self.other_required = any(required for _, _, required, *_ in self.others)

    def clean(self, raw: Mapping[str, object]) -> dict[str, object]:
        try:
            return self._clean_usual(raw)
        except (_Unusual, KeyError, AnswerError):
            return self._clean_carefully(raw)

    def _clean_usual(self, raw: Mapping[str, object]) -> dict[str, object]:
        """The answers if each is a usual one; _Unusual (or KeyError) if one is not."""
        cleaned = {}
        for key, low, high in self.whole_numbers:
            value = raw[key]
            if type(value) is not int or not low <= value <= high:
                raise _Unusual
            cleaned[key] = value
        for key, usual in self.decimals:
            value = raw[key]
            if type(value) is not float or value not in usual:
                raise _Unusual
            cleaned[key] = value
        for key in self.yes_or_no:
            value = raw[key]
            if value is not True and value is not False:
                raise _Unusual
            cleaned[key] = value
        for key, codes in self.choices:
            value = raw[key]
            if type(value) not in _CODE_TYPES:
                raise _Unusual
            cleaned[key] = codes[value]  # KeyError: not one of the answers
        # Answers to the other questions (optional ones, the person's words) are read only
        # when there are some: most check-ins have none.
        if len(raw) > len(cleaned) or self.other_required:
            if not raw.keys() <= self.keys:
                raise _Unusual
            for key, cleaner, required, usual_type, usual in self.others:
                value = raw.get(key)
                if value is None:
                    if required:
                        raise _Unusual
                elif (type(value) is usual_type and value in usual) or (
                    value := cleaner(value)
                ) != "":
                    cleaned[key] = value
                elif required:
                    raise _Unusual
        return cleaned

    def _clean_carefully(self, raw: Mapping[str, object]) -> dict[str, object]:
        """Each answer in the order of the questions; AnswerError for the first that is wrong."""
        unknown = next((key for key in raw if key not in self.keys), None)
        if unknown is not None:
            raise AnswerError(unknown, "This is not a question in this programme")
        cleaned = {}
        for key, cleaner in self.cleaners.items():
            value = raw.get(key)
            if value is not None and (value := cleaner(value)) != "":  # empty text: no answer
                cleaned[key] = value
            elif key in self.missing:
                raise AnswerError(key, self.missing[key])
        return cleaned

    def clean_over_defaults(self, raw: Mapping[str, object]) -> dict[str, object]:
        settings = dict(self.defaults)
        for key, value in raw.items():
            cleaner = self.cleaners.get(key)
            if cleaner is None:
                raise AnswerError(key, "This is not a setting of this programme")
            if value is not None:  # null keeps the programme's default
                settings[key] = cleaner(value)
        return settings


def _required(item: Question | Setting) -> bool:
    return isinstance(item, Question) and item.required


def _default(setting: Setting) -> object:
    if isinstance(setting.default, Decimal):
        return float(setting.default)
    return setting.default


def _cleaner(item: Question | Setting, name: str) -> _Cleaner:
    key = item.key
    if item.kind is AnswerKind.INTEGER:
        return _whole_number_cleaner(item, name)
    if item.kind is AnswerKind.DECIMAL:
        return _decimal_cleaner(item, name)
    if item.kind is AnswerKind.BOOLEAN:

        def clean_yes_or_no(value):
            if value is True or value is False:
                return value
            raise AnswerError(key, "Choose yes or no")

        return clean_yes_or_no
    if item.kind is AnswerKind.CHOICE:
        return _choice_cleaner(item)
    if item.kind is AnswerKind.TEXT:
        return _text_cleaner(item)
    raise ValueError(f"{key}: answers of kind {item.kind} cannot be checked")


def _whole_number_cleaner(item: Question | Setting, name: str) -> _Cleaner:
    key = item.key
    low, high = _whole_number_bounds(item)
    not_whole = f"Enter {name} as a whole number"
    out_of_range = _range_message(item, name)
    allowed = {int(option.code) for option in item.options} or None

    def clean_whole_number(value):
        if type(value) is not int:
            if type(value) is float and value.is_integer():
                value = int(value)
            else:
                raise AnswerError(key, not_whole)
        if not low <= value <= high:
            raise AnswerError(key, out_of_range)
        if allowed is not None and value not in allowed:
            raise AnswerError(key, _choose_message(item))
        return value

    return clean_whole_number


def _decimal_cleaner(item: Question | Setting, name: str) -> _Cleaner:
    key = item.key
    places = item.decimals
    low, high = _bounds(item)
    not_a_number = f"Enter {name} as a number"
    too_precise = (
        f"Enter {name} with no more than {places} decimal place{'' if places == 1 else 's'}"
        if places
        else f"Enter {name} as a whole number"
    )
    out_of_range = _range_message(item, name)

    def clean_decimal(value):
        if type(value) is not float:
            # A form's decimal field gives a Decimal; JSON gives an int for 82.
            if type(value) is not int and not isinstance(value, Decimal):
                raise AnswerError(key, not_a_number)
            try:
                value = float(value)
            except OverflowError:  # a number with hundreds of digits
                raise AnswerError(key, out_of_range) from None
        rounded = round(value, places)
        if rounded != value:
            raise AnswerError(key, too_precise)
        if not low <= value <= high:
            raise AnswerError(key, out_of_range)
        return rounded

    return clean_decimal


def _codes_by_answer(question: Question | Setting) -> dict[str | int, str]:
    """Each option's code by itself, and by its number when it is one: the CAT items' codes
    are their numbers, and a number is as clear an answer as its text."""
    codes: dict[str | int, str] = {option.code: option.code for option in question.options}
    codes |= {int(code): code for code in list(codes) if code.isdigit()}
    return codes


def _choice_cleaner(question: Question | Setting) -> _Cleaner:
    key = question.key
    codes = _codes_by_answer(question)
    message = _choose_message(question)

    def clean_choice(value):
        try:
            code = codes[value]
        except (KeyError, TypeError):  # not an answer, or not even text or a number
            raise AnswerError(key, message) from None
        if value is True or value is False:  # which equal 1 and 0
            raise AnswerError(key, message)
        return code

    return clean_choice


def _text_cleaner(question: Question) -> _Cleaner:
    key = question.key
    longest = question.max_length

    def clean_text(value):
        if type(value) is not str:
            raise AnswerError(key, "Enter your answer as text")
        value = value.strip()
        if longest and len(value) > longest:
            raise AnswerError(key, f"Your answer must be {longest} characters or fewer")
        return value

    return clean_text


def _bounds(item: Question | Setting) -> tuple[float, float]:
    """The lowest and highest answer allowed, as floats (which compare with ints exactly for
    any reading); unbounded ends are infinite."""
    low = float("-inf") if item.minimum is None else float(item.minimum)
    high = float("inf") if item.maximum is None else float(item.maximum)
    return low, high


def _whole_number_bounds(item: Question | Setting) -> tuple[int | float, int | float]:
    """The same bounds for a whole number: as ints where there are bounds, because an int is
    compared with an int several times faster than with a float."""
    low, high = _bounds(item)
    return (
        low if math.isinf(low) else math.ceil(low),
        high if math.isinf(high) else math.floor(high),
    )


def _usual_as_given(item: Question | Setting) -> tuple[type | None, Container]:
    """The type and values of the answers its cleaner would give back as they are (a whole
    number or decimal in range, yes or no), so that they need no call; None and () where
    every answer is cleaned (a choice, text)."""
    if item.kind is AnswerKind.INTEGER and not item.options:
        low, high = _whole_number_bounds(item)
        if not (math.isinf(low) or math.isinf(high)):
            return int, range(low, high + 1)
    if item.kind is AnswerKind.DECIMAL:
        return float, _usual_decimals(item)
    if item.kind is AnswerKind.BOOLEAN:
        return bool, (True, False)
    return None, ()


# The most decimals listed for a question (a weight from 20 to 350 kg to one place is 3,301).
_MOST_DECIMALS_LISTED = 10_000


class _DecimalsInRange:
    """The floats with at most `places` decimal places from `low` to `high`, for `in`."""

    def __init__(self, places: int, low: float, high: float) -> None:
        self.places, self.low, self.high = places, low, high

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high and round(value, self.places) == value


def _usual_decimals(item: Question | Setting) -> frozenset[float] | _DecimalsInRange:
    """The floats a decimal question takes as they are: listed where there are not too many,
    because a float is found in a set several times faster than it is rounded."""
    usual = _DecimalsInRange(item.decimals, *_bounds(item))
    scale = 10**item.decimals
    if not (usual.high - usual.low) * scale <= _MOST_DECIMALS_LISTED:
        return usual
    # Each such float is the float nearest a whole number of tenths (or hundredths...), which
    # is what dividing that whole number gives.
    wholes = range(math.floor(usual.low * scale) - 1, math.ceil(usual.high * scale) + 2)
    return frozenset(number for whole in wholes if (number := whole / scale) in usual)


def _missing_message(question: Question, name: str) -> str:
    if question.kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL):
        return f"Enter {name}"
    if question.kind is AnswerKind.BOOLEAN:
        return "Choose yes or no"
    if question.kind is AnswerKind.CHOICE:
        return _choose_message(question)
    return "Enter your answer"


def _choose_message(item: Question | Setting) -> str:
    codes = [option.code for option in item.options]
    if codes and all(code.isdigit() for code in codes):
        return f"Choose a number from {codes[0]} to {codes[-1]}"
    return "Choose one of the answers"


def _range_message(item: Question | Setting, name: str) -> str:
    unit = item.unit_text if isinstance(item, Question) else ""
    low = _plain_number(item.minimum)
    high = _plain_number(item.maximum)
    if unit in _SYMBOL_UNITS:
        low, high, unit = low and low + unit, high and high + unit, ""
    unit = f" {unit}" if unit else ""
    if high is None:
        return f"Enter {name} of at least {low}{unit}"
    if low is None:
        return f"Enter {name} of at most {high}{unit}"
    return f"Enter {name} between {low} and {high}{unit}"


def _plain_number(limit: Decimal | None) -> str | None:
    """30 rather than 30.0, 0.1 as 0.1."""
    return None if limit is None else format(limit.normalize(), "f")


def _question_names(programme: Programme) -> dict[str, str]:
    return {
        question.key: _MEASURE_NAMES.get(question.key, "your answer")
        for question in programme.questions
    }


def _setting_names(programme: Programme) -> dict[str, str]:
    return {setting.key: f"a value for “{setting.label}”" for setting in programme.settings}


# ----- A programme's rules ------------------------------------------------------------------


class ProgrammeRules:
    """One programme's rules, made once into plain checks over ints, floats and text: what
    `clean_answers`, `clean_settings` and `assess` use, and what a caller scoring many
    check-ins may hold on to (`rules_for`). Each kind of scoring is a subclass."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self.answers = _Form(programme.questions, _question_names(programme))
        self.settings = _Form(programme.settings, _setting_names(programme))
        # Bound once: the score command calls these for every check-in.
        self.clean_answers = self.answers.clean
        self.clean_settings = self.settings.clean_over_defaults
        choices = [q for q in programme.questions if q.kind is AnswerKind.CHOICE]
        self.option_scores = {q.key: {o.code: o.score for o in q.options} for q in choices}
        self.option_texts = {q.key: {o.code: o.text for o in q.options} for q in choices}

    def assess(
        self,
        answers: Mapping[str, object],
        settings: Mapping[str, object],
        on: date,
        earlier: Sequence[Reading] = (),
    ) -> Assessment:
        return Assessment(*self.assess_as_tuple(answers, settings, on, earlier))

    def assess_as_tuple(
        self,
        answers: Mapping[str, object],
        settings: Mapping[str, object],
        on: date,
        earlier: Sequence[Reading] = (),
    ) -> _Fields:
        """What `assess` says, as a plain (colour, score, parts, response, reasons) tuple:
        making an Assessment takes a tenth of the time of scoring a check-in in a file."""
        raise NotImplementedError

    def assess_each(
        self, check_ins: Sequence[tuple[date, Mapping[str, object]]], settings: Mapping[str, object]
    ) -> list[_Fields]:
        """What `assess_as_tuple` says of each of one person's check-ins (day, cleaned answers)
        with all the others as `earlier`, in the order given."""
        assess = self.assess_as_tuple
        return [assess(answers, settings, on, ()) for on, answers in check_ins]


# ----- NEWS2 -------------------------------------------------------------------------------


def resp_rate_part(breaths: int) -> int:
    if breaths <= 8:
        return 3
    if breaths <= 11:
        return 1
    if breaths <= 20:
        return 0
    if breaths <= 24:
        return 2
    return 3


def spo2_part(spo2: int, scale: int, on_oxygen: bool) -> int:
    """Scale 2 (a target of 88-92%) scores a high level only when it is reached on oxygen."""
    if scale == 2:
        if spo2 <= 83:
            return 3
        if spo2 <= 85:
            return 2
        if spo2 <= 87:
            return 1
        if spo2 <= 92 or not on_oxygen:
            return 0
        if spo2 <= 94:
            return 1
        if spo2 <= 96:
            return 2
        return 3
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def systolic_part(systolic: int) -> int:
    if systolic <= 90:
        return 3
    if systolic <= 100:
        return 2
    if systolic <= 110:
        return 1
    if systolic <= 219:
        return 0
    return 3


def pulse_part(pulse: int) -> int:
    if pulse <= 40:
        return 3
    if pulse <= 50:
        return 1
    if pulse <= 90:
        return 0
    if pulse <= 110:
        return 1
    if pulse <= 130:
        return 2
    return 3


def temperature_part(celsius: float) -> int:
    tenths = round(celsius * 10)  # the chart's bands are in tenths of a degree
    if tenths <= 350:
        return 3
    if tenths <= 360:
        return 1
    if tenths <= 380:
        return 0
    if tenths <= 390:
        return 1
    return 2


class _Remembered(dict):
    """A part for each reading met so far, worked out the first time it is met."""

    def __init__(self, part: Callable[[object], int]) -> None:
        super().__init__()
        self.part = part

    def __missing__(self, reading) -> int:
        self[reading] = part = self.part(reading)
        return part


def _chart(part: Callable[[int], int], question: Question | None) -> Sequence[int] | _Remembered:
    """The chart as a table: `part` of every whole number a question allows, to be looked up
    by the reading (a call for each reading would take most of the time of scoring it)."""
    if (
        question is not None
        and question.kind is AnswerKind.INTEGER
        and question.minimum is not None
        and question.minimum >= 0
        and question.maximum is not None
    ):
        return tuple(part(reading) for reading in range(int(question.maximum) + 1))
    return _Remembered(part)


def _spo2_charts(question: Question | None) -> dict[tuple[int, bool], Sequence[int]]:
    """The oxygen level's part by (scale, on oxygen)."""
    return {
        (scale, on_oxygen): _chart(
            lambda spo2, scale=scale, on_oxygen=on_oxygen: spo2_part(spo2, scale, on_oxygen),
            question,
        )
        for scale in (1, 2)
        for on_oxygen in (False, True)
    }


def _spo2_reason(spo2: int, scale: int, part: int) -> str:
    on_scale = " on scale 2" if scale == 2 else ""
    return f"Oxygen level {spo2}%{on_scale} (scores {part})"


class News2Rules(ProgrammeRules):
    """NEWS2: the chart's parts, their total and the response it calls for."""

    def __init__(self, programme: Programme) -> None:
        super().__init__(programme)
        self.resp_rate_parts = _chart(resp_rate_part, programme.question("resp_rate"))
        self.spo2_parts = _spo2_charts(programme.question("spo2"))
        self.systolic_parts = _chart(systolic_part, programme.question("systolic"))
        self.pulse_parts = _chart(pulse_part, programme.question("pulse"))
        self.consciousness_parts = self.option_scores["consciousness"]
        self.temperature_parts = _Remembered(temperature_part)

    def assess_as_tuple(self, answers, settings, on, earlier=()) -> _Fields:
        breaths = answers["resp_rate"]
        spo2 = answers["spo2"]
        on_oxygen = answers["on_oxygen"]
        systolic = answers["systolic"]
        pulse = answers["pulse"]
        consciousness = answers["consciousness"]
        temperature = answers["temperature"]
        scale = settings["spo2_scale"]
        # The parts as plain ints first: most check-ins are green and need nothing more.
        breaths_part = self.resp_rate_parts[breaths]
        oxygen_level_part = self.spo2_parts[scale, on_oxygen][spo2]
        oxygen_part = 2 if on_oxygen else 0
        pressure_part = self.systolic_parts[systolic]
        heart_part = self.pulse_parts[pulse]
        alert_part = self.consciousness_parts[consciousness]
        warmth_part = self.temperature_parts[temperature]
        total = (
            breaths_part
            + oxygen_level_part
            + oxygen_part
            + pressure_part
            + heart_part
            + alert_part
            + warmth_part
        )
        parts = {
            "resp_rate": breaths_part,
            "spo2": oxygen_level_part,
            "air_or_oxygen": oxygen_part,
            "systolic": pressure_part,
            "pulse": heart_part,
            "consciousness": alert_part,
            "temperature": warmth_part,
        }
        if total >= 7:
            response, colour, summary = "high", RED, f"NEWS2 score {total} (7 or more)"
        elif total >= 5:
            response, colour, summary = "medium", AMBER, f"NEWS2 score {total} (5 or 6)"
        elif 3 in (
            breaths_part,
            oxygen_level_part,
            pressure_part,
            heart_part,
            alert_part,
            warmth_part,
        ):
            response, colour = "low-medium", AMBER
            summary = f"NEWS2 score {total}, with one reading scoring 3"
        else:
            return GREEN, total, parts, "low", ()
        reasons = [summary]
        if part := parts["resp_rate"]:
            reasons.append(f"Breathing rate {breaths} a minute (scores {part})")
        if part := parts["spo2"]:
            reasons.append(_spo2_reason(spo2, scale, part))
        if on_oxygen:
            reasons.append("Using oxygen (scores 2)")
        if part := parts["systolic"]:
            reasons.append(f"Blood pressure top number {systolic} mmHg (scores {part})")
        if part := parts["pulse"]:
            reasons.append(f"Pulse {pulse} a minute (scores {part})")
        if part := parts["consciousness"]:
            reasons.append(f"{self.option_texts['consciousness'][consciousness]} (scores {part})")
        if part := parts["temperature"]:
            reasons.append(f"Temperature {temperature:.1f}°C (scores {part})")
        return colour, total, parts, response, tuple(reasons)


# ----- COPD (CAT) ----------------------------------------------------------------------------


class CopdCatRules(ProgrammeRules):
    """The CAT total against the person's usual score, and their oxygen level."""

    def __init__(self, programme: Programme) -> None:
        super().__init__(programme)
        # The scored choices are the questionnaire's items: their scores add up to the total.
        items = [
            question
            for question in programme.questions
            if question.options and all(option.score is not None for option in question.options)
        ]
        self.item_keys = tuple(question.key for question in items)
        self.item_scores = tuple(self.option_scores[question.key] for question in items)
        self.spo2_parts = _spo2_charts(programme.question("spo2"))

    def assess_as_tuple(self, answers, settings, on, earlier=()) -> _Fields:
        # Each item's score for its answer, added up without a loop in Python.
        total = sum(
            map(dict.__getitem__, self.item_scores, map(answers.__getitem__, self.item_keys))
        )
        parts = {"cat": total}
        baseline = settings["cat_baseline"]
        above = total - baseline
        red_total = settings["red_total"]
        red_above = above >= settings["red_above_baseline"]
        amber = above >= settings["amber_above_baseline"]
        red = total >= red_total or red_above
        reasons = []
        if total >= red_total:
            reasons.append(f"CAT score {total} ({red_total} or more)")
        if red_above or amber:
            reasons.append(f"CAT score {total}, {above} above the usual {baseline}")
        spo2 = answers.get("spo2")
        if spo2 is not None:
            scale = settings["spo2_scale"]
            parts["spo2"] = part = self.spo2_parts[scale, answers.get("on_oxygen", False)][spo2]
            if part >= 2:
                reasons.append(_spo2_reason(spo2, scale, part))
                red = red or part == 3
                amber = True
        if red:
            return RED, total, parts, None, tuple(reasons)
        if amber:
            return AMBER, total, parts, None, tuple(reasons)
        return GREEN, total, parts, None, ()


# ----- Heart failure -------------------------------------------------------------------------

# What each yes to a symptom question means, as a reason.
_SYMPTOM_REASONS = {
    "ankles_more_swollen": "Ankles or legs more swollen than usual",
    "more_pillows": "Needed more pillows than usual to sleep, or slept sitting up",
    "dizzy": "Felt dizzy or faint",
}


class HeartFailureRules(ProgrammeRules):
    """Weight gained over 3 days and overnight, and the symptoms of fluid building up."""

    def assess_as_tuple(self, answers, settings, on, earlier=()) -> _Fields:
        today = on.toordinal()
        lowest = yesterday = None
        for reading in earlier:
            days_before = today - reading.on.toordinal()
            if 1 <= days_before <= 3:
                earlier_weight = reading.answers.get("weight_kg")
                if earlier_weight is None:
                    continue
                if lowest is None or earlier_weight < lowest:
                    lowest = earlier_weight
                # Two check-ins on one day are compared with the lower: the bigger gain is safer.
                if days_before == 1 and (yesterday is None or earlier_weight < yesterday):
                    yesterday = earlier_weight
        return self._assess_against(answers, settings, lowest, yesterday)

    def assess_each(self, check_ins, settings) -> list[_Fields]:
        # The lowest weight of each day, looked up by day: no Reading is made for each check-in.
        weights = {}
        for on, answers in check_ins:
            weight = answers.get("weight_kg")
            if weight is not None:
                day = on.toordinal()
                if weights.get(day, weight) >= weight:
                    weights[day] = weight
        assessed = []
        for on, answers in check_ins:
            today = on.toordinal()
            yesterday = weights.get(today - 1)
            before = [
                weight
                for weight in (yesterday, weights.get(today - 2), weights.get(today - 3))
                if weight is not None
            ]
            lowest = min(before) if before else None
            assessed.append(self._assess_against(answers, settings, lowest, yesterday))
        return assessed

    def _assess_against(self, answers, settings, lowest, yesterday) -> _Fields:
        """The colour given the lowest weight of the 3 days before and the day before's."""
        weight = answers["weight_kg"]
        red = amber = False
        reasons = []
        # Gains and limits in whole tenths of a kilogram, so that 64.4 - 62.4 is 2.0 kg and
        # not 2.000000000000007 (each weight has one decimal: the difference rounds exactly).
        if lowest is not None:
            gain = round((weight - lowest) * 10)
            limit = round(settings["three_day_gain_kg"] * 10)
            if gain > limit:
                red = True
                reasons.append(
                    f"Weight up {gain / 10:.1f} kg in 3 days (more than {limit / 10:.1f} kg)"
                )
        if yesterday is not None:
            gain = round((weight - yesterday) * 10)
            limit = round(settings["overnight_gain_kg"] * 10)
            if gain > limit:
                amber = True
                reasons.append(
                    f"Weight up {gain / 10:.1f} kg since yesterday (more than {limit / 10:.1f} kg)"
                )
        breathless = answers["breathless"]
        if breathless == "at_rest":
            red = True
            reasons.append(self.option_texts["breathless"][breathless])
        elif breathless == "more_than_usual":
            amber = True
            reasons.append(self.option_texts["breathless"][breathless])
        for key, reason in _SYMPTOM_REASONS.items():
            if answers[key]:
                amber = True
                reasons.append(reason)
        if red:
            colour = RED
        elif amber:
            colour = AMBER
        else:
            colour = GREEN
        return colour, None, {}, None, tuple(reasons)


# ----- Which rules a programme has ---------------------------------------------------------

_RULES_BY_SCORING = {
    Scoring.NEWS2: News2Rules,
    Scoring.COPD_CAT: CopdCatRules,
    Scoring.HEART_FAILURE: HeartFailureRules,
}


# By the programme object itself: a programme is compared by value, which is slow to hash.
# The pages build programmes from the database, so only the most recent few are kept.
_MADE: dict[int, ProgrammeRules] = {}
_KEPT = 32


def rules_for(programme: Programme) -> ProgrammeRules:
    made = _MADE.get(id(programme))
    if made is None or made.programme is not programme:
        if len(_MADE) >= _KEPT:
            _MADE.clear()
        made = _MADE[id(programme)] = _RULES_BY_SCORING[programme.scoring](programme)
    return made
