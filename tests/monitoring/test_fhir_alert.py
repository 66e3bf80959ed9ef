"""An alert as FHIR R4: a Flag on the person while it is open, and a Task for the care team
with its owner, priority, due time and history, focused on the check-in that raised it.
Both valid under fhir.resources.R4B."""

from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.task import Task

from coproduce.monitoring.programmes import Colour
from coproduce.monitoring.standards.fhir_alert import TASK_STATUSES, alert_flag, alert_task

BASE = "https://coproduce.example"
RAISED = datetime(2026, 12, 3, 8, 20, tzinfo=UTC)
REASONS = ["NEWS2 total 7 (high)", "Oxygen level 89% scores 3"]


def flag(**changes) -> dict:
    arguments = {
        "alert_id": "5b7c2e0a-31f4-4c3e-9d51-6f3e2a1b9c00",
        "subject_reference": "Patient/7f3a",
        "colour": Colour.RED,
        "reasons": REASONS,
        "raised_at": RAISED,
        "closed_at": None,
        "base_url": BASE,
    }
    return alert_flag(**(arguments | changes))


def task(**changes) -> dict:
    arguments = {
        "alert_id": "5b7c2e0a-31f4-4c3e-9d51-6f3e2a1b9c00",
        "subject_reference": "Patient/7f3a",
        "focus_reference": "QuestionnaireResponse/c0ffee-1",
        "owner_reference": "Practitioner/ann",
        "colour": Colour.RED,
        "status": "open",
        "due": RAISED + timedelta(hours=1),
        "raised_at": RAISED,
        "base_url": BASE,
    }
    return alert_task(**(arguments | changes))


def test_an_open_alert_is_an_active_clinical_flag_giving_its_reasons():
    exported = flag()
    Flag.model_validate(exported)
    assert exported["status"] == "active"
    assert exported["category"][0]["coding"][0]["code"] == "clinical"
    assert exported["code"]["text"] == "NEWS2 total 7 (high); Oxygen level 89% scores 3"
    assert exported["code"]["coding"][0]["code"] == "red"
    assert exported["period"] == {"start": "2026-12-03T08:20:00+00:00"}
    assert exported["subject"] == {"reference": "Patient/7f3a"}


def test_a_closed_alert_is_an_inactive_flag_with_the_end_of_its_period():
    exported = flag(closed_at=RAISED + timedelta(minutes=45), colour="amber")
    Flag.model_validate(exported)
    assert exported["status"] == "inactive"
    assert exported["period"]["end"] == "2026-12-03T09:05:00+00:00"


def test_a_remark_alert_without_rules_that_fired_still_says_what_it_is():
    exported = flag(colour=Colour.GREY, reasons=[])
    Flag.model_validate(exported)
    assert exported["code"]["text"] == "Remark to read"


@pytest.mark.parametrize(
    ("colour", "priority"), [("red", "asap"), ("amber", "urgent"), ("grey", "routine")]
)
def test_the_task_priority_follows_the_colour(colour, priority):
    exported = task(colour=colour)
    Task.model_validate(exported)
    assert exported["priority"] == priority


@pytest.mark.parametrize(("status", "fhir_status"), TASK_STATUSES.items())
def test_each_alert_status_is_a_task_status(status, fhir_status):
    exported = task(status=status)
    Task.model_validate(exported)
    assert exported["status"] == fhir_status
    assert exported["businessStatus"] == {"text": status.replace("_", " ")}


def test_the_task_is_due_when_the_response_is_owed_and_focused_on_the_check_in():
    exported = task()
    assert exported["intent"] == "order"
    assert exported["restriction"] == {"period": {"end": "2026-12-03T09:20:00+00:00"}}
    assert exported["focus"] == {"reference": "QuestionnaireResponse/c0ffee-1"}
    assert exported["for"] == {"reference": "Patient/7f3a"}
    assert exported["owner"] == {"reference": "Practitioner/ann"}


def test_the_history_is_in_the_notes_and_the_last_step_is_when_it_last_changed():
    history = [
        (RAISED + timedelta(minutes=5), "Acknowledged by Ann Smith"),
        (RAISED + timedelta(minutes=12), "Asked the person to measure again"),
    ]
    exported = task(status="remeasure_requested", history=history)
    Task.model_validate(exported)
    assert [note["text"] for note in exported["note"]] == [what for _, what in history]
    assert exported["lastModified"] == "2026-12-03T08:32:00+00:00"


def test_an_alert_nobody_owns_yet_has_no_owner():
    exported = task(owner_reference=None)
    Task.model_validate(exported)
    assert "owner" not in exported


def test_what_is_not_an_alert_is_refused():
    with pytest.raises(ValueError, match="no FHIR Task status"):
        task(status="snoozed")
    with pytest.raises(ValueError, match="raises no alert"):
        task(colour=Colour.GREEN)
    with pytest.raises(ValueError, match="timezone-aware"):
        flag(raised_at=datetime(2026, 12, 3, 8, 20))
