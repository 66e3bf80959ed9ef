"""My waits puts what needs an answer first (an offer, a missed deadline to ask about), and an
offer says when and where, in words about the person a carer acts for."""

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Relationship
from tests import factories
from tests.guarantees.test_views import ask, logged_in, open_rtt, page

pytestmark = pytest.mark.django_db


def test_an_offer_to_answer_comes_before_a_request_still_waiting(
    patient, clinician, hospital, breached
):
    elsewhere = factories.OrganisationFactory(
        kind=Organisation.Kind.HOSPITAL,
        name="Eastfield Hospital",
        locality=factories.LocalityFactory(name="Eastfield"),
    )
    right = actions.offer_care_elsewhere(
        Actor(user=clinician),
        right_id=ask(patient, breached).pk,
        provider_id=elsewhere.pk,
        appointment_on=timezone.localdate() + dt.timedelta(days=9),
    )
    # Opened later, so listed first before: still waiting for the region, nothing to answer.
    requested = open_rtt(clinician, patient, hospital, referred_days_ago=140, service="Asked")
    ask(patient, requested)

    html = page(logged_in(patient.user).get("/waits/"))
    assert html.index(f'id="wait-{breached.pk}"') < html.index(f'id="wait-{requested.pk}"')
    day = right.offered_appointment_on
    assert f"Eastfield Hospital can see you on {day.strftime('%-d %B %Y')}." in html
    assert day.strftime("%A %-d %B %Y") in html  # When
    assert "Eastfield Hospital, Eastfield" in html  # Where

    carer = factories.RelationshipFactory(
        person=patient, scope=Relationship.Scope.MANAGE, proxy__user=factories.UserFactory()
    ).proxy
    html = page(logged_in(carer.user).get(f"/waits/for/{patient.pk}/"))
    assert "can see you" not in html
    assert "Eastfield Hospital can see Ada" in html
