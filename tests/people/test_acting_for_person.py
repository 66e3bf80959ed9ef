"""Acting for a person is not seeing a person (issue 11, item 1).

The person's own choices (asking for care elsewhere, answering an offer, consent) are made by
the person or a proxy who manages for them. Staff may make one only on the person's behalf
(saying how the person asked), with a care relationship in the category concerned, named on
the record, and the person is told. A consent to see, a view-only proxy and any API token get
"not found", with nothing changed and nothing written."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.guarantees.models import PathwayEvent, Right
from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.messaging.models import Message
from coproduce.people import actions as people_actions
from coproduce.people.access import Actor
from coproduce.people.models import (
    ApiToken,
    AuditEvent,
    Consent,
    Organisation,
    RecordCategory,
    Relationship,
    Role,
)
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
AUTOMATIC = "Coproduce (automatic)"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, payload, **headers):
    return client.post(url, payload, content_type="application/json", headers=headers)


@pytest.fixture
def pathway(hospital, clinician, patient):
    """A wait at the hospital, referred 140 days ago: past the 126-day deadline, so the
    right to care elsewhere is owed."""
    staff = Actor(user=clinician)
    opened = actions.open_pathway(
        staff,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    actions.record_event(
        staff,
        pathway_id=opened.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=140),
    )
    return opened


@pytest.fixture
def offered(pathway, clinician, patient):
    """The person asked for care elsewhere and the hospital offered another provider."""
    right = actions.ask_for_care_elsewhere(
        Actor(user=patient.user), pathway_id=pathway.pk, stage="rtt"
    )
    elsewhere = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    return actions.offer_care_elsewhere(
        Actor(user=clinician),
        right_id=right.pk,
        provider_id=elsewhere.pk,
        appointment_on=TODAY + dt.timedelta(days=5),
    )


@pytest.fixture
def social_worker(patient):
    """A council social worker with a social-care consent only: no health basis at all."""
    council = OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    ConsentFactory(person=patient, organisation=council, category=RecordCategory.SOCIAL_CARE)
    return RoleFactory(organisation=council, kind=Role.Kind.PROFESSIONAL).user


def write_token(organisation) -> dict:
    admin = RoleFactory(organisation=organisation, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = people_actions.create_api_token(
        Actor(user=admin.user),
        organisation_id=organisation.pk,
        name="PAS feed",
        scope=ApiToken.Scope.WRITE,
    )
    return {"Authorization": f"Bearer {raw}"}


def writes_on(person) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(person=person, action=AuditEvent.Action.WRITE))


ON_BEHALF = {"on_behalf": True, "asked_by": "phone"}


# --- answering an offer ----------------------------------------------------------------------


def test_a_social_worker_with_a_social_care_consent_cannot_decline_the_offer(
    offered, patient, social_worker
):
    client = signed_in(social_worker)
    writes_before = len(writes_on(patient))
    for payload in ({"accept": False}, {"accept": False, **ON_BEHALF}):
        response = post(client, f"/api/guarantees/rights/{offered.pk}/reply", payload)
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    offered.refresh_from_db()
    assert right_status(offered) == RightStatus.OFFERED
    assert not PathwayEvent.objects.filter(type="declined_alternative").exists()
    assert len(writes_on(patient)) == writes_before


def test_staff_who_can_see_the_wait_still_cannot_answer_for_the_person_unasked(
    offered, patient, clinician
):
    client = signed_in(clinician)
    response = post(client, f"/api/guarantees/rights/{offered.pk}/reply", {"accept": False})
    assert response.status_code == 404
    offered.refresh_from_db()
    assert right_status(offered) == RightStatus.OFFERED


def test_staff_with_a_health_care_relationship_decline_on_the_persons_behalf_in_their_name(
    offered, patient, clinician
):
    messages_before = Message.objects.filter(person=patient).count()
    response = post(
        signed_in(clinician),
        f"/api/guarantees/rights/{offered.pk}/reply",
        {"accept": False, "on_behalf": True, "asked_by": "in_person"},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "declined"
    assert "on the person's behalf (asked in person)" in answer["answered_by"]
    name = clinician.get_full_name()
    assert name in answer["answered_by"]
    # The lapse is recorded in the staff member's name, never as the platform's.
    declined = PathwayEvent.objects.get(type="declined_alternative")
    assert name in declined.recorded_by_label
    assert declined.recorded_by == clinician
    assert declined.source == PathwayEvent.Source.API
    (write,) = [
        row for row in writes_on(patient) if row.what == "reply to an offer of care elsewhere"
    ]
    assert write.actor_user == clinician
    assert "On the person's behalf, asked in person" in write.why
    assert not AuditEvent.objects.filter(
        person=patient, actor_label=AUTOMATIC, what__startswith="wait for"
    ).exists()
    # The person is told who answered for them.
    told = Message.objects.filter(person=patient).order_by("pk")
    assert told.count() == messages_before + 1
    assert "on your behalf" in told.last().subject
    assert name in told.last().body


def test_the_person_declining_is_recorded_in_their_own_name(offered, patient):
    response = post(
        signed_in(patient.user), f"/api/guarantees/rights/{offered.pk}/reply", {"accept": False}
    )
    assert response.status_code == 200, response.content
    declined = PathwayEvent.objects.get(type="declined_alternative")
    assert declined.recorded_by_label == patient.full_name
    assert response.json()["answered_by"] == patient.full_name


def test_a_write_token_cannot_answer_for_the_person(offered, hospital):
    response = post(
        Client(),
        f"/api/guarantees/rights/{offered.pk}/reply",
        {"accept": True, **ON_BEHALF},
        **write_token(hospital),
    )
    assert response.status_code == 404
    offered.refresh_from_db()
    assert right_status(offered) == RightStatus.OFFERED


# --- asking for care elsewhere ---------------------------------------------------------------


def test_a_write_token_cannot_ask_for_care_elsewhere(pathway, patient, hospital):
    url = f"/api/guarantees/pathways/{pathway.pk}/care-elsewhere"
    for payload in ({"stage": "rtt"}, {"stage": "rtt", **ON_BEHALF}):
        response = post(Client(), url, payload, **write_token(hospital))
        assert response.status_code == 404, response.content
    assert not Right.objects.filter(requested_at__isnull=False).exists()


def test_staff_with_only_a_health_consent_cannot_ask_on_the_persons_behalf(
    pathway, patient, hospital
):
    """Consent to see is not permission to act: it takes a care relationship."""
    gp = OrganisationFactory()
    ConsentFactory(person=patient, organisation=gp, category=RecordCategory.HEALTH)
    doctor = RoleFactory(organisation=gp).user
    url = f"/api/guarantees/pathways/{pathway.pk}/care-elsewhere"
    response = post(signed_in(doctor), url, {"stage": "rtt", **ON_BEHALF})
    assert response.status_code == 404
    assert not Right.objects.filter(requested_at__isnull=False).exists()


def test_staff_with_a_health_care_relationship_ask_on_behalf_and_the_person_is_told(
    pathway, patient, clinician
):
    client = signed_in(clinician)
    url = f"/api/guarantees/pathways/{pathway.pk}/care-elsewhere"
    assert post(client, url, {"stage": "rtt"}).status_code == 404
    response = post(client, url, {"stage": "rtt", "on_behalf": True})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["asked_by"]
    assert not Right.objects.filter(requested_at__isnull=False).exists()

    response = post(client, url, {"stage": "rtt", **ON_BEHALF})
    assert response.status_code == 200, response.content
    right = response.json()
    assert right["status"] == "requested"
    assert clinician.get_full_name() in right["requested_by"]
    assert "asked by phone" in right["requested_by"]
    (write,) = [row for row in writes_on(patient) if row.what == "right to care elsewhere"]
    assert write.actor_user == clinician
    assert write.actor_label != AUTOMATIC
    assert "On the person's behalf, asked by phone" in write.why
    told = Message.objects.filter(person=patient, subject__contains="on your behalf").get()
    assert "asked for care elsewhere" in told.subject
    assert "by phone" in told.body


def test_a_managing_proxy_may_ask_and_a_view_only_proxy_may_not(pathway, patient):
    viewer = RelationshipFactory(person=patient, scope=Relationship.Scope.VIEW).proxy
    viewer.user = UserFactory()
    viewer.save(update_fields=["user"])
    url = f"/api/guarantees/pathways/{pathway.pk}/care-elsewhere"
    assert post(signed_in(viewer.user), url, {"stage": "rtt"}).status_code == 404
    manager = RelationshipFactory(person=patient, scope=Relationship.Scope.MANAGE).proxy
    manager.user = UserFactory()
    manager.save(update_fields=["user"])
    response = post(signed_in(manager.user), url, {"stage": "rtt"})
    assert response.status_code == 200, response.content
    assert response.json()["requested_by"] == f"{manager.full_name}, acting as carer"
    # A proxy is not staff: nobody needs telling that they did what they may do.
    assert not Message.objects.filter(subject__contains="on your behalf").exists()


def test_a_refused_request_on_behalf_leaves_no_write_row(hospital, clinician, patient):
    """Asking before the deadline has passed is refused, and the audit trail says nothing."""
    staff = Actor(user=clinician)
    waiting = actions.open_pathway(
        staff,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Cardiology",
    )
    actions.record_event(staff, pathway_id=waiting.pk, type="referral", occurred_on=TODAY)
    before = len(writes_on(patient))
    response = post(
        signed_in(clinician),
        f"/api/guarantees/pathways/{waiting.pk}/care-elsewhere",
        {"stage": "rtt", **ON_BEHALF},
    )
    assert response.status_code == 422
    assert len(writes_on(patient)) == before
    assert not Message.objects.filter(subject__contains="on your behalf").exists()


# --- one rule for reading a wait -------------------------------------------------------------


def test_a_token_cannot_read_through_the_api_a_wait_the_website_refuses(pathway, patient):
    """Another organisation with a health consent cannot see the hospital's wait on the
    website; its token cannot read it through the API either."""
    gp = OrganisationFactory()
    ConsentFactory(person=patient, organisation=gp, category=RecordCategory.HEALTH)
    doctor = RoleFactory(organisation=gp).user
    assert signed_in(doctor).get(f"/waits/pathways/{pathway.pk}/").status_code == 404
    token = write_token(gp)
    right = Right.objects.get(pathway=pathway)
    for url in (
        f"/api/guarantees/pathways/{pathway.pk}",
        f"/api/guarantees/pathways/{pathway.pk}/fhir",
        f"/api/guarantees/rights/{right.pk}",
    ):
        assert Client().get(url, headers=token).status_code == 404, url
        assert signed_in(doctor).get(url).status_code == 404, url
    assert Client().get("/api/guarantees/pathways", headers=token).json()["count"] == 0
    assert not AuditEvent.objects.filter(person=patient, organisation=gp).exists()


# --- consent ---------------------------------------------------------------------------------


def test_consent_is_given_and_taken_back_by_staff_only_on_the_persons_behalf(patient):
    council = OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    CareRelationshipFactory(
        person=patient, organisation=council, category=RecordCategory.SOCIAL_CARE
    )
    worker = RoleFactory(organisation=council, kind=Role.Kind.PROFESSIONAL).user
    befriending = OrganisationFactory(kind=Organisation.Kind.VOLUNTARY_GROUP)
    client = signed_in(worker)
    url = f"/api/people/{patient.pk}/consents"
    social_care = {"organisation_id": befriending.pk, "category": "social_care"}
    assert post(client, url, social_care).status_code == 404
    # A care relationship in social care is no basis for the person's health consents.
    health = {"organisation_id": befriending.pk, "category": "health", **ON_BEHALF}
    assert post(client, url, health).status_code == 404
    assert not Consent.objects.filter(person=patient).exists()

    response = post(client, url, {**social_care, "on_behalf": True, "asked_by": "letter"})
    assert response.status_code == 201, response.content
    consent = Consent.objects.get(person=patient)
    assert consent.granted_by == worker
    (write,) = [row for row in writes_on(patient) if row.what == "consents"]
    assert write.actor_user == worker and "asked by letter" in write.why
    assert Message.objects.filter(person=patient, subject__contains="on your behalf").count() == 1

    revoke = f"/api/consents/{consent.pk}/revoke"
    assert post(client, revoke, {}).status_code == 404
    assert client.post(revoke).status_code == 404
    assert post(client, revoke, {"on_behalf": True}).status_code == 400
    assert post(client, revoke, {"on_behalf": True, "asked_by": "pigeon"}).status_code == 400
    response = post(client, revoke, {"on_behalf": True, "asked_by": "email"})
    assert response.status_code == 200, response.content
    consent.refresh_from_db()
    assert consent.revoked_by == worker
    assert Message.objects.filter(person=patient, subject__contains="on your behalf").count() == 2


def test_a_token_and_consent_only_staff_cannot_give_or_take_back_consent(patient, social_worker):
    council_id = social_worker.roles.get().organisation_id
    consent = Consent.objects.get(person=patient)
    revoke = f"/api/consents/{consent.pk}/revoke"
    assert post(signed_in(social_worker), revoke, ON_BEHALF).status_code == 404
    token = write_token(Organisation.objects.get(pk=council_id))
    assert post(Client(), revoke, ON_BEHALF, **token).status_code == 404
    give = {"organisation_id": council_id, "category": "health", **ON_BEHALF}
    url = f"/api/people/{patient.pk}/consents"
    assert post(signed_in(social_worker), url, give).status_code == 404
    assert post(Client(), url, give, **token).status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert Consent.objects.filter(person=patient).count() == 1


# --- the website: the staff-side form ---------------------------------------------------------


def test_staff_ask_on_the_persons_behalf_on_the_website_after_saying_how_they_asked(
    pathway, patient, clinician
):
    client = signed_in(clinician)
    page = client.get(f"/waits/pathways/{pathway.pk}/").content.decode()
    form_url = f"/waits/pathways/{pathway.pk}/ask/rtt/"
    assert form_url in page
    assert "How did" in client.get(form_url).content.decode()
    response = client.post(form_url, {"asked_by": "phone"})
    assert response.status_code == 200
    assert "Confirm that the person asked you to do this" in response.content.decode()
    response = client.post(form_url, {"confirmed": "yes"})
    assert "Select how the person asked you to do this" in response.content.decode()
    assert not Right.objects.filter(requested_at__isnull=False).exists()

    response = client.post(form_url, {"asked_by": "in_person", "confirmed": "yes"})
    assert response.status_code == 302
    right = Right.objects.get(pathway=pathway)
    assert right_status(right) == RightStatus.REQUESTED
    assert "asked in person" in right.requested_by_label
    assert clinician.get_full_name() in right.requested_by_label
    (write,) = [row for row in writes_on(patient) if row.what == "right to care elsewhere"]
    assert write.via == AuditEvent.Via.WEB and write.actor_user == clinician
    assert Message.objects.filter(person=patient, subject__contains="on your behalf").exists()


def test_the_website_form_is_not_found_for_staff_who_may_not_act(pathway, patient, social_worker):
    gp = OrganisationFactory()
    ConsentFactory(person=patient, organisation=gp, category=RecordCategory.HEALTH)
    doctor = RoleFactory(organisation=gp).user
    form_url = f"/waits/pathways/{pathway.pk}/ask/rtt/"
    for user in (social_worker, doctor):
        client = signed_in(user)
        assert client.get(form_url).status_code == 404
        response = client.post(form_url, {"asked_by": "phone", "confirmed": "yes"})
        assert response.status_code == 404
    assert not Right.objects.filter(requested_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(person=patient, actor_user__in=[social_worker, doctor])


def test_staff_record_the_persons_answer_on_the_website(offered, patient, clinician):
    client = signed_in(clinician)
    page = client.get(f"/waits/pathways/{offered.pathway_id}/").content.decode()
    form_url = f"/waits/rights/{offered.pk}/answer/"
    assert form_url in page
    response = client.post(form_url, {"answer": "decline", "confirmed": "yes"})
    assert "Select how the person asked you to do this" in response.content.decode()
    response = client.post(
        form_url, {"answer": "decline", "asked_by": "letter", "confirmed": "yes"}
    )
    assert response.status_code == 302
    offered.refresh_from_db()
    assert right_status(offered) == RightStatus.DECLINED
    assert "asked by letter" in offered.answered_by_label
    declined = PathwayEvent.objects.get(type="declined_alternative")
    assert declined.source == PathwayEvent.Source.WEB
    assert clinician.get_full_name() in declined.recorded_by_label
