"""The built-in monitoring programmes as plain, immutable data.

A programme is what a person is asked each day (its questions, in order, each with the
answers it allows), the settings its rules read (thresholds a care team may change for the
programme or for one person), when the person checks in, and how fast the care team owes an
answer to an amber or red check-in. The database keeps programmes as rows
(`models.Programme`) so that a region can import its own (`standards.fhir_questionnaire`,
a FHIR Questionnaire); these definitions are the built-in ones and the shape every other piece
reads. Nothing here touches the database, so the rules and the `score` command can run
without one.

The answer keys are the `score` command's contract (issue 13): they are also each question's
FHIR `linkId`.
"""

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum


class Scoring(StrEnum):
    """Which rule set scores a programme's check-ins (`rules.assess`)."""

    NEWS2 = "news2"
    COPD_CAT = "copd-cat"
    HEART_FAILURE = "heart-failure"


class AnswerKind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"  # with `decimals` places at most
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one of `options`
    TEXT = "text"  # free text: the person's own words


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    # A person's own words need a person to read them: not a warning sign, not nothing.
    GREY = "grey"


@dataclass(frozen=True)
class AnswerOption:
    code: str
    text: str
    # The option's score (FHIR `ordinalValue`); None when the option is not scored.
    score: int | None = None


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: AnswerKind
    hint: str = ""
    # UCUM unit of a measurement ("/min", "%", "mm[Hg]", "Cel", "kg") and how it reads.
    unit: str = ""
    unit_text: str = ""
    # The possible range: anything outside it cannot be a real reading (a mistyped number).
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int = 0
    options: tuple[AnswerOption, ...] = ()
    required: bool = True
    max_length: int = 0

    def option(self, code: str) -> AnswerOption | None:
        return next((option for option in self.options if option.code == code), None)


@dataclass(frozen=True)
class Setting:
    """A threshold or choice the rules read: a programme default, changeable per person."""

    key: str
    label: str
    kind: AnswerKind
    default: int | Decimal | str | None
    hint: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int = 0
    options: tuple[AnswerOption, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """When a person checks in, in their own time zone."""

    # Check-ins are daily; the window is the part of the day a check-in is accepted.
    every_days: int = 1
    window_opens: time = time(6, 0)
    window_closes: time = time(12, 0)


@dataclass(frozen=True)
class ResponseTime:
    """How fast the care team owes an answer to an alert of one colour."""

    colour: Colour
    # Within this many minutes of the alert ...
    minutes: int | None = None
    # ... or by the end of the working day it was raised on (the next one when it was raised
    # after `working_day_ends` or on a day that is not a working day).
    same_working_day: bool = False
    working_day_ends: time = time(17, 0)


DEFAULT_RESPONSE_TIMES = (
    ResponseTime(Colour.RED, minutes=60),
    ResponseTime(Colour.AMBER, same_working_day=True),
    ResponseTime(Colour.GREY, same_working_day=True),
)


@dataclass(frozen=True)
class Programme:
    key: str
    title: str
    # What the person reads when they are enrolled: what the programme is for.
    description: str
    scoring: Scoring
    questions: tuple[Question, ...]
    settings: tuple[Setting, ...]
    schedule: Schedule = field(default_factory=Schedule)
    response_times: tuple[ResponseTime, ...] = DEFAULT_RESPONSE_TIMES
    version: str = "1"

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)

    def setting(self, key: str) -> Setting | None:
        return next((setting for setting in self.settings if setting.key == key), None)

    def default_settings(self) -> dict:
        return {setting.key: setting.default for setting in self.settings}


def _decimal(value: str) -> Decimal:
    return Decimal(value)


REMARK = Question(
    key="remark",
    text="Is there anything else you want your care team to know?",
    kind=AnswerKind.TEXT,
    hint="For example, a new symptom or a change in your medicines. Leave it empty if not. "
    "If you feel very unwell, call 999.",
    required=False,
    max_length=1000,
)

SPO2_SCALE = Setting(
    key="spo2_scale",
    label="Oxygen level scale",
    kind=AnswerKind.INTEGER,
    default=1,
    hint="Scale 2 is only for people whose target oxygen level is 88% to 92%, such as some "
    "people with COPD and type 2 respiratory failure.",
    options=(
        AnswerOption("1", "Scale 1: the usual target of 96% or more"),
        AnswerOption("2", "Scale 2: a target of 88% to 92%"),
    ),
    minimum=_decimal("1"),
    maximum=_decimal("2"),
)


