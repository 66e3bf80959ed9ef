"""A check-in as the person and their care team live it: scored as it arrives, stored once,
an amber or red one in the named clinician's queue with its due time, refused with a reason
when it cannot be taken."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.monitoring import actions
from coproduce.monitoring.models import Alert, AlertStep, CheckIn
from coproduce.people.access import Actor, PersonNotFound
from coproduce.people.models import AuditEvent
from tests.factories import PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

WELL = {
    "weight_kg": 80.2,
    "breathless": "no",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}
BREATHLESS_AT_REST = {**WELL, "breathless": "at_rest"}


def submit(actor, person, answers, **options):
    return actions.record_check_in(
        actor,
        actions.Submission(
            person_id=person.pk, programme_key="heart-failure", answers=answers, **options
        ),
        source="web",
    )


def test_a_red_check_in_puts_one_alert_due_within_the_hour_in_the_named_clinicians_queue(
    enrolment, patient, clinician
):
    outcome = submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)

    assert outcome.created and outcome.check_in.colour == "red"
    alert = Alert.objects.get()
    assert alert.assigned_to == clinician
    assert alert.kind == Alert.Kind.READING and alert.colour == "red"
    assert (
        timedelta(minutes=59)
        < alert.due_at - outcome.check_in.submitted_at
        <= timedelta(minutes=60, seconds=1)
    )
    assert any("rest" in reason for reason in alert.reasons)
    assert list(alert.steps.values_list("kind", flat=True)) == [AlertStep.Kind.RAISED]


def test_a_retry_with_the_same_key_is_stored_once_and_raises_nothing_more(enrolment, patient):
    first = submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST, idempotency_key="k-1")
    again = submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST, idempotency_key="k-1")

    assert first.created and not again.created
    assert again.check_in.pk == first.check_in.pk
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_a_second_check_in_the_same_day_is_refused_and_changes_nothing(enrolment, patient):
    submit(Actor(user=patient.user), patient, WELL)

    with pytest.raises(InvalidInput) as refused:
        submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)

    assert "already checked in today" in refused.value.fields["authored"][0]
    assert CheckIn.objects.count() == 1 and not Alert.objects.exists()


def test_an_impossible_weight_is_refused_on_its_field_with_nothing_stored(enrolment, patient):
    with pytest.raises(InvalidInput) as refused:
        submit(Actor(user=patient.user), patient, {**WELL, "weight_kg": 700})

    assert list(refused.value.fields) == ["weight_kg"]
    assert not CheckIn.objects.exists()


def test_outside_the_window_the_check_in_is_refused(enrol, patient):
    now = timezone.localtime()
    opens = (now + timedelta(hours=2)).time().replace(microsecond=0)
    closes = (now + timedelta(hours=3)).time().replace(microsecond=0)
    if closes <= opens:
        pytest.skip("the window would cross midnight at this time of day")
    enrol(patient, window_opens=opens, window_closes=closes)

    with pytest.raises(InvalidInput) as refused:
        submit(Actor(user=patient.user), patient, WELL)

    assert "between" in refused.value.fields["authored"][0]
    assert not CheckIn.objects.exists()


def test_someone_not_enrolled_or_not_theirs_to_submit_for_is_refused(enrolment, patient):
    stranger = PersonFactory(user=UserFactory())
    with pytest.raises(InvalidInput):
        submit(Actor(user=stranger.user), patient, WELL)
    with pytest.raises(InvalidInput):
        submit(Actor(user=stranger.user), stranger, WELL)
    assert not CheckIn.objects.exists()


def test_the_persons_words_raise_a_grey_alert_beside_a_green_reading(enrolment, patient):
    submit(Actor(user=patient.user), patient, {**WELL, "remark": "New tablets make me sleepy"})

    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.REMARK and alert.colour == "grey"
    assert "New tablets make me sleepy" in alert.reasons[0]


def test_readings_a_clinician_records_for_the_person_are_on_their_audit_trail(
    enrolment, patient, clinician
):
    submit(Actor(user=clinician), patient, WELL)

    assert AuditEvent.objects.filter(
        person=patient, action=AuditEvent.Action.WRITE, what__startswith="check-in recorded"
    ).exists()


def test_only_the_care_team_handles_an_alert_and_anyone_else_is_told_it_does_not_exist(
    enrolment, patient, hospital
):
    submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)
    alert = Alert.objects.get()
    colleague_not_on_team = RoleFactory(organisation=hospital).user

    with pytest.raises(PersonNotFound):
        actions.acknowledge_alert(Actor(user=colleague_not_on_team), alert_id=alert.pk)
    with pytest.raises(PersonNotFound):
        actions.acknowledge_alert(Actor(user=patient.user), alert_id=alert.pk)
    assert alert.steps.count() == 1


def test_a_green_repeat_within_half_an_hour_of_the_ask_closes_the_alert(
    enrolment, patient, clinician
):
    submit(Actor(user=patient.user), patient, {**WELL, "breathless": "more_than_usual"})
    alert = Alert.objects.get()
    actions.ask_to_remeasure(Actor(user=clinician), alert_id=alert.pk, note="Please weigh again")

    submit(Actor(user=patient.user), patient, WELL, remeasure_for=alert.pk)

    alert.refresh_from_db()
    assert alert.closed_at is not None and alert.outcome == Alert.Outcome.REPEAT_GREEN
    assert list(alert.steps.values_list("kind", flat=True)) == [
        "raised",
        "asked_to_remeasure",
        "remeasured",
        "closed",
    ]


def test_an_alert_no_one_takes_in_hand_by_its_due_time_goes_to_the_next_on_the_team(
    enrolment, patient, backup_clinician
):
    submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)
    alert = Alert.objects.get()

    assert actions.escalate_overdue_alerts(now=alert.due_at - timedelta(seconds=1)) == 0
    assert actions.escalate_overdue_alerts(now=alert.due_at + timedelta(seconds=1)) == 1

    alert.refresh_from_db()
    assert alert.assigned_to == backup_clinician and alert.escalation_level == 1
    assert alert.due_at > timezone.now() + timedelta(minutes=50)


def test_an_acknowledged_alert_is_not_passed_on(enrolment, patient, clinician):
    submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)
    alert = Alert.objects.get()
    actions.acknowledge_alert(Actor(user=clinician), alert_id=alert.pk)

    assert actions.escalate_overdue_alerts(now=alert.due_at + timedelta(minutes=1)) == 0


def test_closing_needs_an_outcome_and_a_closed_alert_takes_no_more_steps(
    enrolment, patient, clinician
):
    submit(Actor(user=patient.user), patient, BREATHLESS_AT_REST)
    alert = Alert.objects.get()
    with pytest.raises(InvalidInput):
        actions.close_alert(Actor(user=clinician), alert_id=alert.pk, outcome="")
    actions.close_alert(Actor(user=clinician), alert_id=alert.pk, outcome="advice", note="Rest")

    from coproduce.errors import Conflict

    with pytest.raises(Conflict):
        actions.acknowledge_alert(Actor(user=clinician), alert_id=alert.pk)
