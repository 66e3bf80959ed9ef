"""`coproduce guarantees check FILE.json`: pathways in, every stage's clock out, and a clear
one-line error (exit code 2, nothing on stdout) for input it cannot check."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command

from coproduce.guarantees.actions import load_schemes
from coproduce.guarantees.queries import forget_scheme_rules
from coproduce.guarantees.rules import builtin_definitions

# The scheme rules are read from the database first.
pytestmark = pytest.mark.django_db

COPRODUCE = Path(sys.executable).with_name("coproduce")


def run_check(tmp_path, document, *args: str) -> dict:
    path = tmp_path / "pathways.json"
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    out = StringIO()
    call_command("guarantees", "check", str(path), *args, stdout=out)
    return json.loads(out.getvalue())


def stages_by_pathway(answer: dict) -> dict[str, dict[str, tuple]]:
    """{pathway id: {stage: (status, start, end, deadline, days_waited)}}"""
    return {
        pathway["id"]: {
            stage["stage"]: (
                stage["status"],
                stage["start"],
                stage["end"],
                stage["deadline"],
                stage["days_waited"],
            )
            for stage in pathway["stages"]
        }
        for pathway in answer["pathways"]
    }


def pathway(identifier, *events: tuple[str, str]) -> dict:
    return {"id": identifier, "events": [{"type": kind, "date": day} for kind, day in events]}


def test_the_answer_echoes_the_input_and_lists_every_stage_in_scheme_order(tmp_path):
    answer = run_check(
        tmp_path,
        {
            "scheme": "se-vardgaranti-2019",
            "as_of": "2026-06-30",
            "pathways": [pathway(17, ("referral", "2026-03-01"), ("first_visit", "2026-05-30"))],
        },
    )
    assert answer == {
        "scheme": "se-vardgaranti-2019",
        "as_of": "2026-06-30",
        "pathways": [
            {
                "id": 17,
                "stages": [
                    {
                        "stage": "assessment",
                        "status": "not_started",
                        "start": None,
                        "end": None,
                        "deadline": None,
                        "days_waited": None,
                    },
                    {
                        "stage": "specialist_visit",
                        "status": "met",
                        "start": "2026-03-01",
                        "end": "2026-05-30",
                        "deadline": "2026-05-30",
                        "days_waited": 90,
                    },
                    {
                        "stage": "treatment",
                        "status": "not_started",
                        "start": None,
                        "end": None,
                        "deadline": None,
                        "days_waited": None,
                    },
                ],
            }
        ],
    }


def test_swedish_statuses_excluded_periods_and_lapses(tmp_path):
    answer = run_check(
        tmp_path,
        {
            "scheme": "se-vardgaranti-2019",
            "as_of": "2026-06-30",
            "pathways": [
                pathway(
                    "assessed-late-then-waiting",
                    ("contact", "2026-03-01"),
                    ("assessment", "2026-03-05"),
                    ("referral", "2026-04-20"),
                ),
                pathway(
                    "treatment-at-risk-and-open-wait",
                    ("decision_to_treat", "2026-04-01"),
                    ("medical_wait_start", "2026-06-20"),
                ),
                pathway(
                    "patient-chose-to-wait",
                    ("referral", "2026-03-01"),
                    ("patient_wait_start", "2026-03-10"),
                    ("patient_wait_end", "2026-04-09"),
                    ("first_visit", "2026-06-20"),
                ),
                pathway(
                    "declined-and-missed",
                    ("referral", "2026-01-01"),
                    ("declined_alternative", "2026-04-15"),
                    ("decision_to_treat", "2026-05-01"),
                    ("dna", "2026-05-10"),
                    ("dna", "2026-06-01"),
                ),
            ],
        },
    )
    assert stages_by_pathway(answer) == {
        "assessed-late-then-waiting": {
            "assessment": ("breached", "2026-03-01", "2026-03-05", "2026-03-04", 4),
            "specialist_visit": ("running", "2026-04-20", None, "2026-07-19", 71),
            "treatment": ("not_started", None, None, None, None),
        },
        "treatment-at-risk-and-open-wait": {
            "assessment": ("not_started", None, None, None, None),
            "specialist_visit": ("not_started", None, None, None, None),
            # 80 days waited; the medical wait from 20 June (10 days so far) moves the deadline.
            "treatment": ("running", "2026-04-01", None, "2026-07-10", 80),
        },
        "patient-chose-to-wait": {
            "assessment": ("not_started", None, None, None, None),
            "specialist_visit": ("met", "2026-03-01", "2026-06-20", "2026-06-29", 81),
            "treatment": ("not_started", None, None, None, None),
        },
        "declined-and-missed": {
            "assessment": ("not_started", None, None, None, None),
            # Past its limit when the patient declined care elsewhere: lapsed all the same.
            "specialist_visit": ("lapsed", "2026-01-01", "2026-04-15", None, None),
            "treatment": ("lapsed", "2026-05-01", "2026-06-01", None, None),
        },
    }


def test_the_2005_scheme_gives_a_week_for_a_gp_visit(tmp_path):
    answer = run_check(
        tmp_path,
        {
            "scheme": "se-vardgaranti-2005",
            "as_of": "2015-03-20",
            "pathways": [
                pathway("on-time", ("contact", "2015-03-02"), ("gp_visit", "2015-03-09")),
                pathway("late", ("contact", "2015-03-02"), ("gp_visit", "2015-03-10")),
            ],
        },
    )
    assert [
        stages["gp_visit"][0] + f" {stages['gp_visit'][4]}"
        for stages in stages_by_pathway(answer).values()
    ] == ["met 7", "breached 8"]


def test_norwegian_working_days_across_easter(tmp_path):
    answer = run_check(
        tmp_path,
        {
            "scheme": "no-vurdering",
            "as_of": "2026-04-16",
            "pathways": [
                pathway("on-time", ("referral", "2026-03-27"), ("assessment", "2026-04-15")),
                pathway("waiting", ("referral", "2026-04-01")),
                pathway("late", ("referral", "2026-03-27")),
            ],
        },
    )
    assert stages_by_pathway(answer) == {
        "on-time": {"referral_assessment": ("met", "2026-03-27", "2026-04-15", "2026-04-15", 10)},
        "waiting": {"referral_assessment": ("running", "2026-04-01", None, "2026-04-20", 8)},
        "late": {"referral_assessment": ("breached", "2026-03-27", None, "2026-04-15", 11)},
    }


def test_rtt_nullified_restarted_and_pauses_ignored(tmp_path):
    answer = run_check(
        tmp_path,
        {
            "scheme": "uk-nhs-rtt",
            "as_of": "2026-06-01",
            "pathways": [
                pathway("nullified", ("referral", "2026-01-05"), ("dna", "2026-02-01")),
                pathway(
                    "rebooked",
                    ("referral", "2026-01-05"),
                    ("dna", "2026-02-01"),
                    ("rebooked", "2026-02-10"),
                ),
                pathway(
                    "seen-then-missed",
                    ("referral", "2026-01-05"),
                    ("first_visit", "2026-01-20"),
                    ("dna", "2026-02-01"),
                    ("patient_wait_start", "2026-02-02"),
                    ("treatment", "2026-05-11"),
                ),
            ],
        },
    )
    assert stages_by_pathway(answer) == {
        "nullified": {"rtt": ("nullified", "2026-01-05", "2026-02-01", None, None)},
        "rebooked": {"rtt": ("running", "2026-02-10", None, "2026-06-16", 111)},
        "seen-then-missed": {"rtt": ("met", "2026-01-05", "2026-05-11", "2026-05-11", 126)},
    }


def test_event_types_another_scheme_uses_are_accepted_and_have_no_effect(tmp_path):
    document = {
        "scheme": "no-vurdering",
        "as_of": "2026-04-16",
        "pathways": [pathway("a", ("referral", "2026-04-01"))],
    }
    plain = run_check(tmp_path, document)
    document["pathways"][0]["events"].append({"type": "rebooked", "date": "2026-04-02"})
    document["pathways"][0]["events"].append({"type": "dna", "date": "2026-04-03"})
    assert run_check(tmp_path, document) == plain


def test_an_empty_list_of_pathways_gives_an_empty_answer(tmp_path):
    document = {"scheme": "uk-nhs-rtt", "as_of": "2026-04-16", "pathways": []}
    assert run_check(tmp_path, document) == document


def test_pretty_and_compact_answers_say_the_same(tmp_path):
    document = {
        "scheme": "se-vardgaranti-2019",
        "as_of": "2026-06-30",
        "pathways": [pathway(n, ("referral", "2026-03-01")) for n in range(10_001)],
    }
    compact = run_check(tmp_path, document)
    assert run_check(tmp_path, document, "--pretty") == compact
    assert [answer["id"] for answer in compact["pathways"]] == list(range(10_001))


@pytest.fixture
def stored_trial_scheme():
    """A scheme that exists only in the database: se-vardgaranti-2019 with a 60-day limit
    for the first specialist visit."""
    definition = next(d for d in builtin_definitions() if d["code"] == "se-vardgaranti-2019")
    stages = [dict(stage) for stage in definition["stages"]]
    stages[1]["limit"] = 60
    # A trial of its own (a family of one): two versions of a family cannot start on one day.
    load_schemes([{**definition, "code": "se-trial-60", "family": "se-trial", "stages": stages}])
    yield "se-trial-60"
    forget_scheme_rules()


def test_a_scheme_stored_in_the_database_is_used(tmp_path, stored_trial_scheme):
    answer = run_check(
        tmp_path,
        {
            "scheme": stored_trial_scheme,
            "as_of": "2026-06-30",
            "pathways": [pathway("a", ("referral", "2026-03-01"), ("first_visit", "2026-05-01"))],
        },
    )
    assert stages_by_pathway(answer)["a"]["specialist_visit"] == (
        "breached",
        "2026-03-01",
        "2026-05-01",
        "2026-04-30",
        61,
    )


GOOD_PATHWAY = {"id": "a", "events": [{"type": "referral", "date": "2026-03-01"}]}


def check_file(**changes) -> bytes:
    document = {"scheme": "se-vardgaranti-2019", "as_of": "2026-06-30", "pathways": [GOOD_PATHWAY]}
    return json.dumps({**document, **changes}).encode()


def with_event(event) -> bytes:
    return check_file(
        pathways=[GOOD_PATHWAY, {"id": "b", "events": [GOOD_PATHWAY["events"][0], event]}]
    )


BAD_INPUT = [
    (b'{"scheme": ', "input: not valid JSON (unexpected end of data: line 1 column 12 (char 11))"),
    (b"[]", 'input: expected an object with "scheme", "as_of" and "pathways", got a list'),
    (b'{"as_of": "2026-06-30", "pathways": []}', "scheme: missing"),
    (check_file(scheme=7), "scheme: expected a scheme code, got a number"),
    (
        check_file(scheme="se-vardgaranti-2030"),
        'scheme: "se-vardgaranti-2030" is not a known scheme; known schemes: '
        "se-vardgaranti-2005, se-vardgaranti-2019, uk-nhs-rtt, no-vurdering",
    ),
    (b'{"scheme": "uk-nhs-rtt", "pathways": []}', "as_of: missing"),
    (check_file(as_of="2026-13-01"), 'as_of: "2026-13-01" is not a date (YYYY-MM-DD)'),
    (check_file(as_of="20260301"), 'as_of: "20260301" is not a date (YYYY-MM-DD)'),
    (b'{"scheme": "uk-nhs-rtt", "as_of": "2026-01-01"}', "pathways: missing"),
    (check_file(pathways={}), "pathways: expected a list of pathways, got an object"),
    (
        check_file(pathways=[GOOD_PATHWAY, "b"]),
        'pathways[1]: expected an object with "id" and "events", got a string',
    ),
    (check_file(pathways=[{"events": []}]), "pathways[0].id: missing"),
    (check_file(pathways=[{"id": "a"}]), "pathways[0].events: missing"),
    (
        check_file(pathways=[{"id": "a", "events": {}}]),
        "pathways[0].events: expected a list of events, got an object",
    ),
    (
        with_event(["referral", "2026-03-01"]),
        'pathways[1].events[1]: expected an object with "type" and "date", got a list',
    ),
    (with_event({"type": "referral"}), "pathways[1].events[1].date: missing"),
    (with_event({"date": "2026-03-01"}), "pathways[1].events[1].type: missing"),
    (
        with_event({"type": "referal", "date": "2026-03-01"}),
        'pathways[1].events[1].type: "referal" is not a known event type; known types: '
        "active_monitoring, assessment, contact, contact_answered, decision_not_to_treat, "
        "decision_to_treat, declined_alternative, dna, examination_end, examination_start, "
        "first_visit, gp_visit, medical_wait_end, medical_wait_start, patient_wait_end, "
        "patient_wait_start, rebooked, referral, treatment",
    ),
    (
        with_event({"type": None, "date": "2026-03-01"}),
        "pathways[1].events[1].type: null is not a known event type; known types: "
        "active_monitoring, assessment, contact, contact_answered, decision_not_to_treat, "
        "decision_to_treat, declined_alternative, dna, examination_end, examination_start, "
        "first_visit, gp_visit, medical_wait_end, medical_wait_start, patient_wait_end, "
        "patient_wait_start, rebooked, referral, treatment",
    ),
    (
        with_event({"type": "first_visit", "date": "2026-13-01"}),
        'pathways[1].events[1].date: "2026-13-01" is not a date (YYYY-MM-DD)',
    ),
    (
        with_event({"type": "first_visit", "date": 20260301}),
        "pathways[1].events[1].date: 20260301 is not a date (YYYY-MM-DD)",
    ),
    (
        with_event({"type": "first_visit", "date": ["2026-03-01"]}),
        'pathways[1].events[1].date: ["2026-03-01"] is not a date (YYYY-MM-DD)',
    ),
    (
        check_file(
            scheme="no-vurdering",
            pathways=[{"id": "a", "events": [{"type": "referral", "date": "1850-01-01"}]}],
        ),
        "pathways[0]: 1850-01-01 is outside the working-day calendar (1900-01-01 to 2199-12-31)",
    ),
]


@pytest.mark.parametrize(("document", "message"), BAD_INPUT)
def test_bad_input_stops_with_one_line_naming_where(tmp_path, document, message):
    path = tmp_path / "pathways.json"
    path.write_bytes(document)
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("guarantees", "check", str(path), stdout=out)
    assert (str(refused.value), refused.value.returncode) == (message, 2)
    assert out.getvalue() == ""


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.json: No such file or directory") as refused:
        call_command("guarantees", "check", str(tmp_path / "missing.json"))
    assert refused.value.returncode == 2


def test_the_coproduce_command_reads_stdin_and_exits_2_on_bad_input(tmp_path):
    environment = {**os.environ, "COPRODUCE_VAR_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)  # a fresh SQLite database of its own
    subprocess.run([COPRODUCE, "migrate", "-v0"], env=environment, check=True)
    document = {
        "scheme": "uk-nhs-rtt",
        "as_of": "2026-03-01",
        "pathways": [pathway("a", ("referral", "2026-01-05"), ("dna", "2026-02-01"))],
    }
    good = subprocess.run(
        [COPRODUCE, "guarantees", "check", "-"],
        input=orjson.dumps(document),
        env=environment,
        capture_output=True,
    )
    assert good.returncode == 0, good.stderr
    assert stages_by_pathway(orjson.loads(good.stdout)) == {
        "a": {"rtt": ("nullified", "2026-01-05", "2026-02-01", None, None)}
    }
    document["pathways"][0]["events"][1]["date"] = "2026-02-30"
    bad = subprocess.run(
        [COPRODUCE, "guarantees", "check", "-"],
        input=orjson.dumps(document).decode(),
        env=environment,
        capture_output=True,
        text=True,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.splitlines() == [
        'CommandError: pathways[0].events[1].date: "2026-02-30" is not a date (YYYY-MM-DD)'
    ]
