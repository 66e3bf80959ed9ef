"""Bulk import of a hospital's waiting-list events: idempotent, every bad row reported with
its line and reason, and a file with a bad row changes nothing unless told to skip it."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from coproduce.guarantees import imports
from coproduce.guarantees.models import Pathway, PathwayEvent
from coproduce.guarantees.queries import effective_events, pathway_clocks
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, CareRelationship, Organisation
from tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
GOOD_CSV = FIXTURES / "events.csv"
GOOD_JSON = FIXTURES / "events.json"
BAD_CSV = FIXTURES / "bad_events.csv"
HEADER = (
    "provider,pathway_ref,nhs_number,scheme,service,event_id,event_type,event_date,note,corrects"
)


@pytest.fixture
def hospital():
    return OrganisationFactory(code="RVJ01", kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def patients():
    return [
        PersonFactory(nhs_number=number) for number in ("9000000017", "9000000025", "9000000033")
    ]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("guarantees", "import", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("guarantees", "import", *map(str, args), stdout=io.StringIO(), stderr=err)
    return failure.value, err.getvalue()


def counts() -> tuple[int, int, int]:
    return Pathway.objects.count(), PathwayEvent.objects.count(), CareRelationship.objects.count()


def test_a_good_file_opens_the_waits_and_records_every_event(hospital, patients):
    out, err = run(GOOD_CSV, "--provider", "RVJ01")
    assert "9 rows: added 9 events, opened 3 waits, skipped 0 already imported, 0 bad." in out
    assert err == ""
    assert Pathway.objects.count() == 3
    hip = Pathway.objects.get(provider=hospital, external_id="W-1001")
    assert (hip.person, hip.scheme.code, hip.service) == (
        patients[0],
        "uk-nhs-rtt",
        "Trauma and orthopaedics",
    )
    events = list(hip.events.order_by("sequence"))
    assert [(e.type, e.occurred_on, e.source, e.source_key) for e in events] == [
        ("referral", dt.date(2025, 1, 6), "import", "EV-1"),
        ("first_visit", dt.date(2025, 2, 3), "import", "EV-2"),
        ("treatment", dt.date(2025, 3, 31), "import", "EV-3"),
    ]
    assert events[2].note == "Hip replacement"
    # A wait's events are recorded together: a wait that was met never looked breached on
    # the way (with only its referral of 2025 recorded), so nobody was told it was.
    assert not hip.rights.exists()
    assert not Message.objects.filter(person=patients[0]).exists()
    (rtt,) = pathway_clocks(hip)
    assert (rtt.status, rtt.days_waited) == ("met", 84)
    # The correction points at the event it replaces; the clock reads the replacement.
    cardiology = Pathway.objects.get(external_id="W-1002")
    correction = cardiology.events.get(source_key="EV-6")
    assert correction.corrects == cardiology.events.get(source_key="EV-5")
    standing = effective_events(list(cardiology.events.all()))
    assert [event.source_key for event in standing] == ["EV-4", "EV-6"]
    (rtt,) = pathway_clocks(cardiology)
    assert (rtt.status, rtt.start) == ("breached", dt.date(2025, 1, 10))
    assert cardiology.rights.count() == 1
    # The provider gains a care relationship, and the opening is on the audit trail.
    assert CareRelationship.objects.filter(person=patients[0], organisation=hospital).exists()
    assert AuditEvent.objects.filter(person=patients[0], action="write").exists()


def test_importing_the_same_file_again_adds_nothing(hospital, patients):
    run(GOOD_CSV, "--provider", "RVJ01")
    before = counts()
    out, _ = run(GOOD_CSV, "--provider", "RVJ01")
    assert "added 0 events, opened 0 waits, skipped 9 already imported, 0 bad." in out
    assert counts() == before
    # The same events as JSON are the same events: nothing new either.
    out, _ = run(GOOD_JSON, "--provider", "RVJ01")
    assert "added 0 events" in out and "skipped 9" in out
    assert counts() == before


def test_a_longer_export_adds_only_the_new_events(hospital, patients, tmp_path):
    run(GOOD_CSV, "--provider", "RVJ01")
    later = tmp_path / "later.csv"
    later.write_text(
        GOOD_CSV.read_text()
        + "RVJ01,W-1002,9000000025,uk-nhs-rtt,Cardiology,EV-10,treatment,2025-04-02,,\n"
    )
    out, _ = run(later, "--provider", "RVJ01")
    assert "added 1 event, opened 0 waits, skipped 9 already imported" in out
    assert Pathway.objects.get(external_id="W-1002").events.count() == 4


def test_a_bad_file_reports_each_bad_row_with_its_line_and_changes_nothing(hospital, patients):
    before = counts()
    audit_before = AuditEvent.objects.count()
    error, err = run_failing(BAD_CSV, "--provider", "RVJ01")
    assert error.returncode == 1
    assert "Nothing was imported" in str(error)
    lines = err.splitlines()
    assert lines[0].endswith(
        "bad_events.csv: line 4: The event_type 'visit' is not part of the scheme 'uk-nhs-rtt'. "
        "Use one of: active_monitoring, decision_not_to_treat, declined_alternative, dna, "
        "entered_in_error, examination_end, examination_start, first_visit, medical_wait_end, "
        "medical_wait_start, patient_wait_end, patient_wait_start, rebooked, referral, treatment."
    )
    assert lines[1].endswith(
        "line 6: The event_date '2025-02-30' is not a date: write it as YYYY-MM-DD, "
        "like 2025-03-01."
    )
    assert lines[2].endswith("line 7: It corrects the event 'EV-5', whose row is not valid.")
    assert lines[3].endswith(
        "line 8: There is no person with that NHS number. Register the person first."
    )
    assert lines[4].endswith(
        "line 9: There is no person with that NHS number. Register the person first."
    )
    assert len(lines) == 5
    assert counts() == before
    assert AuditEvent.objects.count() == audit_before


def test_skip_bad_rows_imports_the_good_rows_and_reports_the_bad(hospital, patients):
    error, err = run_failing(BAD_CSV, "--provider", "RVJ01", "--skip-bad-rows")
    assert error.returncode == 1
    assert "5 rows are not valid" in str(error)
    assert [line.split(": ")[1] for line in err.splitlines()] == [
        "line 4",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
    ]
    assert sorted(Pathway.objects.values_list("external_id", flat=True)) == ["W-1001", "W-1002"]
    assert sorted(PathwayEvent.objects.values_list("source_key", flat=True)) == [
        "EV-1",
        "EV-2",
        "EV-4",
    ]
    # Once the rows are put right, the same file adds the rest and nothing twice.
    PersonFactory(nhs_number="9000000041")
    fixed = BAD_CSV.read_text().replace(",visit,", ",treatment,").replace("02-30", "01-20")
    result = imports.import_file(
        Actor.system(), io.StringIO(fixed), format="csv", provider_code="RVJ01"
    )
    assert (result.added, result.skipped, result.pathways_opened, result.bad_rows) == (
        5,
        3,
        1,
        [],
    )


def test_a_dry_run_checks_everything_and_writes_nothing(hospital, patients):
    out, _ = run(GOOD_CSV, "--provider", "RVJ01", "--dry-run")
    assert "would add 9 events, would open 3 waits" in out
    assert counts() == (0, 0, 0)


def test_json_rows_are_reported_by_item_and_line(hospital, patients, tmp_path):
    items = json.loads(GOOD_JSON.read_text())
    items[2]["event_date"] = "31/03/2025"
    items[4]["colour"] = "blue"
    path = tmp_path / "events.json"
    path.write_text(json.dumps(items[:3], indent=2)[:-1] + ",\n" + json.dumps(items[3:])[1:])
    error, err = run_failing(path, "--provider", "RVJ01")
    assert error.returncode == 1
    lines = err.splitlines()
    assert ": item 3 (line 22): The event_date '31/03/2025' is not a date" in lines[0]
    assert ": item 5 (line 34): Unknown field 'colour'." in lines[1]
    assert counts() == (0, 0, 0)
    imported = imports.import_file(Actor.system(), GOOD_JSON, provider_code="RVJ01")
    assert (imported.added, imported.pathways_opened) == (9, 3)


def test_rows_for_another_provider_or_a_future_date_are_bad(hospital, patients, tmp_path):
    OrganisationFactory(code="OTHER")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    path = tmp_path / "mixed.csv"
    path.write_text(
        f"{HEADER}\n"
        "OTHER,W-1,9000000017,uk-nhs-rtt,Cardiology,E1,referral,2025-01-01,,\n"
        f"RVJ01,W-2,9000000017,uk-nhs-rtt,Cardiology,E2,referral,{tomorrow},,\n"
        "RVJ01,W-3,9000000018,uk-nhs-rtt,Cardiology,E3,referral,2025-01-01,,\n"
        "RVJ01,W-4,9000000017,uk-nhs-rtt,,E4,referral,2025-01-01,,\n"
        "RVJ01,W-5,9000000017,se-vardgaranti-2005,Cardiology,E5,referral,2025-01-01,,\n"
        "RVJ01,W-6,9000000017,uk-nhs-rtt,Cardiology,E6,entered_in_error,2025-01-01,,\n"
        "RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E7,referral,2025-01-01,,\n"
        "RVJ01,W-7,9000000025,uk-nhs-rtt,Cardiology,E8,first_visit,2025-01-09,,\n"
        "RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E7,first_visit,2025-01-02,,\n"
        "RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E9,treatment,2025-01-02,,E404\n"
        "RVJ01,W-7,9000000017,uk-nhs-rtt,Cardiology,E7,referral,2025-01-01,,\n"
    )
    error, err = run_failing(path, "--provider", "RVJ01")
    reasons = [line.split(": ", 2)[2] for line in err.splitlines()]
    assert reasons == [
        "The provider is 'OTHER', but this import is for 'RVJ01' only. "
        "Import each provider's file separately.",
        f"The event_date {tomorrow} is in the future.",
        "The nhs_number is not a valid 10-digit NHS number, like 943 476 5919.",
        "Enter the service: every row needs one.",
        "The scheme 'se-vardgaranti-2005' is not in effect today, so no new wait can be opened "
        "under it.",
        "An entered_in_error event must name the event_id it withdraws in corrects.",
        "The pathway_ref 'W-7' belongs on line 8 to a different NHS number.",
        "The event_id 'E7' was already given as referral on 2025-01-01. An event cannot be "
        "changed: send a new event that corrects it.",
        "It corrects the event 'E404', which is not an earlier event of 'W-7'.",
    ]
    assert [line.split(": ")[1] for line in err.splitlines()][:3] == ["line 2", "line 3", "line 4"]
    assert counts() == (0, 0, 0)
    # The repeated row (line 12) is not bad: the same event twice is one event.
    result = imports.import_file(Actor.system(), path, provider_code="RVJ01", skip_bad_rows=True)
    assert (result.added, result.skipped) == (1, 1)


def test_a_file_that_cannot_be_read_exits_with_2(hospital, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("provider,pathway,nhs_number\nRVJ01,W-1,9000000017\n")
    error, _ = run_failing(path, "--provider", "RVJ01")
    assert error.returncode == 2
    assert "line 1: The header has unknown columns 'pathway'; missing columns" in str(error)
    broken = tmp_path / "events.json"
    broken.write_text('[\n  {"provider": "RVJ01"},\n  {"provider": \n')
    error, _ = run_failing(broken, "--provider", "RVJ01")
    assert error.returncode == 2 and "The JSON is not valid" in str(error)
    error, _ = run_failing(tmp_path / "missing.csv", "--provider", "RVJ01")
    assert error.returncode == 2
    error, _ = run_failing(GOOD_CSV, "--provider", "NOPE")
    assert error.returncode == 2 and "no organisation with the code 'NOPE'" in str(error)


def test_csv_quirks_bom_blank_lines_quoted_newlines_and_column_order(hospital, patients):
    text = (
        "\ufeffevent_id,event_type,event_date,provider,pathway_ref,nhs_number,scheme,service,note\n"
        "\n"
        'E1,referral,2025-01-06,RVJ01,W-9,9000000017,uk-nhs-rtt,Cardiology,"two\nlines"\n'
        "E2,first_visit,2025-01-07,RVJ01,W-9,9000000017,uk-nhs-rtt,Cardiology\n"
    )
    rows = imports.read_csv(io.StringIO(text, newline=""))
    assert [row.line for row in rows] == [3, 5]
    assert rows[0].values["note"] == "two\nlines"
    assert rows[1].problem.startswith("The row has 8 values; the header has 9 columns.")


def test_the_command_is_an_operators_tool_that_records_who_imported(hospital, patients):
    run(GOOD_CSV, "--provider", "RVJ01")
    event = PathwayEvent.objects.get(source_key="EV-1")
    assert event.recorded_by is None
    assert event.recorded_by_label == "Coproduce (automatic)"