def _spo2(required: bool) -> Question:
    return Question(
        key="spo2",
        text="What is your oxygen level?",
        kind=AnswerKind.INTEGER,
        hint="The SpO2 number on your finger probe, as a percentage. Rest for 5 minutes first.",
        unit="%",
        unit_text="%",
        minimum=_decimal("30"),
        maximum=_decimal("100"),
        required=required,
    )


def _on_oxygen(required: bool) -> Question:
    return Question(
        key="on_oxygen",
        text="Are you using oxygen right now?",
        kind=AnswerKind.BOOLEAN,
        hint="Answer yes if you are breathing oxygen from a cylinder or concentrator.",
        required=required,
    )


NEWS2 = Programme(
    key="news2",
    title="Vital signs (NEWS2)",
    description="Each day you measure your breathing, oxygen level, blood pressure, pulse and "
    "temperature with your home kit and say how alert you are. Your care team sees at once "
    "if the numbers show you may be getting unwell.",
    scoring=Scoring.NEWS2,
    questions=(
        Question(
            key="resp_rate",
            text="How many breaths do you take in one minute?",
            kind=AnswerKind.INTEGER,
            hint="Sit still and count each breath in for a full minute, or ask someone to count.",
            unit="/min",
            unit_text="breaths a minute",
            minimum=_decimal("1"),
            maximum=_decimal("80"),
        ),
        _spo2(required=True),
        _on_oxygen(required=True),
        Question(
            key="systolic",
            text="What is the top number of your blood pressure?",
            kind=AnswerKind.INTEGER,
            hint="The first, larger number on your blood pressure monitor (systolic).",
            unit="mm[Hg]",
            unit_text="mmHg",
            minimum=_decimal("40"),
            maximum=_decimal("300"),
        ),
        Question(
            key="pulse",
            text="What is your pulse?",
            kind=AnswerKind.INTEGER,
            hint="Your heart beats in one minute, shown on your blood pressure monitor or "
            "finger probe.",
            unit="/min",
            unit_text="beats a minute",
            minimum=_decimal("20"),
            maximum=_decimal("250"),
        ),
        Question(
            key="consciousness",
            text="How alert are you right now?",
            kind=AnswerKind.CHOICE,
            hint="If someone is helping you, they can answer this for you.",
            options=(
                AnswerOption("A", "Awake and alert, as usual", score=0),
                AnswerOption("C", "Newly confused or muddled", score=3),
                AnswerOption("V", "Only responds when spoken to", score=3),
                AnswerOption("P", "Only responds to touch or pain", score=3),
                AnswerOption("U", "Does not respond", score=3),
            ),
        ),
        Question(
            key="temperature",
            text="What is your temperature?",
            kind=AnswerKind.DECIMAL,
            hint="In degrees Celsius, for example 36.8.",
            unit="Cel",
            unit_text="°C",
            minimum=_decimal("30.0"),
            maximum=_decimal("44.0"),
            decimals=1,
        ),
        REMARK,
    ),
    settings=(SPO2_SCALE,),
)

# The COPD Assessment Test: each item from 0 to 5 between two statements.
CAT_ITEMS = (
    ("How much do you cough?", "I never cough", "I cough all the time"),
    (
        "How much phlegm (mucus) is in your chest?",
        "I have no phlegm (mucus) in my chest at all",
        "My chest is completely full of phlegm",
    ),
    (
        "How tight does your chest feel?",
        "My chest does not feel tight at all",
        "My chest feels very tight",
    ),
    (
        "How breathless are you on a hill or stairs?",
        "When I walk up a hill or one flight of stairs I am not breathless",
        "When I walk up a hill or one flight of stairs I am very breathless",
    ),
    (
        "How limited are you doing things at home?",
        "I am not limited doing any activities at home",
        "I am very limited doing activities at home",
    ),
    (
        "How confident are you leaving your home?",
        "I am confident leaving my home despite my lung condition",
        "I am not at all confident leaving my home because of my lung condition",
    ),
    (
        "How well do you sleep?",
        "I sleep soundly",
        "I do not sleep soundly because of my lung condition",
    ),
    ("How much energy do you have?", "I have lots of energy", "I have no energy at all"),
)


def _cat_question(number: int, text: str, least: str, most: str) -> Question:
    options = tuple(
        AnswerOption(
            str(score),
            f"{score}: {least}" if score == 0 else f"{score}: {most}" if score == 5 else str(score),
            score=score,
        )
        for score in range(6)
    )
    return Question(
        key=f"cat_{number}",
        text=text,
        kind=AnswerKind.CHOICE,
        hint=f'Choose 0 if "{least}" is true for you today, 5 if "{most}" is, or a '
        "number in between.",
        options=options,
    )


