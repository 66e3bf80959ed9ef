"""The write path: events are facts, the stored clock follows them, and a breach gives the
person their right and one notification, however many times the clock is evaluated."""

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from coproduce import events
from coproduce.errors import InvalidInput, RuleViolation
from coproduce.guarantees import actions
from coproduce.guarantees.models import EventImmutable, PathwayEvent, Right, StageRecord
from coproduce.guarantees.queries import RightStatus, pathway_clocks, right_status
from coproduce.messaging.models import Message
from coproduce.people.access import Actor, PersonNotFound
from coproduce.people.models import AuditEvent, Organisation
from tests.factories import CareRelationshipFactory, OrganisationFactory, RoleFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def hospital():
    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return Actor(user=RoleFactory(organisation=hospital).user)


@pytest.fixture
def patient(hospital):
    return CareRelationshipFactory(organisation=hospital).person


def open_rtt(clinician, patient, hospital, referred_days_ago: int):
    pathway = actions.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    actions.record_event(
        clinician, pathway_id=pathway.pk, type="referral", occurred_on=days_ago(referred_days_ago)
    )
    return pathway


def breach_messages(patient):
    return Message.objects.filter(person=patient, key__startswith="guarantee-breach-")


def test_a_running_wait_is_stored_with_its_deadline(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=20)
    record = StageRecord.objects.get(pathway=pathway)
    assert (record.status, record.start, record.deadline) == (
        "running",
        days_ago(20),
        days_ago(20) + dt.timedelta(days=126),
    )
    assert not Right.objects.exists()
    assert AuditEvent.objects.filter(person=patient, what__startswith="wait").exists()


def test_recording_a_late_referral_breaches_at_once_and_notifies_once(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=130)
    right = Right.objects.get(pathway=pathway)
    assert right.breached_on == days_ago(130) + dt.timedelta(days=127)
    assert right_status(right) == RightStatus.OWED
    assert breach_messages(patient).count() == 1
    # The message names the guarantee as people in England know it, not by its code.
    body = breach_messages(patient).get().body
    assert "Your deadline under NHS Constitution: the right to start treatment" in body
    assert pathway.scheme.code not in body
    # Another event and another evaluation change nothing about the right.
    actions.record_event(
        clinician, pathway_id=pathway.pk, type="first_visit", occurred_on=days_ago(2)
    )
    actions.evaluate_pathway(pathway.pk)
    assert Right.objects.filter(pathway=pathway).count() == 1
    assert breach_messages(patient).count() == 1


def test_time_passing_breaches_a_wait_when_the_job_runs(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=120)
    assert actions.detect_breaches(TODAY) == 0
    assert actions.detect_breaches(TODAY + dt.timedelta(days=7)) == 1
    assert Right.objects.get(pathway=pathway).breached_on == days_ago(120) + dt.timedelta(127)
    assert actions.detect_breaches(TODAY + dt.timedelta(days=8)) == 0


def test_a_bad_event_is_refused_with_field_errors_and_changes_nothing(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=10)
    before = PathwayEvent.objects.count()
    cases = [
        ({"type": "teleported"}, "type"),
        ({"occurred_on": TODAY + dt.timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": dt.date(1980, 1, 1)}, "occurred_on"),
        ({"type": "entered_in_error"}, "corrects"),
        ({"corrects_id": 999999}, "corrects"),
    ]
    for override, field in cases:
        values = {"type": "first_visit", "occurred_on": days_ago(1)} | override
        with pytest.raises(InvalidInput) as refused:
            actions.record_event(clinician, pathway_id=pathway.pk, **values)
        assert field in refused.value.fields
    assert PathwayEvent.objects.count() == before


def test_a_correction_withdraws_an_event_but_keeps_it(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=30)
    treated = actions.record_event(
        clinician, pathway_id=pathway.pk, type="treatment", occurred_on=days_ago(1)
    )
    assert StageRecord.objects.get(pathway=pathway).status == "met"
    actions.record_event(
        clinician,
        pathway_id=pathway.pk,
        type="entered_in_error",
        occurred_on=TODAY,
        corrects_id=treated.pk,
        note="Wrong patient",
    )
    assert StageRecord.objects.get(pathway=pathway).status == "running"
    assert PathwayEvent.objects.filter(pathway=pathway).count() == 3
    with pytest.raises(InvalidInput):
        actions.record_event(
            clinician,
            pathway_id=pathway.pk,
            type="entered_in_error",
            occurred_on=TODAY,
            corrects_id=treated.pk,
        )


def test_events_cannot_be_edited_or_deleted(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=30)
    event = pathway.events.get()
    event.occurred_on = TODAY
    with pytest.raises(EventImmutable):
        event.save()
    with pytest.raises(EventImmutable):
        PathwayEvent.objects.filter(pk=event.pk).update(occurred_on=TODAY)
    with pytest.raises(EventImmutable):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_change_an_event(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=30)
    event = pathway.events.get()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE guarantees_pathwayevent SET occurred_on = %s WHERE id = %s",
            [TODAY, event.pk],
        )
    assert PathwayEvent.objects.get(pk=event.pk).occurred_on == days_ago(30)


def test_an_import_key_makes_recording_idempotent(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=30)
    for _ in range(2):
        actions.record_event(
            clinician,
            pathway_id=pathway.pk,
            type="first_visit",
            occurred_on=days_ago(3),
            source_key="PAS-1",
            source=PathwayEvent.Source.IMPORT,
        )
    assert pathway.events.filter(type="first_visit").count() == 1


def test_staff_without_a_basis_cannot_see_or_record(patient, hospital, clinician):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=30)
    stranger = Actor(user=RoleFactory().user)
    colleague_without_access = Actor(user=RoleFactory(organisation=OrganisationFactory()).user)
    for actor in (stranger, colleague_without_access):
        with pytest.raises(PersonNotFound):
            actions.record_event(actor, pathway_id=pathway.pk, type="treatment", occurred_on=TODAY)
    assert pathway.events.count() == 1


