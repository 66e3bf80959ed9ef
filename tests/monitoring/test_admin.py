"""The back office shows a person's monitoring and never changes it; each look is on the
person's audit trail."""

import pytest

from coproduce.monitoring import actions
from coproduce.monitoring.models import Alert
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent

pytestmark = pytest.mark.django_db

BREATHLESS_AT_REST = {
    "weight_kg": 80.2,
    "breathless": "at_rest",
    "ankles_more_swollen": False,
    "more_pillows": False,
    "dizzy": False,
}


@pytest.fixture
def red_alert(enrolment, patient):
    actions.record_check_in(
        Actor(user=patient.user),
        actions.Submission(patient.pk, "heart-failure", BREATHLESS_AT_REST),
        source="web",
    )
    return Alert.objects.get()


@pytest.mark.parametrize(
    "page",
    [
        "monitoring/enrolment/{enrolment}",
        "monitoring/checkin/{check_in}",
        "monitoring/alert/{alert}",
    ],
)
def test_opening_a_persons_monitoring_in_the_back_office_is_on_their_trail(
    page, client, admin_user, red_alert, patient
):
    client.force_login(admin_user)
    url = "/admin/" + page.format(
        enrolment=red_alert.enrolment_id, check_in=red_alert.check_in_id, alert=red_alert.pk
    )

    response = client.get(url + "/change/")

    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(
            person=patient, via=AuditEvent.Via.ADMIN, action=AuditEvent.Action.READ
        ).count()
        == 1
    )
    assert b'name="_save"' not in response.content
