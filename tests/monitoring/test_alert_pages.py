"""The care team's panel, alert queue and alert page as a clinician uses them: the person in
most need at the top with the reason, overdue alerts marked, each step taken from the alert
page recorded in its history, and nobody off the care team able to see or act on it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.monitoring import actions
from coproduce.monitoring.models import Alert, AlertStep
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent
from tests.factories import CareRelationshipFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

WELL = {
    "weight_kg": 80.2,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}
BREATHLESS_AT_REST = {**WELL, "breathless": "at_rest"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patient_named(hospital, given_name: str):
    person = PersonFactory(given_name=given_name, family_name="Jones", user=UserFactory())
    CareRelationshipFactory(person=person, organisation=hospital)
    return person


def check_in(person, answers):
    return actions.record_check_in(
        Actor(user=person.user),
        actions.Submission(person_id=person.pk, programme_key="heart-failure", answers=answers),
        source="web",
    )


@pytest.fixture
def red_alert(enrol, patient):
    enrol(patient)
    return check_in(patient, BREATHLESS_AT_REST).alert


def test_a_red_check_in_is_at_the_top_of_the_panel_with_its_reason(enrol, hospital, clinician):
    well, unwell, quiet = (patient_named(hospital, name) for name in ("Alma", "Bea", "Cora"))
    for person in (well, unwell, quiet):
        enrol(person)
    check_in(well, WELL)
    check_in(unwell, BREATHLESS_AT_REST)

    page = signed_in(clinician).get(reverse("monitoring:panel")).content.decode()

    order = [page.index(name) for name in ("Bea Jones", "Cora Jones", "Alma Jones")]
    assert order == sorted(order), "red first, then no check-in yet, then green"
    row = page[page.index("Bea Jones") : page.index("Cora Jones")]
    assert "govuk-tag--red" in row and ">Red<" in row
    assert "rest" in row  # the rule that fired: breathless at rest
    assert "Due in" in row
    assert 'role="img" aria-label="Weight over 1 days: 80.2 kg"' in row  # the sparkline
    assert "No check-in yet" in page[page.index("Cora Jones") : page.index("Alma Jones")]


def test_the_panel_lists_only_the_people_whose_care_team_one_is_on(enrol, hospital, patient):
    enrol(patient)
    colleague = RoleFactory(organisation=hospital).user

    page = signed_in(colleague).get(reverse("monitoring:panel"))

    assert page.status_code == 200
    assert patient.given_name not in page.content.decode()
    assert "You are not on anyone" in page.content.decode()


def test_acknowledging_from_the_alert_page_records_the_step_in_its_history(red_alert, clinician):
    client = signed_in(clinician)
    url = reverse("monitoring:alert", kwargs={"alert_id": red_alert.pk})
    page = client.get(url).content.decode()
    assert "Red check-in" in page and "rest" in page
    assert "Dry weight" in page  # the person's thresholds beside the readings

    done = client.post(
        reverse("monitoring:alert-step", kwargs={"alert_id": red_alert.pk, "step": "acknowledge"}),
        {"note": "Ringing her now"},
    )

    assert done.status_code == 302 and done.url == url
    step = red_alert.steps.get(kind=AlertStep.Kind.ACKNOWLEDGED)
    assert step.by == clinician and step.note == "Ringing her now"
    history = client.get(url).content.decode().split('id="history"', 1)[1]
    assert "Seen by a clinician" in history and "Ringing her now" in history
    assert "O&#x27;Brien" in history  # who: the clinician's name


def test_a_colleague_not_on_the_care_team_gets_page_not_found(red_alert, hospital):
    colleague = signed_in(RoleFactory(organisation=hospital).user)
    before = AuditEvent.objects.count()

    page = colleague.get(reverse("monitoring:alert", kwargs={"alert_id": red_alert.pk}))
    step = colleague.post(
        reverse("monitoring:alert-step", kwargs={"alert_id": red_alert.pk, "step": "close"}),
        {"outcome": "no_action", "note": ""},
    )

    assert page.status_code == 404 and step.status_code == 404
    assert list(red_alert.steps.values_list("kind", flat=True)) == [AlertStep.Kind.RAISED]
    assert AuditEvent.objects.count() == before


def test_the_queue_marks_an_overdue_alert_with_how_late_it_is(red_alert, clinician):
    Alert.objects.filter(pk=red_alert.pk).update(
        due_at=timezone.now() - timedelta(minutes=12, seconds=20)
    )

    page = signed_in(clinician).get(reverse("monitoring:alerts")).content.decode()

    assert "Overdue by 12 minutes" in page
    assert "You" in page.split("alerts-table", 1)[1]


def test_the_queue_shows_alerts_assigned_to_me_before_my_teams_others(
    enrol, hospital, clinician, backup_clinician
):
    mine, theirs = patient_named(hospital, "Dora"), patient_named(hospital, "Edna")
    enrol(mine)
    enrol(theirs)
    check_in(mine, BREATHLESS_AT_REST)
    passed_on = check_in(theirs, BREATHLESS_AT_REST).alert
    actions.escalate_alert(Actor(user=clinician), alert_id=passed_on.pk, note="On leave")

    page = signed_in(backup_clinician).get(reverse("monitoring:alerts")).content.decode()

    assert page.index("Edna Jones") < page.index("Dora Jones")


def test_closing_as_other_needs_a_note_on_that_field_and_changes_nothing(red_alert, clinician):
    client = signed_in(clinician)

    page = client.post(
        reverse("monitoring:alert-step", kwargs={"alert_id": red_alert.pk, "step": "close"}),
        {"outcome": "other", "note": ""},
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="#close_note"' in html and "Say what happened" in html
    red_alert.refresh_from_db()
    assert red_alert.closed_at is None

    client.post(
        reverse("monitoring:alert-step", kwargs={"alert_id": red_alert.pk, "step": "close"}),
        {"outcome": "advice", "note": "Take an extra water tablet"},
    )
    red_alert.refresh_from_db()
    assert red_alert.closed_at is not None and red_alert.outcome == Alert.Outcome.ADVICE
    closed = client.get(reverse("monitoring:alert", kwargs={"alert_id": red_alert.pk}))
    assert "Advice given" in closed.content.decode()
    assert "Close the alert" not in closed.content.decode()


def test_the_staff_home_counts_the_open_alerts(red_alert, clinician):
    page = signed_in(clinician).get(reverse("web:dashboard")).content.decode()

    assert "1 alert is open for your care teams." in page
    assert reverse("monitoring:alerts") in page


@pytest.mark.parametrize("route", ["monitoring:panel", "monitoring:alerts"])
def test_the_panel_and_the_queue_list_people_through_the_list_helper(route, red_alert, clinician):
    from coproduce.listing import QUERY_BUDGET, lists_on

    response = signed_in(clinician).get(reverse(route))

    [listed] = lists_on(response.wsgi_request)
    assert listed.people == 1 and listed.queries <= QUERY_BUDGET
    assert AuditEvent.objects.filter(person=red_alert.person, what__endswith="list)").exists()


def test_an_alert_downloads_as_a_fhir_flag_and_task_that_validate(red_alert, clinician):
    from fhir.resources.R4B.bundle import Bundle

    client = signed_in(clinician)
    client.post(
        reverse("monitoring:alert-step", kwargs={"alert_id": red_alert.pk, "step": "acknowledge"}),
        {"note": ""},
    )

    response = client.get(reverse("monitoring:alert-fhir", kwargs={"alert_id": red_alert.pk}))

    assert response.status_code == 200
    bundle = Bundle.model_validate_json(response.content)
    flag, task = (entry.resource for entry in bundle.entry)
    assert flag.status == "active" and task.status == "accepted"
    assert task.focus.reference == f"QuestionnaireResponse/{red_alert.check_in_id}"
    assert task.priority == "asap"


def test_the_panel_gives_the_warning_before_what_the_person_wrote(enrol, patient, clinician):
    enrol(patient)
    check_in(patient, {**WELL, "breathless": "more_than_usual", "remark": "My slippers are tight"})
    Alert.objects.filter(kind=Alert.Kind.REMARK).update(due_at=timezone.now() + timedelta(hours=1))

    page = signed_in(clinician).get(reverse("monitoring:panel")).content.decode()

    now = page.split('data-label="Now"', 1)[1].split("</td>", 1)[0]
    assert "Amber" in now and "breathless" in now.lower()
    assert "My slippers are tight" not in now
    assert "Wrote to the care team" in page  # the remark is still in the open alerts
