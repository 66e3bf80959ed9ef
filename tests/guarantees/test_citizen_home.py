"""The citizen's home says the latest state of each wait (asked, an offer to answer, an offer
accepted), and a wait that is over is never listed as current."""

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests import factories
from tests.guarantees.test_views import ask, logged_in, page

pytestmark = pytest.mark.django_db


def _offer(clinician, right, elsewhere, *, in_days=10):
    return actions.offer_care_elsewhere(
        Actor(user=clinician),
        right_id=right.pk,
        provider_id=elsewhere.pk,
        appointment_on=timezone.localdate() + dt.timedelta(days=in_days),
    )


def _home(patient) -> str:
    return page(logged_in(patient.user).get("/home/"))


def test_the_home_follows_a_wait_from_missed_to_asked_offered_accepted_and_treated(
    patient, breached, clinician
):
    elsewhere = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Eastfield")
    html = _home(patient)
    assert "1 has missed its deadline: you can ask for care elsewhere." in html

    right = ask(patient, breached)
    html = _home(patient)
    assert "missed its deadline" not in html
    respond_by = right.respond_by.strftime("%-d %B %Y")
    assert f"You asked for care elsewhere: the region must offer it by {respond_by}." in html

    right = _offer(clinician, right, elsewhere)
    html = _home(patient)
    day = right.offered_appointment_on.strftime("%-d %B %Y")
    assert f"Eastfield has offered you an appointment on {day}" in html
    assert "Answer the offer" in html
    assert "You asked for care elsewhere" not in html

    actions.reply_to_offer(Actor(user=patient.user), right_id=right.pk, accept=True)
    html = _home(patient)
    assert f"You accepted an appointment at Eastfield on {day}." in html
    assert "Answer the offer" not in html

    actions.record_treated_elsewhere(
        Actor(user=clinician), right_id=right.pk, treated_on=timezone.localdate()
    )
    html = _home(patient)
    assert "You are not waiting for anything now." in html
    assert "You accepted" not in html and "You are waiting for" not in html


def test_the_home_is_never_served_from_a_cache(patient):
    response = logged_in(patient.user).get("/home/")
    assert "no-store" in response["Cache-Control"]