def test_the_right_is_tracked_to_treatment_elsewhere(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=140)
    person = Actor(user=_sign_in_for(patient))
    right = actions.ask_for_care_elsewhere(person, pathway_id=pathway.pk, stage="rtt")
    assert right_status(right) == RightStatus.REQUESTED
    assert right.respond_by == TODAY + dt.timedelta(days=14)
    elsewhere = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    right = actions.offer_care_elsewhere(
        clinician, right_id=right.pk, provider_id=elsewhere.pk, appointment_on=TODAY
    )
    assert Message.objects.filter(key=f"guarantee-offer-{right.pk}").exists()
    with pytest.raises(RuleViolation):
        actions.record_treated_elsewhere(clinician, right_id=right.pk, treated_on=TODAY)
    actions.reply_to_offer(person, right_id=right.pk, accept=True)
    right = actions.record_treated_elsewhere(clinician, right_id=right.pk, treated_on=TODAY)
    assert right_status(right) == RightStatus.TREATED
    (clock,) = pathway_clocks(pathway)
    assert (clock.status, clock.end) == ("breached", TODAY)


def test_declining_the_alternative_lapses_the_stage(clinician, patient, hospital):
    pathway = actions.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code="se-vardgaranti-2019",
        provider_id=hospital.pk,
        service="Ortopedi",
    )
    actions.record_event(
        clinician, pathway_id=pathway.pk, type="referral", occurred_on=days_ago(100)
    )
    person = Actor(user=_sign_in_for(patient))
    right = actions.ask_for_care_elsewhere(person, pathway_id=pathway.pk, stage="specialist_visit")
    actions.offer_care_elsewhere(
        clinician,
        right_id=right.pk,
        provider_id=OrganisationFactory().pk,
        appointment_on=TODAY + dt.timedelta(days=5),
    )
    actions.reply_to_offer(person, right_id=right.pk, accept=False)
    clock = next(c for c in pathway_clocks(pathway) if c.stage == "specialist_visit")
    assert (clock.status, clock.start, clock.end) == ("lapsed", days_ago(100), TODAY)


def test_asking_before_a_breach_is_refused(clinician, patient, hospital):
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=10)
    with pytest.raises(RuleViolation):
        actions.ask_for_care_elsewhere(
            Actor(user=_sign_in_for(patient)), pathway_id=pathway.pk, stage="rtt"
        )
    assert not Right.objects.exists()


def test_a_breach_is_announced_after_commit(
    clinician, patient, hospital, django_capture_on_commit_callbacks
):
    heard = []

    def listener(event):
        heard.append(event.payload["stage"])

    events.subscribe("guarantee.breached")(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            open_rtt(clinician, patient, hospital, referred_days_ago=200)
    finally:
        events.unsubscribe("guarantee.breached", listener)
    assert heard == ["rtt"]


def _sign_in_for(person):
    from tests.factories import UserFactory

    user = UserFactory()
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_create_one_right_and_one_message():
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    clinician = Actor(user=RoleFactory(organisation=hospital).user)
    patient = CareRelationshipFactory(organisation=hospital).person
    pathway = open_rtt(clinician, patient, hospital, referred_days_ago=120)
    later = TODAY + dt.timedelta(days=30)
    start = threading.Barrier(2)
    failures = []

    def evaluate():
        try:
            start.wait()
            actions.evaluate_pathway(pathway.pk, later)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Right.objects.filter(pathway=pathway).count() == 1
    assert breach_messages(patient).count() == 1


def test_an_old_wait_that_ended_late_is_counted_but_owes_no_right(hospital, patient):
    pathway = actions.open_pathway(
        Actor.system(),
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    actions.record_events(
        Actor.system(),
        pathway_id=pathway.pk,
        facts=[
            actions.NewEvent("referral", days_ago(400), source_key="A1"),
            actions.NewEvent("treatment", days_ago(200), source_key="A2"),
        ],
    )
    assert StageRecord.objects.get(pathway=pathway).status == "breached"
    assert not Right.objects.exists()
    assert not breach_messages(patient).exists()
    written = AuditEvent.objects.filter(
        person=patient, what__contains="Referral received, Treatment started"
    )
    assert written.get().why.startswith("Recorded by the platform (import)")


def test_operators_can_run_breach_detection_and_a_statistics_rebuild(
    clinician, patient, hospital, monkeypatch
):
    from io import StringIO

    from django.core.management import call_command

    with monkeypatch.context() as earlier:
        # Recorded ten days ago, when the wait was still within 18 weeks.
        earlier.setattr(timezone, "localdate", lambda *args: days_ago(10))
        pathway = open_rtt(clinician, patient, hospital, referred_days_ago=130)
    assert not Right.objects.exists()
    out = StringIO()
    call_command("guarantees", "detect-breaches", stdout=out)
    assert "Re-evaluated 1 waits" in out.getvalue()
    assert Right.objects.filter(pathway=pathway).count() == 1
    assert breach_messages(patient).count() == 1
    call_command("guarantees", "rebuild-statistics", stdout=out)
    assert "Rebuilt the statistics" in out.getvalue()
