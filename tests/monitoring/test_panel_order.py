"""The panel puts a new red no one has taken in hand above reds already being dealt with, so a
clinician opening it sees first what waits for them."""

import pytest

from coproduce.monitoring import actions
from coproduce.monitoring.staff_queries import panel_enrolments
from coproduce.people.access import Actor
from tests.factories import CareRelationshipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

BREATHLESS_AT_REST = {
    "weight_kg": 80.2,
    "breathless": "at_rest",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}


def red_check_in(person):
    return actions.record_check_in(
        Actor(user=person.user),
        actions.Submission(person.pk, "heart-failure", BREATHLESS_AT_REST),
        source="web",
    ).alert


def test_a_new_red_is_above_a_red_already_in_hand_though_due_later(
    enrol, hospital, clinician, patient
):
    enrol(patient)
    earlier = red_check_in(patient)
    actions.acknowledge_alert(Actor(user=clinician), alert_id=earlier.pk)
    newcomer = PersonFactory(user=UserFactory())
    CareRelationshipFactory(person=newcomer, organisation=hospital)
    enrol(newcomer)
    red_check_in(newcomer)

    order = [enrolment.person for enrolment in panel_enrolments(Actor(user=clinician))]

    assert order == [newcomer, patient]


def test_a_red_in_hand_with_an_unread_remark_is_not_a_waiting_red(
    enrol, hospital, clinician, patient
):
    enrol(patient)
    in_hand = actions.record_check_in(
        Actor(user=patient.user),
        actions.Submission(
            patient.pk, "heart-failure", {**BREATHLESS_AT_REST, "remark": "Feeling worse"}
        ),
        source="web",
    ).alert
    actions.acknowledge_alert(Actor(user=clinician), alert_id=in_hand.pk)
    newcomer = PersonFactory(user=UserFactory())
    CareRelationshipFactory(person=newcomer, organisation=hospital)
    enrol(newcomer)
    red_check_in(newcomer)

    order = [enrolment.person for enrolment in panel_enrolments(Actor(user=clinician))]

    assert order == [newcomer, patient]
