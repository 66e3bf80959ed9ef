"""Staff are offered what fits the wait and their work: a right stops showing as owed once
its stage ends, the event form lists what can happen next in that wait's scheme, and the
waiting list is in the header only for staff of a provider with waits."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.errors import RuleViolation
from coproduce.guarantees import actions
from coproduce.guarantees.models import Right, StageRecord
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Role
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rtt_wait(clinician, patient, hospital, referred_days_ago=None):
    actor = Actor(user=clinician)
    pathway = actions.open_pathway(
        actor,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Orthopaedics",
    )
    if referred_days_ago is not None:
        actions.record_event(
            actor,
            pathway_id=pathway.pk,
            type="referral",
            occurred_on=TODAY - dt.timedelta(days=referred_days_ago),
        )
    return pathway


def offered_events(html: str) -> list[str]:
    select = html.split('id="type" name="type"', 1)[1].split("</select>", 1)[0]
    return [label.strip() for label in re.findall(r"<option value=\"\w+\"[^>]*>([^<]+)<", select)]


def test_an_owed_right_is_no_longer_owed_once_the_stage_ends(clinician, patient, hospital):
    wait = rtt_wait(clinician, patient, hospital, referred_days_ago=200)
    client = signed_in(clinician)
    url = reverse("guarantees:pathway", kwargs={"pathway_id": wait.pk})
    assert "Owed: the person can ask" in client.get(url).content.decode()

    actions.record_event(
        Actor(user=clinician), pathway_id=wait.pk, type="treatment", occurred_on=TODAY
    )

    html = client.get(url).content.decode()
    assert "Owed: the person can ask" not in html
    assert "No longer owed: the stage ended before they asked" in html
    # My waits says the same to the person, and nobody can ask any more.
    mine = signed_in(patient.user).get(reverse("guarantees:my-waits")).content.decode()
    assert "You can ask" not in mine
    with pytest.raises(RuleViolation, match="This stage is over"):
        actions.ask_for_care_elsewhere(Actor(user=patient.user), pathway_id=wait.pk, stage="rtt")
    assert Right.objects.get(pathway=wait).requested_at is None


def test_the_event_form_offers_what_can_happen_next_in_this_scheme(clinician, patient, hospital):
    wait = rtt_wait(clinician, patient, hospital)
    client = signed_in(clinician)
    url = reverse("guarantees:pathway", kwargs={"pathway_id": wait.pk})

    before = offered_events(client.get(url).content.decode())
    assert "Referral received" in before
    assert "Treatment started" not in before and "Did not attend" not in before
    # Other schemes' events are never offered.
    for elsewhere in ("GP visit", "Assessment", "Contact with the health centre"):
        assert elsewhere not in before

    actions.record_event(
        Actor(user=clinician), pathway_id=wait.pk, type="referral", occurred_on=TODAY
    )
    running = offered_events(client.get(url).content.decode())
    assert "Treatment started" in running and "Did not attend" in running
    assert "Appointment rebooked" not in running

    actions.record_event(
        Actor(user=clinician), pathway_id=wait.pk, type="treatment", occurred_on=TODAY
    )
    ended = offered_events(client.get(url).content.decode())
    assert "Did not attend" not in ended and "Decision not to treat" not in ended


def test_an_event_of_another_scheme_is_refused_on_its_field(clinician, patient, hospital):
    wait = rtt_wait(clinician, patient, hospital)
    response = signed_in(clinician).post(
        reverse("guarantees:pathway", kwargs={"pathway_id": wait.pk}),
        {
            "type": "gp_visit",
            "occurred_on_day": TODAY.day,
            "occurred_on_month": TODAY.month,
            "occurred_on_year": TODAY.year,
        },
    )
    assert "Select what happened from the list" in response.content.decode()
    assert not wait.events.exists()


def test_the_waiting_list_is_in_the_header_only_for_staff_of_a_provider_with_waits(
    clinician, patient, hospital
):
    rtt_wait(clinician, patient, hospital, referred_days_ago=10)
    worklist = f'href="{reverse("guarantees:worklist")}"'
    assert worklist in signed_in(clinician).get(reverse("web:dashboard")).content.decode()
    social_worker = factories.RoleFactory(
        organisation=factories.OrganisationFactory(kind=Organisation.Kind.COUNCIL),
        kind=Role.Kind.LEAD_PROFESSIONAL,
    ).user
    html = signed_in(social_worker).get(reverse("web:dashboard")).content.decode()
    assert worklist not in html
    # Statistics and the person search are everyone's on staff.
    assert f'href="{reverse("guarantees:statistics")}"' in html and "Find a person" in html


def test_nobody_in_the_demo_waits_months_for_a_three_day_assessment(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", people=600, seed=3, stdout=StringIO())
    assessments = StageRecord.objects.filter(stage="assessment", start__isnull=False)
    still_waiting = assessments.filter(end__isnull=True)
    assert still_waiting.exists()  # some contacts are waiting for their assessment...
    longest = max(TODAY - record.start for record in still_waiting)
    assert longest <= dt.timedelta(days=28)  # ...but only for days or weeks


def test_the_api_says_a_right_is_no_longer_owed_once_the_stage_ends(clinician, patient, hospital):
    wait = rtt_wait(clinician, patient, hospital, referred_days_ago=200)
    still_owed = rtt_wait(clinician, patient, hospital, referred_days_ago=200)
    actions.record_event(
        Actor(user=clinician), pathway_id=wait.pk, type="treatment", occurred_on=TODAY
    )
    client = signed_in(clinician)
    ended = Right.objects.get(pathway=wait)
    assert client.get(f"/api/guarantees/rights/{ended.pk}").json()["status"] == "ended"
    owed = client.get("/api/guarantees/rights", {"status": "owed"}).json()["results"]
    assert [right["pathway_id"] for right in owed] == [str(still_owed.pk)]
    listed = client.get("/api/guarantees/rights", {"status": "ended"}).json()["results"]
    assert [right["id"] for right in listed] == [ended.pk]
    detail = client.get(f"/api/guarantees/pathways/{wait.pk}").json()
    assert [right["status"] for right in detail["rights"]] == ["ended"]
