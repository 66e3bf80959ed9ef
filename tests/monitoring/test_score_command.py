"""`coproduce monitoring score FILE.json`: check-ins in, each one's colour, score, parts,
response and reasons out, scored as a stored check-in is; and for input it cannot score, one
line on stderr that starts with where the problem is, exit code 2 and nothing on stdout."""

import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO

import orjson
import pytest
from django.core.management import CommandError, call_command

from coproduce.monitoring.management.commands.monitoring import Command
from coproduce.monitoring.programmes import HEART_FAILURE
from coproduce.monitoring.rules import Reading, assess, clean_answers, clean_settings
from tests.monitoring.answers import NEWS2_NORMAL

CAT_ITEMS = {f"cat_{number}": 1 for number in range(1, 9)}  # a total of 8
WELL = {"breathless": "no", "ankles_more_swollen": False, "more_pillows": False, "dizzy": False}


def check_in(identifier, day: str, answers: dict) -> dict:
    return {"id": identifier, "date": day, "answers": answers}


def score(tmp_path, document) -> dict:
    path = tmp_path / "check-ins.json"
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    out = StringIO()
    call_command(Command(), "score", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_news2_check_ins_come_back_in_the_order_given_with_their_scores(tmp_path):
    answer = score(
        tmp_path,
        {
            "programme": "news2",
            "people": [
                {
                    "id": "p1",
                    "settings": {"spo2_scale": 2},
                    "check_ins": [
                        check_in("b", "2026-11-03", {**NEWS2_NORMAL, "spo2": 90}),
                        check_in(
                            7,
                            "2026-11-02",
                            {**NEWS2_NORMAL, "on_oxygen": True, "spo2": 97, "pulse": 131},
                        ),
                    ],
                }
            ],
        },
    )
    assert answer == {
        "programme": "news2",
        "people": [
            {
                "id": "p1",
                "check_ins": [
                    {
                        "id": "b",
                        "date": "2026-11-03",
                        "colour": "green",
                        "score": 0,
                        "parts": {
                            "resp_rate": 0,
                            "spo2": 0,
                            "air_or_oxygen": 0,
                            "systolic": 0,
                            "pulse": 0,
                            "consciousness": 0,
                            "temperature": 0,
                        },
                        "response": "low",
                        "reasons": [],
                    },
                    {
                        "id": 7,
                        "date": "2026-11-02",
                        "colour": "red",
                        "score": 8,
                        "parts": {
                            "resp_rate": 0,
                            "spo2": 3,
                            "air_or_oxygen": 2,
                            "systolic": 0,
                            "pulse": 3,
                            "consciousness": 0,
                            "temperature": 0,
                        },
                        "response": "high",
                        "reasons": [
                            "NEWS2 score 8 (7 or more)",
                            "Oxygen level 97% on scale 2 (scores 3)",
                            "Using oxygen (scores 2)",
                            "Pulse 131 a minute (scores 3)",
                        ],
                    },
                ],
            }
        ],
    }


def test_each_person_is_scored_against_their_own_usual_cat_score(tmp_path):
    items_of_14 = {**CAT_ITEMS, "cat_1": 4, "cat_2": 4}
    answer = score(
        tmp_path,
        {
            "programme": "copd-cat",
            "people": [
                {"id": "usual-8", "settings": {"cat_baseline": 8}, "check_ins": []},
                {
                    "id": "usual-10",
                    "check_ins": [check_in("a", "2026-11-01", {**items_of_14, "spo2": 93})],
                },
                {
                    "id": "usual-14",
                    "settings": {"cat_baseline": 14},
                    "check_ins": [check_in("b", "2026-11-01", items_of_14)],
                },
            ],
        },
    )
    assert [person["check_ins"] for person in answer["people"]] == [
        [],
        [
            {
                "id": "a",
                "date": "2026-11-01",
                "colour": "amber",
                "score": 14,
                "parts": {"cat": 14, "spo2": 2},
                "response": None,
                "reasons": ["CAT score 14, 4 above the usual 10", "Oxygen level 93% (scores 2)"],
            }
        ],
        [
            {
                "id": "b",
                "date": "2026-11-01",
                "colour": "green",
                "score": 14,
                "parts": {"cat": 14},
                "response": None,
                "reasons": [],
            }
        ],
    ]


def test_heart_failure_compares_the_same_persons_other_check_ins_in_any_order(tmp_path):
    answer = score(
        tmp_path,
        {
            "programme": "heart-failure",
            "people": [
                {
                    "id": "p1",
                    "check_ins": [
                        check_in("d", "2026-11-05", {**WELL, "weight_kg": 82.6}),
                        check_in("a", "2026-11-02", {**WELL, "weight_kg": 80.4}),
                        check_in("c", "2026-11-04", {**WELL, "weight_kg": 81.4}),
                    ],
                },
                # Another person's lighter weight on the same days is not this person's.
                {
                    "id": "p2",
                    "check_ins": [check_in("e", "2026-11-04", {**WELL, "weight_kg": 60.0})],
                },
            ],
        },
    )
    first, second = answer["people"]
    assert [(row["id"], row["colour"], row["reasons"]) for row in first["check_ins"]] == [
        (
            "d",
            "red",
            [
                "Weight up 2.2 kg in 3 days (more than 2.0 kg)",
                "Weight up 1.2 kg since yesterday (more than 1.0 kg)",
            ],
        ),
        ("a", "green", []),
        ("c", "green", []),  # 1.0 kg over two days, and nothing the day before
    ]
    assert first["check_ins"][0]["score"] is None
    assert first["check_ins"][0]["parts"] == {}
    assert second["check_ins"][0]["colour"] == "green"


def test_the_command_scores_as_a_stored_check_in_is_scored(tmp_path):
    draw = random.Random(13)
    first = date(2026, 9, 1)
    days = [first + timedelta(days=day) for day in range(40) if draw.random() < 0.8]
    weights = {
        day: round(80 + draw.uniform(-2, 3) + index * 0.05, 1) for index, day in enumerate(days)
    }
    thresholds = {"three_day_gain_kg": 1.5, "overnight_gain_kg": 0.8}
    rows = [check_in(str(day), str(day), {**WELL, "weight_kg": weights[day]}) for day in days]
    draw.shuffle(rows)
    answer = score(
        tmp_path,
        {
            "programme": "heart-failure",
            "people": [{"id": "p", "settings": thresholds, "check_ins": rows}],
        },
    )
    settings = clean_settings(HEART_FAILURE, thresholds)
    readings = [
        Reading(day, clean_answers(HEART_FAILURE, {**WELL, "weight_kg": weights[day]}))
        for day in days
    ]
    for row in answer["people"][0]["check_ins"]:
        day = date.fromisoformat(row["date"])
        stored = assess(
            HEART_FAILURE,
            clean_answers(HEART_FAILURE, {**WELL, "weight_kg": weights[day]}),
            settings,
            day,
            [reading for reading in readings if reading.on < day],
        )
        assert (row["colour"], tuple(row["reasons"])) == (stored.colour, stored.reasons)
    assert {row["colour"] for row in answer["people"][0]["check_ins"]} >= {"green", "amber"}


def test_no_people_is_an_empty_answer(tmp_path):
    assert score(tmp_path, {"programme": "news2", "people": []}) == {
        "programme": "news2",
        "people": [],
    }


def news2_file(*check_ins, settings=None) -> bytes:
    person = {"id": "p1", "check_ins": list(check_ins)}
    if settings is not None:
        person["settings"] = settings
    return orjson.dumps({"programme": "news2", "people": [person]})


def one_news2(**changes) -> bytes:
    return news2_file(
        check_in("a", "2026-11-01", NEWS2_NORMAL),
        check_in("b", "2026-11-02", {**NEWS2_NORMAL, **changes}),
    )


def one_of(programme: str, answers: dict, settings=None) -> bytes:
    people = [
        {"id": "p0", "check_ins": []},
        {
            "id": "p1",
            "settings": settings or {},
            "check_ins": [check_in("a", "2026-11-01", answers)],
        },
    ]
    return orjson.dumps({"programme": programme, "people": people})


BAD_INPUT = [
    (
        b'{"programme": ',
        "input: not valid JSON (unexpected end of data: line 1 column 15 (char 14))",
    ),
    (b"[]", 'input: expected an object with "programme" and "people", got a list'),
    (b'{"people": []}', "programme: missing"),
    (b'{"programme": "news2"}', "people: missing"),
    (
        b'{"programme": "asthma", "people": []}',
        'programme: "asthma" is not a known programme; known programmes: '
        "news2, copd-cat, heart-failure",
    ),
    (
        b'{"programme": null, "people": []}',
        "programme: null is not a known programme; known programmes: "
        "news2, copd-cat, heart-failure",
    ),
    (b'{"programme": "news2", "people": {}}', "people: expected a list of people, got an object"),
    (
        b'{"programme": "news2", "people": ["p1"]}',
        'people[0]: expected an object with "id", "settings" and "check_ins", got a string',
    ),
    (b'{"programme": "news2", "people": [{"check_ins": []}]}', "people[0].id: missing"),
    (b'{"programme": "news2", "people": [{"id": 1}]}', "people[0].check_ins: missing"),
    (
        b'{"programme": "news2", "people": [{"id": 1, "check_ins": 3}]}',
        "people[0].check_ins: expected a list of check-ins, got a number",
    ),
    (
        news2_file(check_in("a", "2026-11-01", NEWS2_NORMAL), [1, 2]),
        'people[0].check_ins[1]: expected an object with "id", "date" and "answers", got a list',
    ),
    (news2_file({"date": "2026-11-01", "answers": {}}), "people[0].check_ins[0].id: missing"),
    (news2_file({"id": "a", "answers": NEWS2_NORMAL}), "people[0].check_ins[0].date: missing"),
    (news2_file({"id": "a", "date": "2026-11-01"}), "people[0].check_ins[0].answers: missing"),
    (
        news2_file(check_in("a", "2026-11-01", [16, 97])),
        "people[0].check_ins[0].answers: expected an object, got a list",
    ),
    (
        news2_file(check_in("a", "2026-02-30", NEWS2_NORMAL)),
        'people[0].check_ins[0].date: "2026-02-30" is not a date (YYYY-MM-DD)',
    ),
    (
        news2_file(check_in("a", "1 November 2026", NEWS2_NORMAL)),
        'people[0].check_ins[0].date: "1 November 2026" is not a date (YYYY-MM-DD)',
    ),
    (
        news2_file(check_in("a", 20261101, NEWS2_NORMAL)),
        "people[0].check_ins[0].date: 20261101 is not a date (YYYY-MM-DD)",
    ),
    (
        news2_file(
            check_in("a", "2026-11-02", NEWS2_NORMAL),
            check_in("b", "2026-11-03", NEWS2_NORMAL),
            check_in("c", "2026-11-02", NEWS2_NORMAL),
        ),
        "people[0].check_ins[2].date: 2026-11-02 is also the date of check_ins[0]; "
        "a person checks in once a day",
    ),
    (
        one_news2(spo2=130),
        "people[0].check_ins[1].answers.spo2: Enter your oxygen level between 30% and 100% "
        "(got 130)",
    ),
    (
        one_news2(temperature=55),
        "people[0].check_ins[1].answers.temperature: Enter your temperature between 30°C and "
        "44°C (got 55)",
    ),
    (
        one_news2(consciousness="X"),
        'people[0].check_ins[1].answers.consciousness: Choose one of the answers (got "X"); '
        "the answers are: A, C, V, P, U",
    ),
    (
        one_news2(pulse="72"),
        'people[0].check_ins[1].answers.pulse: Enter your pulse as a whole number (got "72")',
    ),
    (
        one_news2(pulse=None),
        "people[0].check_ins[1].answers.pulse: Enter your pulse (got null)",
    ),
    (
        news2_file(check_in("a", "2026-11-01", {**NEWS2_NORMAL, "remark": "new\ncough", "x": 1})),
        "people[0].check_ins[0].answers.x: This is not a question in this programme; the "
        "questions are: resp_rate, spo2, on_oxygen, systolic, pulse, consciousness, "
        "temperature, remark",
    ),
    (
        news2_file(
            check_in("a", "2026-11-01", {k: v for k, v in NEWS2_NORMAL.items() if k != "systolic"})
        ),
        "people[0].check_ins[0].answers.systolic: Enter the top number of your blood pressure",
    ),
    (
        one_of("heart-failure", {**WELL, "weight_kg": 0}),
        "people[1].check_ins[0].answers.weight_kg: Enter your weight between 20 and 350 kg (got 0)",
    ),
    (
        one_of("heart-failure", {**WELL, "weight_kg": 700}),
        "people[1].check_ins[0].answers.weight_kg: Enter your weight between 20 and 350 kg "
        "(got 700)",
    ),
    (
        one_of("copd-cat", {**CAT_ITEMS, "cat_3": 6}),
        "people[1].check_ins[0].answers.cat_3: Choose a number from 0 to 5 (got 6); the "
        "answers are: 0, 1, 2, 3, 4, 5",
    ),
    (
        one_of("copd-cat", {**CAT_ITEMS, "cat_3": 2.5}),
        "people[1].check_ins[0].answers.cat_3: Choose a number from 0 to 5 (got 2.5); the "
        "answers are: 0, 1, 2, 3, 4, 5",
    ),
    (
        one_of("copd-cat", CAT_ITEMS, {"cat_baseline": 41}),
        "people[1].settings.cat_baseline: Enter a value for “Usual CAT score” between 0 and 40 "
        "(got 41)",
    ),
    (
        one_of("copd-cat", CAT_ITEMS, {"baseline": 12}),
        "people[1].settings.baseline: This is not a setting of this programme; the settings "
        "are: cat_baseline, spo2_scale, red_total, red_above_baseline, amber_above_baseline",
    ),
    (
        orjson.dumps(
            {"programme": "copd-cat", "people": [{"id": 1, "settings": [], "check_ins": []}]}
        ),
        "people[0].settings: expected an object, got a list",
    ),
]


@pytest.mark.parametrize(("document", "message"), BAD_INPUT)
def test_bad_input_stops_with_one_line_naming_where(tmp_path, capsys, document, message):
    path = tmp_path / "check-ins.json"
    path.write_bytes(document)
    with pytest.raises(SystemExit) as stopped:
        Command().run_from_argv(["coproduce", "monitoring", "score", str(path)])
    written = capsys.readouterr()
    assert (stopped.value.code, written.out, written.err) == (2, "", message + "\n")


def test_call_command_raises_the_same_line_as_a_command_error(tmp_path):
    path = tmp_path / "check-ins.json"
    path.write_bytes(one_news2(spo2=130))
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(Command(), "score", str(path), stdout=out)
    assert refused.value.returncode == 2
    assert str(refused.value).startswith("people[0].check_ins[1].answers.spo2: ")
    assert out.getvalue() == ""


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.json: No such file or directory") as refused:
        call_command(Command(), "score", str(tmp_path / "missing.json"))
    assert refused.value.returncode == 2


def test_the_coproduce_command_reads_stdin_and_exits_2_on_bad_input(tmp_path):
    environment = {**os.environ, "COPRODUCE_VAR_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)  # scoring needs no database at all
    command = [sys.executable, "-m", "coproduce.cli", "monitoring", "score", "-"]
    good = subprocess.run(command, input=one_news2(spo2=91), env=environment, capture_output=True)
    assert good.returncode == 0, good.stderr
    colours = [row["colour"] for row in orjson.loads(good.stdout)["people"][0]["check_ins"]]
    assert colours == ["green", "amber"]
    bad = subprocess.run(
        command, input=one_news2(spo2=130).decode(), env=environment, capture_output=True, text=True
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.splitlines() == [
        "people[0].check_ins[1].answers.spo2: Enter your oxygen level between 30% and 100% "
        "(got 130)"
    ]


def test_a_long_wrong_answer_is_shown_cut_short(tmp_path, capsys):
    path = tmp_path / "check-ins.json"
    path.write_bytes(
        news2_file(check_in("a", "2026-11-01", {**NEWS2_NORMAL, "remark": "x" * 2000}))
    )
    with pytest.raises(SystemExit):
        Command().run_from_argv(["coproduce", "monitoring", "score", str(path)])
    assert capsys.readouterr().err == (
        "people[0].check_ins[0].answers.remark: Your answer must be 1000 characters or fewer "
        f'(got "{"x" * 58}…)\n'
    )
