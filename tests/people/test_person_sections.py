"""The staff person page is its sections (people.person_page): the summary, each module's
section (the waits, with their state in words and links), the consents given to the viewer's
organisation, the people who can act for the person and the messages sent. A section in a
category the viewer has no basis in is left out altogether, and the look is audited once,
naming the sections shown."""

import re

import pytest
from django.test import Client

from coproduce.messaging.actions import send_message
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Organisation, RecordCategory, Relationship
from tests import factories
from tests.guarantees.test_views import ask, offer, open_rtt

pytestmark = pytest.mark.django_db


def person_page(user, person) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    """The HTML of one section of the page (empty when it is not there)."""
    found = re.search(rf'id="{name}">(.*?)</section>', html, re.S)
    return found.group(1) if found else ""


def headings(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-l" id="([a-z-]+)">', html)


@pytest.fixture
def world(clinician, patient, hospital):
    """A patient of the hospital with a wait past its deadline and one running, a carer,
    consents to the hospital and to a school, and messages in health and education."""
    breached = open_rtt(clinician, patient, hospital, referred_days_ago=130)
    running = open_rtt(clinician, patient, hospital, referred_days_ago=20, service="Cardiology")
    carer = factories.PersonFactory(given_name="Margaret")
    factories.RelationshipFactory(
        person=patient, proxy=carer, kind=Relationship.Kind.CARER, scope=Relationship.Scope.MANAGE
    )
    school = factories.OrganisationFactory(kind=Organisation.Kind.SCHOOL, name="Riverside Academy")
    factories.ConsentFactory(person=patient, organisation=hospital, purpose="Hospital care")
    factories.ConsentFactory(
        person=patient,
        organisation=school,
        category=RecordCategory.EDUCATION,
        purpose="Help with reading",
    )
    staff = Actor(user=clinician)
    send_message(
        staff,
        person_id=patient.pk,
        key="h",
        subject="About your wait",
        body="x",
        category=RecordCategory.HEALTH,
    )
    teacher = factories.RoleFactory(organisation=school).user
    send_message(
        Actor(user=teacher),
        person_id=patient.pk,
        key="e",
        subject="About school",
        body="x",
        category=RecordCategory.EDUCATION,
    )
    return {"breached": breached, "running": running, "school": school, "teacher": teacher}


def test_staff_with_a_health_basis_see_every_section_in_order(clinician, patient, world):
    html = person_page(clinician, patient)
    assert headings(html) == [
        "summary",
        "waits",
        "monitoring",
        "consents",
        "people-who-act",
        "messages",
    ]
    waits = section(html, "waits")
    # Each wait links to its page, with each stage's state in the words My waits uses.
    assert f'href="/waits/pathways/{world["breached"].pk}/"' in waits
    assert f'href="/waits/pathways/{world["running"].pk}/"' in waits
    assert "Deadline missed" in waits and "4 days past the deadline" in waits
    assert "Waiting" in waits and "106 days left" in waits
    # What the clinician may do for the person is in the section it is about.
    assert "Open a wait for this person" in waits
    assert "NHS number" in section(html, "summary")


def test_an_offer_says_it_was_sent_and_when_to_reply(clinician, patient, world, hospital):
    elsewhere = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Weir Vale")
    right = offer(clinician, ask(patient, world["breached"]), elsewhere)
    waits = section(person_page(clinician, patient), "waits")
    assert "Offered: waiting for their answer" in waits
    reply_by = f"{right.reply_by.day} {right.reply_by:%B %Y}"
    assert "Offer sent: Weir Vale on" in waits and f"reply by {reply_by}" in waits


def test_staff_see_consents_to_their_organisation_only(clinician, patient, world):
    consents = section(person_page(clinician, patient), "consents")
    assert "Hospital care" in consents and "Current" in consents
    # Which other organisations the person trusts is not theirs to know.
    assert "Riverside Academy" not in consents
    assert "Help with reading" not in consents


def test_the_people_who_can_act_for_the_person_are_listed(clinician, patient, world):
    who = section(person_page(clinician, patient), "people-who-act")
    assert "Margaret" in who
    assert "Carer: see their record and act for them" in who


def test_messages_are_those_in_a_category_the_basis_is_in(clinician, patient, world):
    sent = section(person_page(clinician, patient), "messages")
    assert "About your wait" in sent
    assert "About school" not in sent


def test_a_section_the_viewer_may_not_see_is_left_out_altogether(patient, world):
    """A teacher at the school (an education consent) sees no waits, not even a heading, and
    no NHS number; their own consent and the education message are there."""
    html = person_page(world["teacher"], patient)
    assert headings(html) == ["summary", "consents", "people-who-act", "messages"]
    assert 'id="waits"' not in html and ">Waits<" not in html
    assert "/waits/pathways/" not in html and "/waits/open/" not in html
    assert "NHS number" not in html
    assert "Help with reading" in section(html, "consents")
    assert "Hospital care" not in section(html, "consents")
    assert "About school" in html and "About your wait" not in html


def test_staff_see_only_the_waits_at_their_own_services(patient, world, hospital):
    """Staff of another hospital caring for the person see the waits section, but not the
    waits at a hospital they do not work for (whose pages would be "not found")."""
    other = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    factories.CareRelationshipFactory(person=patient, organisation=other)
    nurse = factories.RoleFactory(organisation=other).user
    waits = section(person_page(nurse, patient), "waits")
    assert "No waits at your organisation" in waits
    assert str(world["breached"].pk) not in waits


def test_the_look_is_audited_once_naming_the_sections_shown(clinician, patient, world):
    before = AuditEvent.objects.filter(person=patient).count()
    person_page(clinician, patient)
    rows = AuditEvent.objects.filter(person=patient).order_by("pk")[before:]
    assert [(row.action, row.what) for row in rows] == [
        (
            "read",
            "record: summary, waits, monitoring, consents to the organisation, "
            "people who can act for them, messages",
        )
    ]
    person_page(world["teacher"], patient)
    last = AuditEvent.objects.filter(person=patient).latest("pk")
    assert "waits" not in last.what


def test_the_person_reads_their_own_waits_linked_to_my_waits(patient, world):
    waits = section(person_page(patient.user, patient), "waits")
    assert f'href="/waits/#wait-{world["breached"].pk}"' in waits
    assert not AuditEvent.objects.filter(person=patient, what__startswith="record").exists()


def test_the_page_says_nothing_more_without_a_basis(patient, world):
    stranger = factories.RoleFactory().user
    client = Client()
    client.force_login(stranger)
    before = AuditEvent.objects.count()
    assert client.get(f"/people/{patient.pk}/").status_code == 404
    assert AuditEvent.objects.count() == before