COPD_CAT = Programme(
    key="copd-cat",
    title="COPD symptoms (CAT)",
    description="Each day you answer 8 short questions about your chest, and your oxygen "
    "level if you have a finger probe. Your care team sees at once if your symptoms are "
    "worse than usual for you.",
    scoring=Scoring.COPD_CAT,
    questions=(
        *(_cat_question(number, *item) for number, item in enumerate(CAT_ITEMS, 1)),
        _spo2(required=False),
        _on_oxygen(required=False),
        REMARK,
    ),
    settings=(
        Setting(
            key="cat_baseline",
            label="Usual CAT score",
            kind=AnswerKind.INTEGER,
            default=10,
            hint="The person's score on a good, stable day, from 0 to 40.",
            minimum=_decimal("0"),
            maximum=_decimal("40"),
        ),
        SPO2_SCALE,
        Setting(
            key="red_total",
            label="Red at a CAT score of",
            kind=AnswerKind.INTEGER,
            default=30,
            minimum=_decimal("1"),
            maximum=_decimal("40"),
        ),
        Setting(
            key="red_above_baseline",
            label="Red at this many points above the usual score",
            kind=AnswerKind.INTEGER,
            default=5,
            minimum=_decimal("1"),
            maximum=_decimal("40"),
        ),
        Setting(
            key="amber_above_baseline",
            label="Amber at this many points above the usual score",
            kind=AnswerKind.INTEGER,
            default=2,
            hint="2 points is the smallest change that matters to a person with COPD.",
            minimum=_decimal("1"),
            maximum=_decimal("40"),
        ),
    ),
)

HEART_FAILURE = Programme(
    key="heart-failure",
    title="Heart failure (weight and symptoms)",
    description="Each morning you weigh yourself and answer 4 questions about your breathing, "
    "ankles, sleep and dizziness. Your care team sees at once if your weight goes up fast, "
    "which can mean fluid is building up.",
    scoring=Scoring.HEART_FAILURE,
    questions=(
        Question(
            key="weight_kg",
            text="What do you weigh this morning?",
            kind=AnswerKind.DECIMAL,
            hint="Weigh yourself after going to the toilet and before breakfast, in the same "
            "clothes each day. In kilograms, for example 82.4.",
            unit="kg",
            unit_text="kg",
            minimum=_decimal("20.0"),
            maximum=_decimal("350.0"),
            decimals=1,
        ),
        Question(
            key="breathless",
            text="How is your breathing today?",
            kind=AnswerKind.CHOICE,
            options=(
                AnswerOption("no", "As usual for me"),
                AnswerOption("more_than_usual", "More breathless than usual"),
                AnswerOption("at_rest", "Breathless even when resting"),
            ),
        ),
        Question(
            key="ankles_more_swollen",
            text="Are your ankles or legs more swollen than usual?",
            kind=AnswerKind.BOOLEAN,
        ),
        Question(
            key="more_pillows",
            text="Did you need more pillows than usual to sleep last night?",
            kind=AnswerKind.BOOLEAN,
            hint="Or did you have to sleep sitting up?",
        ),
        Question(
            key="dizzy",
            text="Have you felt dizzy or faint today?",
            kind=AnswerKind.BOOLEAN,
        ),
        REMARK,
    ),
    settings=(
        Setting(
            key="three_day_gain_kg",
            label="Red at a weight gain over 3 days of more than",
            kind=AnswerKind.DECIMAL,
            default=_decimal("2.0"),
            hint="In kilograms.",
            minimum=_decimal("0.1"),
            maximum=_decimal("20.0"),
            decimals=1,
        ),
        Setting(
            key="overnight_gain_kg",
            label="Amber at a weight gain overnight of more than",
            kind=AnswerKind.DECIMAL,
            default=_decimal("1.0"),
            hint="In kilograms.",
            minimum=_decimal("0.1"),
            maximum=_decimal("20.0"),
            decimals=1,
        ),
        Setting(
            key="dry_weight_kg",
            label="Dry weight",
            kind=AnswerKind.DECIMAL,
            default=None,
            hint="The person's weight without extra fluid, in kilograms, shown beside each "
            "reading. Leave it empty if it is not known.",
            minimum=_decimal("20.0"),
            maximum=_decimal("350.0"),
            decimals=1,
        ),
    ),
)

BUILT_IN = {programme.key: programme for programme in (NEWS2, COPD_CAT, HEART_FAILURE)}
