"""An offer says when and where: the address of the provider offered, on the citizen's
My waits and decline pages, and to staff when they make the offer and see it afterwards."""

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.messaging.models import Message
from coproduce.people.models import Organisation
from tests import factories
from tests.guarantees.test_views import ask, logged_in, offer, page

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def elsewhere():
    return factories.OrganisationFactory(
        kind=Organisation.Kind.HOSPITAL,
        name="Weir Vale Hospital",
        address_line_1="Mill Race Road",
        address_line_2="Gate B <b>",
        town="Weirford",
        postcode="RV13 4WV",
    )


def test_the_citizen_reads_where_the_offer_is(patient, breached, clinician, elsewhere):
    right = offer(clinician, ask(patient, breached), elsewhere)
    client = logged_in(patient.user)
    html = page(client.get("/waits/"))
    where = "Weir Vale Hospital<br>Mill Race Road<br>Gate B &lt;b&gt;<br>Weirford<br>RV13 4WV"
    assert where in html
    html = page(client.get(f"/waits/offers/{right.pk}/decline/"))
    assert "Mill Race Road<br>Gate B &lt;b&gt;<br>Weirford<br>RV13 4WV" in html
    client.post(f"/waits/offers/{right.pk}/accept/")
    html = page(client.get("/waits/"))
    assert "The address is Mill Race Road, Gate B &lt;b&gt;, Weirford, RV13 4WV." in html


def test_an_organisation_without_an_address_is_named_with_its_area(patient, breached, clinician):
    bare = factories.OrganisationFactory(
        kind=Organisation.Kind.HOSPITAL,
        name="Bare Hospital",
        locality=factories.LocalityFactory(name="Eastfield"),
    )
    offer(clinician, ask(patient, breached), bare)
    html = page(logged_in(patient.user).get("/waits/"))
    assert "Bare Hospital, Eastfield</dd>" in html
    assert "The address is" not in html


def test_staff_are_told_the_address_they_offered(patient, breached, clinician, elsewhere):
    right = ask(patient, breached)
    client = logged_in(clinician)
    day = TODAY + dt.timedelta(days=9)
    response = client.post(
        f"/waits/rights/{right.pk}/offer/",
        {
            "provider": elsewhere.pk,
            "appointment_on_day": day.day,
            "appointment_on_month": day.month,
            "appointment_on_year": day.year,
        },
        follow=True,
    )
    assert "at Weir Vale Hospital, Mill Race Road, Gate B &lt;b&gt;, Weirford, RV13 4WV on" in page(
        response
    )
    # The request's page, after the offer, says where too.
    html = page(client.get(f"/waits/rights/{right.pk}/treated/"))
    assert "Mill Race Road<br>Gate B &lt;b&gt;<br>Weirford<br>RV13 4WV" in html


def test_every_place_people_are_sent_to_in_the_demo_has_an_address():
    from coproduce.people.demo_region import ORGANISATIONS, organisation_address

    for provider in ORGANISATIONS:
        address = organisation_address(provider)
        assert address["address_line_1"] and address["town"], provider.name
        assert address["postcode"].startswith("RV"), provider.name


def test_the_offer_message_says_where(patient, breached, clinician, elsewhere):
    offer(clinician, ask(patient, breached), elsewhere)
    message = Message.objects.filter(person=patient).order_by("-pk").first()
    assert "Weir Vale Hospital, Mill Race Road, Gate B <b>, Weirford, RV13 4WV can see you on" in (
        message.body
    )
