"""Waits pages: My waits (own and as a proxy) with the right to care elsewhere in one step,
the staff worklist, a pathway's page with its event forms, opening a wait, offering care
elsewhere and recording treatment there, and the home tiles."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.guarantees.models import Pathway, PathwayEvent, Right
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Organisation, Relationship
from tests import factories
from tests.factories import HOSTILE, HOSTILE_TYPED

pytestmark = pytest.mark.django_db

ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def page(response) -> str:
    return response.content.decode()


def assert_escaped(html: str) -> None:
    assert "<script>alert(" not in html
    assert ESCAPED in html


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hospital():
    return factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def other_hospital():
    return factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return factories.RoleFactory(organisation=hospital, job_title="Consultant").user


@pytest.fixture
def patient(hospital):
    person = factories.PersonFactory(user=factories.UserFactory())
    factories.CareRelationshipFactory(person=person, organisation=hospital)
    return person


def open_rtt(clinician, patient, hospital, referred_days_ago: int, service="Orthopaedics"):
    actor = Actor(user=clinician)
    pathway = actions.open_pathway(
        actor,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service=f"{service} {HOSTILE}",
    )
    actions.record_event(
        actor, pathway_id=pathway.pk, type="referral", occurred_on=days_ago(referred_days_ago)
    )
    return pathway


@pytest.fixture
def breached(clinician, patient, hospital):
    """Referred 130 days ago: 4 days past the 126-day deadline."""
    return open_rtt(clinician, patient, hospital, referred_days_ago=130)


def ask(patient, pathway) -> Right:
    return actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=pathway.pk, stage="rtt"
    )


# --- My waits ------------------------------------------------------------------------------


def test_my_waits_needs_sign_in(client):
    response = client.get("/waits/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_my_waits_is_not_found_for_staff_without_a_record(clinician):
    assert logged_in(clinician).get("/waits/").status_code == 404


def test_citizen_sees_a_breached_wait_with_the_button(patient, breached):
    response = logged_in(patient.user).get("/waits/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = page(response)
    assert_escaped(html)
    assert "<title>My waits" in html
    assert "within 18 weeks of being referred" in html
    assert "Deadline missed" in html
    assert "4 days past the deadline" in html
    deadline = days_ago(130) + dt.timedelta(days=126)
    assert f"{deadline.day} {deadline:%B %Y}" in html
    assert "130 days (the guarantee allows 126)" in html
    assert breached.scheme.right_on_breach in html
    assert f'href="/waits/ask/{breached.pk}/rtt/"' in html
    assert "Ask for care elsewhere" in html
    # Looking at your own waits is not written to your audit trail.
    assert not AuditEvent.objects.filter(person=patient, action="read").exists()


def test_my_waits_query_count_does_not_grow_with_the_waits(clinician, patient, hospital):
    def count_queries() -> int:
        client = logged_in(patient.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/waits/").status_code == 200
        return len(queries)

    open_rtt(clinician, patient, hospital, referred_days_ago=130)
    open_rtt(clinician, patient, hospital, referred_days_ago=20)
    few = count_queries()
    for ago in (5, 50, 110):
        open_rtt(clinician, patient, hospital, referred_days_ago=ago)
    assert count_queries() == few


def test_a_running_wait_shows_its_countdown_and_no_button(clinician, patient, hospital):
    open_rtt(clinician, patient, hospital, referred_days_ago=110)
    html = page(logged_in(patient.user).get("/waits/"))
    assert "At risk" in html
    assert "16 days left" in html
    assert "What happens if the deadline is missed" in html
    assert "/waits/ask/" not in html


def test_days_not_counted_are_shown_with_why(clinician, patient, hospital):
    actor = Actor(user=clinician)
    pathway = actions.open_pathway(
        actor,
        person_id=patient.pk,
        scheme_code="se-vardgaranti-2019",
        provider_id=hospital.pk,
        service="Physiotherapy",
    )
    for kind, ago in (("referral", 60), ("patient_wait_start", 40), ("patient_wait_end", 30)):
        actions.record_event(actor, pathway_id=pathway.pk, type=kind, occurred_on=days_ago(ago))
    actions.record_event(
        actor, pathway_id=pathway.pk, type="medical_wait_start", occurred_on=days_ago(5)
    )
    html = page(logged_in(patient.user).get("/waits/"))
    assert "10 days for a longer wait agreed with the clinician (patient-chosen wait)" in html
    assert "5 days for a wait for a medical reason" in html
    assert "The clock is paused for a wait for a medical reason" in html
    assert "Not started" in html  # the treatment stage


def test_asking_for_care_elsewhere_creates_the_request(patient, breached):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    html = page(client.get("/waits/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(f"/waits/ask/{breached.pk}/rtt/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == f"/waits/#wait-{breached.pk}"
    right = Right.objects.get(pathway=breached)
    assert right_status(right) == RightStatus.REQUESTED
    respond_by = TODAY + dt.timedelta(days=breached.scheme.response_days)
    assert right.respond_by == respond_by
    html = page(client.get("/waits/"))
    assert f"The region must reply by {respond_by.day} {respond_by:%B %Y}" in html
    assert "/waits/ask/" not in html
    # Asking again changes nothing.
    client.post(f"/waits/ask/{breached.pk}/rtt/", {"csrfmiddlewaretoken": token})
    assert Right.objects.get(pathway=breached).requested_at == right.requested_at


def test_asking_needs_a_post_and_a_breach(clinician, patient, hospital):
    running = open_rtt(clinician, patient, hospital, referred_days_ago=20)
    client = logged_in(patient.user)
    checked = client.get(f"/waits/ask/{running.pk}/rtt/", follow=True)
    assert "Care elsewhere cannot be asked for on this wait now." in page(checked)
    assert not Right.objects.exists()
    response = client.post(f"/waits/ask/{running.pk}/rtt/", follow=True)
    assert "once the guarantee for this stage is broken" in page(response)
    assert not Right.objects.exists()


def test_nobody_else_can_ask_or_see(patient, breached, clinician):
    stranger = factories.PersonFactory(user=factories.UserFactory())
    client = logged_in(stranger.user)
    assert client.post(f"/waits/ask/{breached.pk}/rtt/").status_code == 404
    assert client.get(f"/waits/for/{patient.pk}/").status_code == 404
    assert right_status(Right.objects.get(pathway=breached)) == RightStatus.OWED


def test_a_proxy_sees_their_persons_waits_and_can_ask(patient, breached):
    carer = factories.PersonFactory(user=factories.UserFactory())
    factories.RelationshipFactory(person=patient, proxy=carer, scope=Relationship.Scope.MANAGE)
    client = logged_in(carer.user)
    html = page(client.get("/waits/"))
    assert f'href="/waits/for/{patient.pk}/"' in html
    response = client.get(f"/waits/for/{patient.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Waits for" in html and "Deadline missed" in html
    assert AuditEvent.objects.filter(person=patient, what="waits (My waits page)").exists()
    response = client.post(f"/waits/ask/{breached.pk}/rtt/")
    assert response["Location"] == f"/waits/for/{patient.pk}/#wait-{breached.pk}"
    assert right_status(Right.objects.get(pathway=breached)) == RightStatus.REQUESTED


def test_a_proxy_who_may_only_look_gets_no_button(patient, breached):
    viewer = factories.PersonFactory(user=factories.UserFactory())
    factories.RelationshipFactory(person=patient, proxy=viewer, scope=Relationship.Scope.VIEW)
    client = logged_in(viewer.user)
    html = page(client.get(f"/waits/for/{patient.pk}/"))
    assert "Deadline missed" in html
    assert "/waits/ask/" not in html
    assert client.post(f"/waits/ask/{breached.pk}/rtt/").status_code == 404
    assert right_status(Right.objects.get(pathway=breached)) == RightStatus.OWED


def offer(clinician, right, provider, in_days=10) -> Right:
    return actions.offer_care_elsewhere(
        Actor(user=clinician),
        right_id=right.pk,
        provider_id=provider.pk,
        appointment_on=TODAY + dt.timedelta(days=in_days),
    )


def test_an_offer_can_be_accepted(patient, breached, clinician, other_hospital):
    right = offer(clinician, ask(patient, breached), other_hospital)
    client = logged_in(patient.user)
    html = page(client.get("/waits/"))
    assert "An offer of care elsewhere" in html
    assert f'action="/waits/offers/{right.pk}/accept/"' in html
    assert f'href="/waits/offers/{right.pk}/decline/"' in html
    response = client.post(f"/waits/offers/{right.pk}/accept/", follow=True)
    assert "You accepted the appointment" in page(response)
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.ACCEPTED


def test_declining_warns_first_then_lapses(patient, clinician, hospital, other_hospital):
    actor = Actor(user=clinician)
    pathway = actions.open_pathway(
        actor,
        person_id=patient.pk,
        scheme_code="se-vardgaranti-2019",
        provider_id=hospital.pk,
        service="Physiotherapy",
    )
    actions.record_event(actor, pathway_id=pathway.pk, type="referral", occurred_on=days_ago(95))
    right = actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=pathway.pk, stage="specialist_visit"
    )
    right = offer(clinician, right, other_hospital)
    client = logged_in(patient.user)
    response = client.get(f"/waits/offers/{right.pk}/decline/")
    assert response.status_code == 200
    html = page(response)
    assert "Are you sure you want to decline the appointment?" in html
    assert "the guarantee no longer applies to this wait" in html
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.OFFERED
    client.post(f"/waits/offers/{right.pk}/decline/")
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.DECLINED
    html = page(client.get("/waits/"))
    assert "Lapsed" in html
    assert "the guarantee no longer applies to this stage" in html


def test_someone_elses_offer_is_not_found(patient, breached, clinician, other_hospital):
    right = offer(clinician, ask(patient, breached), other_hospital)
    stranger = logged_in(factories.PersonFactory(user=factories.UserFactory()).user)
    assert stranger.get(f"/waits/offers/{right.pk}/decline/").status_code == 404
    assert stranger.post(f"/waits/offers/{right.pk}/accept/").status_code == 404
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.OFFERED


# --- The staff worklist --------------------------------------------------------------------


def test_the_worklist_lists_requests_and_waits_at_risk(patient, breached, clinician, hospital):
    ask(patient, breached)
    other = factories.PersonFactory(given_name="Zed")
    factories.CareRelationshipFactory(person=other, organisation=hospital)
    at_risk = open_rtt(clinician, other, hospital, referred_days_ago=110)
    open_rtt(clinician, other, hospital, referred_days_ago=10)  # not at risk: not listed
    before = AuditEvent.objects.filter(what="name and wait (waiting list worklist)").count()

    response = logged_in(clinician).get("/waits/worklist/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Requests for care elsewhere" in html
    assert "1 request in hand" in html
    right = Right.objects.get(pathway=breached)
    assert f'href="/waits/rights/{right.pk}/offer/"' in html
    assert "Waiting for an offer" in html
    assert "2 waits at risk or past the deadline" in html
    assert html.index(f"/waits/pathways/{breached.pk}/") < html.index(
        f"/waits/pathways/{at_risk.pk}/"
    )
    assert "16 days left" in html and "4 days past the deadline" in html
    listed = AuditEvent.objects.filter(what="name and wait (waiting list worklist)")
    assert listed.count() - before == 2
    assert set(listed.values_list("person_id", flat=True)) == {patient.pk, other.pk}


def test_the_worklist_shows_only_people_the_staff_may_see(clinician, hospital):
    unseen = factories.PersonFactory()
    system = Actor.system()
    pathway = actions.open_pathway(
        system,
        person_id=unseen.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    actions.record_event(system, pathway_id=pathway.pk, type="referral", occurred_on=days_ago(130))
    # The care relationship the wait gave the hospital has ended.
    unseen.care_relationships.update(ends_on=days_ago(1), starts_on=days_ago(200))
    html = page(logged_in(clinician).get("/waits/worklist/"))
    assert f"/waits/pathways/{pathway.pk}/" not in html
    assert "No wait here is at risk or past its deadline." in html


def test_the_worklist_chooses_among_the_staffs_organisations(clinician, breached, other_hospital):
    factories.RoleFactory(user=clinician, organisation=other_hospital)
    client = logged_in(clinician)
    html = page(client.get("/waits/worklist/"))
    assert 'name="provider"' in html
    html = page(client.get(f"/waits/worklist/?provider={other_hospital.pk}"))
    assert f"/waits/pathways/{breached.pk}/" not in html
    stranger = factories.OrganisationFactory()
    assert client.get(f"/waits/worklist/?provider={stranger.pk}").status_code == 404
    assert client.get("/waits/worklist/?provider=nonsense").status_code == 404


def test_the_worklist_is_for_staff(patient):
    assert logged_in(patient.user).get("/waits/worklist/").status_code == 404


def test_the_worklist_query_count_does_not_grow_with_its_rows(clinician, hospital):
    def count_queries() -> int:
        client = logged_in(clinician)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/waits/worklist/").status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            person = factories.PersonFactory()
            factories.CareRelationshipFactory(person=person, organisation=hospital)
            pathway = open_rtt(clinician, person, hospital, referred_days_ago=130)
            # Staff may ask on the person's behalf (a care relationship lets them act).
            actions.ask_for_care_elsewhere(
                Actor(user=clinician), pathway_id=pathway.pk, stage="rtt", on_behalf="phone"
            )
            open_rtt(clinician, person, hospital, referred_days_ago=115)

    add(2)
    few = count_queries()
    add(6)
    assert count_queries() == few


# --- Offering care elsewhere and recording treatment there ---------------------------------


def test_staff_offer_care_elsewhere(patient, breached, clinician, other_hospital):
    right = ask(patient, breached)
    client = logged_in(clinician)
    response = client.get(f"/waits/rights/{right.pk}/offer/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Offer care elsewhere" in html
    assert f'<option value="{other_hospital.pk}"' in html
    assert f'<option value="{breached.provider_id}"' not in html
    day = TODAY + dt.timedelta(days=9)
    response = client.post(
        f"/waits/rights/{right.pk}/offer/",
        {
            "provider": other_hospital.pk,
            "appointment_on_day": day.day,
            "appointment_on_month": day.month,
            "appointment_on_year": day.year,
        },
    )
    assert response.status_code == 302
    right.refresh_from_db()
    assert right_status(right) == RightStatus.OFFERED
    assert right.offered_appointment_on == day


@pytest.mark.parametrize(
    ("data", "message", "anchor"),
    [
        ({}, "Select the provider that can see them", "#provider"),
        (
            {"appointment_on_day": "31", "appointment_on_month": "2"},
            "must include a year",
            "#appointment_on_year",
        ),
        (
            {
                "appointment_on_day": "31",
                "appointment_on_month": "2",
                "appointment_on_year": "2030",
            },
            "must be a real date",
            "#appointment_on_day",
        ),
        (
            {"appointment_on_day": "1", "appointment_on_month": "1", "appointment_on_year": "2001"},
            "today or later",
            "#appointment_on_day",
        ),
    ],
)
def test_a_bad_offer_shows_field_errors_and_changes_nothing(
    patient, breached, clinician, other_hospital, data, message, anchor
):
    right = ask(patient, breached)
    if "appointment_on_year" in data and data["appointment_on_year"] == "2001":
        data = {**data, "provider": other_hospital.pk}
    response = logged_in(clinician).post(f"/waits/rights/{right.pk}/offer/", data)
    assert response.status_code == 200
    html = page(response)
    assert "There is a problem" in html
    assert "<title>Error:" in html
    assert message in html
    assert f'href="{anchor}"' in html
    right.refresh_from_db()
    assert right_status(right) == RightStatus.REQUESTED


def test_staff_record_treatment_elsewhere(patient, breached, clinician, other_hospital):
    right = offer(clinician, ask(patient, breached), other_hospital)
    actions.reply_to_offer(Actor(user=patient.user), right_id=right.pk, accept=True)
    client = logged_in(clinician)
    html = page(client.get("/waits/worklist/"))
    assert f'href="/waits/rights/{right.pk}/treated/"' in html
    response = client.post(
        f"/waits/rights/{right.pk}/treated/",
        {"treated_on_day": "1", "treated_on_month": "1", "treated_on_year": str(TODAY.year + 1)},
    )
    assert "The date of treatment" in page(response) or "not in the future" in page(response)
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.ACCEPTED
    response = client.post(
        f"/waits/rights/{right.pk}/treated/",
        {
            "treated_on_day": TODAY.day,
            "treated_on_month": TODAY.month,
            "treated_on_year": TODAY.year,
        },
    )
    assert response.status_code == 302
    assert right_status(Right.objects.get(pk=right.pk)) == RightStatus.TREATED


def test_staff_elsewhere_cannot_see_a_request(patient, breached, other_hospital):
    right = ask(patient, breached)
    outsider = logged_in(factories.RoleFactory(organisation=other_hospital).user)
    assert outsider.get(f"/waits/rights/{right.pk}/offer/").status_code == 404
    assert outsider.post(f"/waits/rights/{right.pk}/offer/", {}).status_code == 404
    assert outsider.get(f"/waits/rights/{right.pk}/treated/").status_code == 404


# --- A pathway, for staff ------------------------------------------------------------------


def test_staff_see_a_pathway_with_its_events_and_clock(breached, clinician, patient):
    response = logged_in(clinician).get(f"/waits/pathways/{breached.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Referral received" in html
    assert "Deadline missed" in html
    assert "Record what happened" in html
    assert 'id="occurred_on_day"' in html
    assert AuditEvent.objects.filter(person=patient, what="wait: events and clock").exists()


def test_staff_without_access_get_not_found(breached, other_hospital, patient):
    outsider = logged_in(factories.RoleFactory(organisation=other_hospital).user)
    assert outsider.get(f"/waits/pathways/{breached.pk}/").status_code == 404
    assert (
        outsider.post(f"/waits/pathways/{breached.pk}/", {"type": "treatment"}).status_code == 404
    )
    assert outsider.get(f"/waits/open/{patient.pk}/").status_code == 404
    assert logged_in(patient.user).get(f"/waits/pathways/{breached.pk}/").status_code == 404


def test_staff_record_an_event(breached, clinician):
    client = logged_in(clinician)
    response = client.post(
        f"/waits/pathways/{breached.pk}/",
        {
            "type": "treatment",
            "occurred_on_day": TODAY.day,
            "occurred_on_month": TODAY.month,
            "occurred_on_year": TODAY.year,
            "note": f"Knee {HOSTILE_TYPED}",
        },
    )
    assert response.status_code == 302
    event = breached.events.get(type="treatment")
    assert event.occurred_on == TODAY
    assert event.recorded_by == clinician
    html = page(client.get(f"/waits/pathways/{breached.pk}/"))
    assert "Treatment started" in html
    assert_escaped(html)


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Select what happened", "Enter the date it happened"]),
        (
            {
                "type": "teleported",
                "occurred_on_day": "x",
                "occurred_on_month": "1",
                "occurred_on_year": "2026",
            },
            ["Select what happened from the list", "The date it happened must be a real date"],
        ),
        (
            {
                "type": "treatment",
                "occurred_on_day": "1",
                "occurred_on_month": "1",
                "occurred_on_year": "26",
            },
            ["Year must include 4 numbers"],
        ),
        (
            {
                "type": "treatment",
                "occurred_on_day": "1",
                "occurred_on_month": "1",
                "occurred_on_year": "2999",
            },
            ["The date cannot be in the future."],
        ),
    ],
)
def test_a_bad_event_shows_field_errors_and_changes_nothing(breached, clinician, data, messages):
    before = PathwayEvent.objects.count()
    response = logged_in(clinician).post(f"/waits/pathways/{breached.pk}/", data)
    assert response.status_code == 200
    html = page(response)
    assert "There is a problem" in html
    for message in messages:
        assert message in html
    assert PathwayEvent.objects.count() == before


def test_staff_correct_and_withdraw_events(breached, clinician):
    client = logged_in(clinician)
    referral = breached.events.get(type="referral")
    # Replace the referral with the right date.
    day = days_ago(100)
    response = client.post(
        f"/waits/pathways/{breached.pk}/",
        {
            "type": "referral",
            "occurred_on_day": day.day,
            "occurred_on_month": day.month,
            "occurred_on_year": day.year,
            "corrects": referral.pk,
        },
    )
    assert response.status_code == 302
    html = page(client.get(f"/waits/pathways/{breached.pk}/"))
    assert "Corrected" in html and "Replaces: Referral received" in html
    assert "At risk" in html or "Waiting" in html
    corrected = breached.events.get(corrects=referral)
    # Withdraw the corrected referral: entered in error.
    response = client.post(
        f"/waits/pathways/{breached.pk}/withdraw/",
        {"corrects": corrected.pk, "reason": "Wrong person"},
    )
    assert response.status_code == 302
    withdrawal = breached.events.get(type=PathwayEvent.ENTERED_IN_ERROR)
    assert withdrawal.corrects == corrected and withdrawal.note == "Wrong person"
    html = page(client.get(f"/waits/pathways/{breached.pk}/"))
    assert "Withdrawn" in html and "Withdraws: Referral received" in html
    assert "Not started" in html
    # An event already corrected cannot be withdrawn again.
    before = PathwayEvent.objects.count()
    response = client.post(f"/waits/pathways/{breached.pk}/withdraw/", {"corrects": referral.pk})
    assert response.status_code == 200
    assert "Select an event of this wait from the list" in page(response)
    assert 'href="#withdraw_corrects"' in page(response)
    assert PathwayEvent.objects.count() == before


# --- Opening a wait ------------------------------------------------------------------------


def test_staff_open_a_wait(patient, clinician, hospital):
    client = logged_in(clinician)
    response = client.get(f"/waits/open/{patient.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert 'value="uk-nhs-rtt"' in html
    assert 'value="se-vardgaranti-2005"' not in html  # no longer in effect
    response = client.post(
        f"/waits/open/{patient.pk}/",
        {"scheme": "uk-nhs-rtt", "provider": hospital.pk, "service": "Cardiology"},
    )
    assert response.status_code == 302
    pathway = Pathway.objects.get(person=patient)
    assert response["Location"] == f"/waits/pathways/{pathway.pk}/"
    assert pathway.service == "Cardiology"


def test_a_bad_new_wait_shows_field_errors_and_changes_nothing(patient, clinician, other_hospital):
    response = logged_in(clinician).post(
        f"/waits/open/{patient.pk}/",
        {"scheme": "se-vardgaranti-2005", "provider": other_hospital.pk, "service": ""},
    )
    assert response.status_code == 200
    html = page(response)
    for message in (
        "Select a guarantee from the list",
        "Select a provider from the list",
        "Enter the service or specialty",
    ):
        assert message in html
    assert not Pathway.objects.exists()


# --- Home tiles ----------------------------------------------------------------------------


def test_home_tiles(patient, breached, clinician):
    html = page(logged_in(patient.user).get("/home/"))
    assert "My waits" in html
    assert "1 has missed its deadline" in html
    assert 'href="/waits/"' in html
    html = page(logged_in(clinician).get("/home/"))
    assert "Waiting list" in html
    assert "1 wait past its deadline" in html
    assert 'href="/waits/worklist/"' in html


def test_no_tile_without_waits_but_my_waits_is_always_in_the_header():
    person = factories.PersonFactory(user=factories.UserFactory())
    html = page(logged_in(person.user).get("/home/"))
    assert "See your waits and their deadlines" not in html
    assert 'class="govuk-service-navigation__link" href="/waits/">My waits</a>' in html
