"""The permission matrix of docs/security.md, as data: for every route that takes a person,
wait, right, consent, message, token, enrolment or check-in id, what each kind of actor gets
(the status) and what goes on the person's audit trail (one label per row: "READ", "WRITE",
or "WRITE by platform" for a message the platform sends the person because of the change).

tests/test_permission_matrix.py builds one world (build_world), sends every route as every
actor, and compares; it also fails when the URL configuration or the API schema has a
person-scoped route that is not here.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.guarantees import actions as waits
from coproduce.monitoring import actions as monitoring
from coproduce.people import actions as people
from coproduce.people.access import Actor
from coproduce.people.models import (
    ApiToken,
    AuditEvent,
    Organisation,
    RecordCategory,
    Relationship,
    Role,
)
from tests import factories

ANONYMOUS = "anonymous"
PERSON = "the person"
VIEW_PROXY = "a view proxy"
MANAGE_PROXY = "a manage proxy"
CITIZEN = "an unrelated citizen"
STAFF_NO_BASIS = "staff without a basis"
STAFF_OTHER_CATEGORY = "staff with a social care consent"
STAFF_HEALTH_CARE = "staff with a health care relationship"
TOKEN_OTHER_ORGANISATION = "a token of another organisation"
READ_TOKEN = "a read token"
WRITE_TOKEN = "a write token"
ACTORS = (
    ANONYMOUS,
    PERSON,
    VIEW_PROXY,
    MANAGE_PROXY,
    CITIZEN,
    STAFF_NO_BASIS,
    STAFF_OTHER_CATEGORY,
    STAFF_HEALTH_CARE,
    TOKEN_OTHER_ORGANISATION,
    READ_TOKEN,
    WRITE_TOKEN,
)
TOKENS = (TOKEN_OTHER_ORGANISATION, READ_TOKEN, WRITE_TOKEN)
# Who is not the person or a proxy: for the person's own choices they send the on-behalf body.
STAFF_SIDE = (STAFF_NO_BASIS, STAFF_OTHER_CATEGORY, STAFF_HEALTH_CARE, *TOKENS)

READ, WRITE, PLATFORM_WRITE = "READ", "WRITE", "WRITE by platform"
ON_BEHALF = {"on_behalf": True, "asked_by": "phone"}
ON_BEHALF_FORM = {"asked_by": "phone", "confirmed": "on"}


@dataclass(frozen=True)
class Expect:
    status: int
    rows: tuple[str, ...] = ()


NOT_FOUND = Expect(404)
SIGN_IN_API = Expect(401)
# Pages send whoever is not signed in to sign in; a bearer token is no sign-in on a page.
SIGN_IN_PAGE = Expect(302)


def api(**cells: Expect) -> dict[str, Expect]:
    """An API route: anonymous 401, anyone not named 404."""
    return {actor: cells.get(actor, NOT_FOUND) for actor in ACTORS} | {ANONYMOUS: SIGN_IN_API}


def page(**cells: Expect) -> dict[str, Expect]:
    """A page: anonymous and tokens go to sign in, anyone not named 404."""
    expected = {actor: cells.get(actor, NOT_FOUND) for actor in ACTORS}
    return expected | {actor: SIGN_IN_PAGE for actor in (ANONYMOUS, *TOKENS)}


def seen_by_any_basis(ok: int, **overrides: Expect) -> dict[str, Expect]:
    """Identity and contact details: the person, proxies, and staff and tokens with any basis."""
    looked = Expect(ok, (READ,))
    cells = {
        PERSON: Expect(ok),
        VIEW_PROXY: looked,
        MANAGE_PROXY: looked,
        STAFF_OTHER_CATEGORY: looked,
        STAFF_HEALTH_CARE: looked,
        READ_TOKEN: looked,
        WRITE_TOKEN: looked,
    }
    return api(**(cells | overrides))


def seen_with_health_basis(ok: int = 200) -> dict[str, Expect]:
    """Waits and rights: the person, proxies, and staff and tokens with a health basis."""
    return seen_by_any_basis(ok, **{STAFF_OTHER_CATEGORY: NOT_FOUND})


def persons_and_proxies(ok: int = 200, *, on_page: bool = False) -> dict[str, Expect]:
    """The audit trail, the personal-data download, My data and My waits."""
    looked = Expect(ok, (READ,))
    cells = {PERSON: Expect(ok), VIEW_PROXY: looked, MANAGE_PROXY: looked}
    return page(**cells) if on_page else api(**cells)


def persons_choice(ok: int, *, told: tuple[str, ...] = (PLATFORM_WRITE,)) -> dict[str, Expect]:
    """Over the API: the person, a manage proxy, or staff on the person's behalf with a care
    relationship in the category (health here), who is named and the person told."""
    return api(
        **{
            PERSON: Expect(ok),
            MANAGE_PROXY: Expect(ok, (WRITE,)),
            STAFF_HEALTH_CARE: Expect(ok, (WRITE, *told)),
        }
    )


def persons_choice_on_page(ok: int = 302) -> dict[str, Expect]:
    """The citizen's pages for their own choices: the person and a manage proxy only (staff
    have their own on-behalf pages)."""
    return page(**{PERSON: Expect(ok), MANAGE_PROXY: Expect(ok, (WRITE,))})


def persons_check_step() -> dict[str, Expect]:
    """The "Are you sure?" page before one of the person's own choices: for those who may make
    it (the person, a manage proxy), the proxy's look audited."""
    return page(**{PERSON: Expect(200), MANAGE_PROXY: Expect(200, (READ,))})


def staff_work(ok: int, *, rows: tuple[str, ...] = (WRITE,)) -> dict[str, Expect]:
    """Recording waits' events, offering and recording care elsewhere: a health basis at the
    provider and, for tokens, the write scope."""
    return api(**{STAFF_HEALTH_CARE: Expect(ok, rows), WRITE_TOKEN: Expect(ok, rows)})


def staff_page(ok: int, rows: tuple[str, ...]) -> dict[str, Expect]:
    return page(**{STAFF_HEALTH_CARE: Expect(ok, rows)})


@dataclass
class World:
    """One person and everyone around them, and the waits, rights and consents the routes
    need, each in the state its route acts on."""

    person: Any
    hospital: Organisation
    elsewhere: Organisation
    other_organisation: Organisation
    owed_wait: Any
    referral: Any
    requested: Any
    offered: Any
    accepted: Any
    health_consent: Any
    social_consent: Any
    message: Any
    users: dict[str, Any]
    bearer: dict[str, str]
    admin_objects: dict[str, Any]
    clients: dict[str, Client] = field(default_factory=dict)
    # The person checks in daily (monitoring_world): their enrolment, yesterday's check-in
    # with the alert it raised, and today's answers so far.
    monitoring: dict[str, Any] = field(default_factory=dict)

    def sign_in(self) -> None:
        """One client per actor, signed in once: the sessions are part of the world."""
        for actor in ACTORS:
            self.clients[actor] = Client()
            if actor in self.users:
                self.clients[actor].force_login(self.users[actor])

    def headers(self, actor: str) -> dict[str, str]:
        raw = self.bearer.get(actor)
        return {"Authorization": f"Bearer {raw}"} if raw else {}


def _citizen():
    return factories.PersonFactory(user=factories.UserFactory())


def _staff_at(organisation, kind=Role.Kind.CLINICIAN):
    return factories.RoleFactory(organisation=organisation, kind=kind).user


def _token(organisation, scope) -> str:
    admin = _staff_at(organisation, Role.Kind.ORGANISATION_ADMIN)
    _token, raw = people.create_api_token(
        Actor(user=admin), organisation_id=organisation.pk, name="Matrix client", scope=scope
    )
    return raw


def build_world() -> World:
    today = timezone.localdate()
    hospital = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    elsewhere = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    council = factories.OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    surgery = factories.OrganisationFactory(kind=Organisation.Kind.GP_PRACTICE)
    other = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)

    person = _citizen()
    care = factories.CareRelationshipFactory(person=person, organisation=hospital)
    social_consent = factories.ConsentFactory(
        person=person, organisation=council, category=RecordCategory.SOCIAL_CARE
    )
    health_consent = factories.ConsentFactory(
        person=person, organisation=surgery, category=RecordCategory.HEALTH
    )
    viewer, manager = _citizen(), _citizen()
    view_relationship = factories.RelationshipFactory(
        person=person, proxy=viewer, scope=Relationship.Scope.VIEW
    )
    factories.RelationshipFactory(person=person, proxy=manager, scope=Relationship.Scope.MANAGE)
    clinician = _staff_at(hospital)
    users = {
        PERSON: person.user,
        VIEW_PROXY: viewer.user,
        MANAGE_PROXY: manager.user,
        CITIZEN: _citizen().user,
        STAFF_NO_BASIS: _staff_at(other),
        STAFF_OTHER_CATEGORY: _staff_at(council, Role.Kind.PROFESSIONAL),
        STAFF_HEALTH_CARE: clinician,
    }
    bearer = {
        TOKEN_OTHER_ORGANISATION: _token(other, ApiToken.Scope.WRITE),
        READ_TOKEN: _token(hospital, ApiToken.Scope.READ),
        WRITE_TOKEN: _token(hospital, ApiToken.Scope.WRITE),
    }

    as_clinician, as_person = Actor(user=clinician), Actor(user=person.user)

    def breached_wait(service: str):
        """A wait referred 200 days ago: past its 126-day deadline, so the right is owed."""
        wait = waits.open_pathway(
            as_clinician,
            person_id=person.pk,
            scheme_code="uk-nhs-rtt",
            provider_id=hospital.pk,
            service=service,
        )
        waits.record_event(
            as_clinician,
            pathway_id=wait.pk,
            type="referral",
            occurred_on=today - dt.timedelta(days=200),
        )
        return wait

    def asked(service: str):
        wait = breached_wait(service)
        return waits.ask_for_care_elsewhere(as_person, pathway_id=wait.pk, stage="rtt")

    def offered(service: str):
        return waits.offer_care_elsewhere(
            as_clinician,
            right_id=asked(service).pk,
            provider_id=elsewhere.pk,
            appointment_on=today + dt.timedelta(days=10),
        )

    owed_wait = breached_wait("Orthopaedics")
    requested = asked("Cardiology")
    offer = offered("Dermatology")
    accepted = waits.reply_to_offer(as_person, right_id=offered("Urology").pk, accept=True)
    message = person.messages.order_by("pk").first()
    world = World(
        person=person,
        hospital=hospital,
        elsewhere=elsewhere,
        other_organisation=other,
        owed_wait=owed_wait,
        referral=owed_wait.events.get(type="referral"),
        requested=requested,
        offered=offer,
        accepted=accepted,
        health_consent=health_consent,
        social_consent=social_consent,
        message=message,
        users=users,
        bearer=bearer,
        admin_objects={
            "people_person": person,
            "people_user": person.user,
            "people_relationship": view_relationship,
            "people_consent": social_consent,
            "people_carerelationship": care,
            "people_auditevent": AuditEvent.objects.filter(person=person).first(),
            "people_apitoken": ApiToken.objects.filter(organisation=hospital).first(),
            "messaging_message": message,
            "guarantees_pathway": owed_wait,
            "guarantees_pathwayevent": owed_wait.events.first(),
            "guarantees_right": requested,
            "content_type": ContentType.objects.get_for_model(person),
        },
    )
    world.monitoring = monitoring_world(person, hospital, clinician)
    world.admin_objects |= {
        f"monitoring_{kind}": world.monitoring[name]
        for kind, name in (("enrolment", "enrolment"), ("checkin", "check_in"), ("alert", "alert"))
    }
    world.sign_in()
    return world


CAT_ANSWERS = {f"cat_{number}": 1 for number in range(1, 9)}


def monitoring_world(person, hospital, clinician) -> dict[str, Any]:
    """The person checks in each day for COPD with the hospital's clinician as their named
    clinician: yesterday's check-in showed urgent warning signs and the clinician asked them
    to measure again; today every question is answered but the check-in is not yet sent."""
    as_clinician, as_person = Actor(user=clinician), Actor(user=person.user)
    enrolment = monitoring.enrol(
        as_clinician,
        person_id=person.pk,
        programme_key="copd-cat",
        organisation_id=hospital.pk,
        team=[monitoring.TeamMember(clinician.pk, "Respiratory nurse")],
        window_opens=dt.time(0, 0),
        window_closes=dt.time(23, 59, 59),
        starts_on=_today() - dt.timedelta(days=5),
    )
    yesterday = monitoring.record_check_in(
        as_person,
        monitoring.Submission(
            person_id=person.pk,
            programme_key="copd-cat",
            answers={key: 5 for key in CAT_ANSWERS},
            taken_at=timezone.now() - dt.timedelta(days=1),
        ),
        source="web",
    )
    monitoring.ask_to_remeasure(as_clinician, alert_id=yesterday.alert.pk)
    for key, value in {**CAT_ANSWERS, "spo2": None, "on_oxygen": None, "remark": ""}.items():
        monitoring.save_check_in_answer(as_person, enrolment_id=enrolment.pk, key=key, value=value)
    return {"enrolment": enrolment, "check_in": yesterday.check_in, "alert": yesterday.alert}


# --- the routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """How to send one route as an actor, and what each actor gets."""

    method: str
    url: Callable[[World], str]
    expect: dict[str, Expect]
    body: Callable[[World, str], dict | None] = lambda world, actor: None


def on_behalf_if_staff(body: dict) -> Callable[[World, str], dict]:
    """A body for the person's own choices: staff and tokens say they act on the person's
    behalf (docs/security.md), so their answer shows the rule, not a validation error."""
    return lambda world, actor: body | ON_BEHALF if actor in STAFF_SIDE else body


def dated(name: str, day: dt.date) -> dict[str, int]:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def _today() -> dt.date:
    return timezone.localdate()


def _hospital_token(world: World) -> int:
    return world.admin_objects["people_apitoken"].pk


def _site(name: str, **kwargs: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={key: get(world) for key, get in kwargs.items()})


def _person(world: World):
    return world.person.pk


def _owed_wait(world: World):
    return world.owed_wait.pk


def _enrolment(world: World):
    return world.monitoring["enrolment"].pk


def _alert(world: World):
    return world.monitoring["alert"].pk


def care_team_page(ok: int, rows: tuple[str, ...]) -> dict[str, Expect]:
    """The care team's monitoring pages: only the person's care team (the named clinician
    here); a colleague with any other basis gets 404 as for a person they may not see."""
    return page(**{STAFF_HEALTH_CARE: Expect(ok, rows)})


API_ROUTES: dict[str, Route] = {
    "GET /api/monitoring/fhir/QuestionnaireResponse/{response_id}": Route(
        "GET",
        lambda w: f"/api/monitoring/fhir/QuestionnaireResponse/{w.monitoring['check_in'].pk}",
        seen_with_health_basis(),
    ),
    "GET /api/monitoring/alerts/{alert_id}/fhir": Route(
        # Alerts are the care team's work: never a token's.
        "GET",
        lambda w: f"/api/monitoring/alerts/{_alert(w)}/fhir",
        api(**{STAFF_HEALTH_CARE: Expect(200, (READ,))}),
    ),
    "GET /api/people/{person_id}": Route(
        "GET", lambda w: f"/api/people/{w.person.pk}", seen_by_any_basis(200)
    ),
    "PATCH /api/people/{person_id}/contact-details": Route(
        "PATCH",
        lambda w: f"/api/people/{w.person.pk}/contact-details",
        # The person, a manage proxy, or a care relationship: a consent to see is not enough.
        api(
            **{
                PERSON: Expect(200),
                MANAGE_PROXY: Expect(200, (WRITE,)),
                STAFF_HEALTH_CARE: Expect(200, (WRITE,)),
                WRITE_TOKEN: Expect(200, (WRITE,)),
            }
        ),
        lambda world, actor: {"phone": "07700 900456"},
    ),
    "GET /api/people/{person_id}/consents": Route(
        "GET", lambda w: f"/api/people/{w.person.pk}/consents", seen_by_any_basis(200)
    ),
    "POST /api/people/{person_id}/consents": Route(
        "POST",
        lambda w: f"/api/people/{w.person.pk}/consents",
        persons_choice(201),
        lambda world, actor: (
            {"organisation_id": world.other_organisation.pk, "category": RecordCategory.HEALTH}
            | (ON_BEHALF if actor in STAFF_SIDE else {})
        ),
    ),
    "POST /api/consents/{consent_id}/revoke": Route(
        "POST",
        # A health consent: staff with a health care relationship may take it back for them.
        lambda w: f"/api/consents/{w.health_consent.pk}/revoke",
        persons_choice(200),
        lambda world, actor: ON_BEHALF if actor in STAFF_SIDE else None,
    ),
    "GET /api/people/{person_id}/audit-events": Route(
        "GET", lambda w: f"/api/people/{w.person.pk}/audit-events", persons_and_proxies()
    ),
    "GET /api/people/{person_id}/data": Route(
        "GET", lambda w: f"/api/people/{w.person.pk}/data", persons_and_proxies()
    ),
    "GET /api/people/{person_id}/messages": Route(
        "GET", lambda w: f"/api/people/{w.person.pk}/messages", seen_by_any_basis(200)
    ),
    "POST /api/people/{person_id}/messages": Route(
        "POST",
        lambda w: f"/api/people/{w.person.pk}/messages",
        seen_by_any_basis(
            201,
            **{
                PERSON: Expect(201),
                VIEW_PROXY: NOT_FOUND,
                MANAGE_PROXY: Expect(201, (WRITE,)),
                STAFF_OTHER_CATEGORY: Expect(201, (WRITE,)),
                STAFF_HEALTH_CARE: Expect(201, (WRITE,)),
                READ_TOKEN: NOT_FOUND,
                WRITE_TOKEN: Expect(201, (WRITE,)),
            },
        ),
        lambda world, actor: {"subject": "Your appointment", "body": "Please ring us."},
    ),
    "GET /api/guarantees/pathways": Route(
        # A list: whoever may see none of the person's waits gets an empty page, not 404.
        "GET",
        lambda w: f"/api/guarantees/pathways?person_id={w.person.pk}",
        seen_with_health_basis()
        | {actor: Expect(200) for actor in (CITIZEN, STAFF_NO_BASIS, STAFF_OTHER_CATEGORY)}
        | {TOKEN_OTHER_ORGANISATION: Expect(200)},
    ),
    "POST /api/guarantees/pathways": Route(
        # Opening a wait is staff work at a provider the actor works for: anyone else is
        # refused (403) before the person is looked up, so it says nothing about them.
        "POST",
        lambda w: "/api/guarantees/pathways",
        api(
            **{actor: Expect(403) for actor in ACTORS}
            | {
                STAFF_HEALTH_CARE: Expect(201, (WRITE,)),
                WRITE_TOKEN: Expect(201, (WRITE,)),
                READ_TOKEN: NOT_FOUND,
            }
        ),
        lambda world, actor: {
            "person_id": str(world.person.pk),
            "scheme": "uk-nhs-rtt",
            "provider_id": world.hospital.pk,
            "service": "Cardiology",
        },
    ),
    "GET /api/guarantees/pathways/{pathway_id}": Route(
        "GET", lambda w: f"/api/guarantees/pathways/{w.owed_wait.pk}", seen_with_health_basis()
    ),
    "GET /api/guarantees/pathways/{pathway_id}/fhir": Route(
        "GET",
        lambda w: f"/api/guarantees/pathways/{w.owed_wait.pk}/fhir",
        seen_with_health_basis(),
    ),
    "POST /api/guarantees/pathways/{pathway_id}/events": Route(
        "POST",
        lambda w: f"/api/guarantees/pathways/{w.owed_wait.pk}/events",
        staff_work(201),
        lambda world, actor: {"type": "first_visit", "occurred_on": _today().isoformat()},
    ),
    "POST /api/guarantees/pathways/{pathway_id}/care-elsewhere": Route(
        "POST",
        lambda w: f"/api/guarantees/pathways/{w.owed_wait.pk}/care-elsewhere",
        persons_choice(200),
        on_behalf_if_staff({"stage": "rtt"}),
    ),
    "GET /api/guarantees/rights/{right_id}": Route(
        "GET", lambda w: f"/api/guarantees/rights/{w.requested.pk}", seen_with_health_basis()
    ),
    "POST /api/guarantees/rights/{right_id}/offer": Route(
        "POST",
        lambda w: f"/api/guarantees/rights/{w.requested.pk}/offer",
        # The platform sends the person the offer.
        staff_work(200, rows=(WRITE, PLATFORM_WRITE)),
        lambda world, actor: {
            "provider_id": world.elsewhere.pk,
            "appointment_on": (_today() + dt.timedelta(days=10)).isoformat(),
        },
    ),
    "POST /api/guarantees/rights/{right_id}/reply": Route(
        "POST",
        lambda w: f"/api/guarantees/rights/{w.offered.pk}/reply",
        persons_choice(200),
        on_behalf_if_staff({"accept": True}),
    ),
    "POST /api/guarantees/rights/{right_id}/treated": Route(
        "POST",
        lambda w: f"/api/guarantees/rights/{w.accepted.pk}/treated",
        staff_work(200),
        lambda world, actor: {"treated_on": _today().isoformat()},
    ),
}


def _give_consent(world: World, actor: str) -> dict:
    return {"organisation": world.other_organisation.pk, "category": RecordCategory.HEALTH}


SITE_ROUTES: dict[str, Route] = {
    "GET people:my-data-for": Route(
        "GET", _site("people:my-data-for", person_id=_person), persons_and_proxies(on_page=True)
    ),
    "POST people:my-data-for": Route(
        "POST",
        _site("people:my-data-for", person_id=_person),
        persons_choice_on_page(),
        _give_consent,
    ),
    "GET people:my-data-download-for": Route(
        "GET",
        _site("people:my-data-download-for", person_id=_person),
        persons_and_proxies(on_page=True),
    ),
    "GET people:revoke-consent": Route(
        "GET",
        _site("people:revoke-consent", consent_id=lambda w: w.health_consent.pk),
        persons_check_step(),
    ),
    "GET people:revoke-consent-for": Route(
        "GET",
        _site(
            "people:revoke-consent-for",
            person_id=_person,
            consent_id=lambda w: w.health_consent.pk,
        ),
        persons_check_step(),
    ),
    "POST people:revoke-consent": Route(
        "POST",
        _site("people:revoke-consent", consent_id=lambda w: w.health_consent.pk),
        persons_choice_on_page(),
    ),
    "POST people:revoke-consent-for": Route(
        "POST",
        _site(
            "people:revoke-consent-for",
            person_id=_person,
            consent_id=lambda w: w.health_consent.pk,
        ),
        persons_choice_on_page(),
    ),
    # One look, one READ row, whatever sections the basis shows (the row names them:
    # tests/people/test_person_sections.py); the social care consent sees no waits section.
    "GET people:person": Route(
        "GET",
        _site("people:person", person_id=_person),
        page(
            **{
                PERSON: Expect(200),
                VIEW_PROXY: Expect(200, (READ,)),
                MANAGE_PROXY: Expect(200, (READ,)),
                STAFF_OTHER_CATEGORY: Expect(200, (READ,)),
                STAFF_HEALTH_CARE: Expect(200, (READ,)),
            }
        ),
    ),
    "GET messaging:messages-for": Route(
        "GET",
        _site("messaging:messages-for", person_id=_person),
        persons_and_proxies(on_page=True),
    ),
    "GET messaging:message": Route(
        "GET",
        _site("messaging:message", message_id=lambda w: w.message.pk),
        persons_and_proxies(on_page=True),
    ),
    "GET guarantees:my-waits-for": Route(
        "GET",
        _site("guarantees:my-waits-for", person_id=_person),
        persons_and_proxies(on_page=True),
    ),
    "GET guarantees:ask": Route(
        "GET",
        _site("guarantees:ask", pathway_id=_owed_wait, stage=lambda w: "rtt"),
        persons_check_step(),
    ),
    "POST guarantees:ask": Route(
        "POST",
        _site("guarantees:ask", pathway_id=_owed_wait, stage=lambda w: "rtt"),
        persons_choice_on_page(),
    ),
    "POST guarantees:accept-offer": Route(
        "POST",
        _site("guarantees:accept-offer", right_id=lambda w: w.offered.pk),
        persons_choice_on_page(),
    ),
    "GET guarantees:decline-offer": Route(
        "GET",
        _site("guarantees:decline-offer", right_id=lambda w: w.offered.pk),
        persons_check_step(),
    ),
    "POST guarantees:decline-offer": Route(
        "POST",
        _site("guarantees:decline-offer", right_id=lambda w: w.offered.pk),
        persons_choice_on_page(),
    ),
    "GET guarantees:offer": Route(
        "GET",
        _site("guarantees:offer", right_id=lambda w: w.requested.pk),
        staff_page(200, (READ,)),
    ),
    "POST guarantees:offer": Route(
        "POST",
        _site("guarantees:offer", right_id=lambda w: w.requested.pk),
        staff_page(302, (WRITE, PLATFORM_WRITE)),
        lambda world, actor: {
            "provider": world.elsewhere.pk,
            **dated("appointment_on", _today() + dt.timedelta(days=10)),
        },
    ),
    "GET guarantees:treated-elsewhere": Route(
        "GET",
        _site("guarantees:treated-elsewhere", right_id=lambda w: w.accepted.pk),
        staff_page(200, (READ,)),
    ),
    "POST guarantees:treated-elsewhere": Route(
        "POST",
        _site("guarantees:treated-elsewhere", right_id=lambda w: w.accepted.pk),
        staff_page(302, (WRITE,)),
        lambda world, actor: dated("treated_on", _today()),
    ),
    "GET guarantees:pathway": Route(
        "GET", _site("guarantees:pathway", pathway_id=_owed_wait), staff_page(200, (READ,))
    ),
    "POST guarantees:pathway": Route(
        "POST",
        _site("guarantees:pathway", pathway_id=_owed_wait),
        staff_page(302, (WRITE,)),
        lambda world, actor: {"type": "first_visit", **dated("occurred_on", _today())},
    ),
    "POST guarantees:withdraw-event": Route(
        "POST",
        _site("guarantees:withdraw-event", pathway_id=_owed_wait),
        staff_page(302, (WRITE,)),
        lambda world, actor: {"corrects": world.referral.pk, "reason": "On the wrong wait"},
    ),
    "GET guarantees:open": Route(
        "GET", _site("guarantees:open", person_id=_person), staff_page(200, (READ,))
    ),
    "POST guarantees:open": Route(
        "POST",
        _site("guarantees:open", person_id=_person),
        staff_page(302, (WRITE,)),
        lambda world, actor: {
            "scheme": "uk-nhs-rtt",
            "provider": world.hospital.pk,
            "service": "Cardiology",
        },
    ),
    # Staff making the person's own choices for them, when the person asked.
    "GET guarantees:ask-on-behalf": Route(
        "GET",
        _site("guarantees:ask-on-behalf", pathway_id=_owed_wait, stage=lambda w: "rtt"),
        staff_page(200, (READ,)),
    ),
    "POST guarantees:ask-on-behalf": Route(
        "POST",
        _site("guarantees:ask-on-behalf", pathway_id=_owed_wait, stage=lambda w: "rtt"),
        staff_page(302, (WRITE, PLATFORM_WRITE)),
        lambda world, actor: ON_BEHALF_FORM,
    ),
    "GET guarantees:reply-on-behalf": Route(
        "GET",
        _site("guarantees:reply-on-behalf", right_id=lambda w: w.offered.pk),
        staff_page(200, (READ,)),
    ),
    "POST guarantees:reply-on-behalf": Route(
        "POST",
        _site("guarantees:reply-on-behalf", right_id=lambda w: w.offered.pk),
        staff_page(302, (WRITE, PLATFORM_WRITE)),
        lambda world, actor: {"answer": "accept", **ON_BEHALF_FORM},
    ),
    "GET people:give-consent-on-behalf": Route(
        "GET",
        _site("people:give-consent-on-behalf", person_id=_person),
        staff_page(200, (READ,)),
    ),
    "POST people:give-consent-on-behalf": Route(
        "POST",
        _site("people:give-consent-on-behalf", person_id=_person),
        staff_page(302, (WRITE, PLATFORM_WRITE)),
        lambda world, actor: {
            "organisation": world.elsewhere.pk,
            "category": "health",
            **ON_BEHALF_FORM,
        },
    ),
    # Monitoring: a clinician with a health basis enrols the person, in three steps kept in
    # the session (programme, care team and thresholds, check). The first step's page is a
    # look; a step sent without the ones before it goes back to the start; nothing changes
    # until the check step (tests/monitoring/test_staff_pages.py walks the whole way).
    "GET monitoring:enrol": Route(
        "GET", _site("monitoring:enrol", person_id=_person), staff_page(200, (READ,))
    ),
    "POST monitoring:enrol": Route(
        "POST",
        _site("monitoring:enrol", person_id=_person),
        staff_page(302, ()),
        lambda world, actor: {"programme": "heart-failure", "organisation": world.hospital.pk},
    ),
    "GET monitoring:enrol-details": Route(
        "GET", _site("monitoring:enrol-details", person_id=_person), staff_page(302, ())
    ),
    "POST monitoring:enrol-details": Route(
        "POST", _site("monitoring:enrol-details", person_id=_person), staff_page(302, ())
    ),
    "GET monitoring:enrol-check": Route(
        "GET", _site("monitoring:enrol-check", person_id=_person), staff_page(302, ())
    ),
    "POST monitoring:enrol-check": Route(
        "POST", _site("monitoring:enrol-check", person_id=_person), staff_page(302, ())
    ),
    # Monitoring, the person's side: the person and their proxies read (a proxy's look
    # audited); only the person and a manage proxy check in (a manage proxy's answers and
    # check-in audited). Today's answers are all in, so the check page shows and sends them.
    "GET monitoring:mine-for": Route(
        "GET", _site("monitoring:mine-for", person_id=_person), persons_and_proxies(on_page=True)
    ),
    "GET monitoring:how-it-works": Route(
        "GET",
        _site("monitoring:how-it-works", enrolment_id=_enrolment),
        persons_and_proxies(on_page=True),
    ),
    "GET monitoring:history": Route(
        "GET",
        _site("monitoring:history", enrolment_id=_enrolment),
        persons_and_proxies(on_page=True),
    ),
    "GET monitoring:result": Route(
        "GET",
        _site("monitoring:result", check_in_id=lambda w: w.monitoring["check_in"].pk),
        persons_and_proxies(on_page=True),
    ),
    "GET monitoring:check-in": Route(
        "GET",
        _site("monitoring:check-in", enrolment_id=_enrolment),
        page(**{PERSON: Expect(302), MANAGE_PROXY: Expect(302)}),
    ),
    "GET monitoring:question": Route(
        "GET",
        _site("monitoring:question", enrolment_id=_enrolment, key=lambda w: "cat_3"),
        persons_check_step(),
    ),
    "POST monitoring:question": Route(
        "POST",
        _site("monitoring:question", enrolment_id=_enrolment, key=lambda w: "cat_3"),
        persons_choice_on_page(),
        lambda world, actor: {"cat_3": "2"},
    ),
    "GET monitoring:check-answers": Route(
        "GET", _site("monitoring:check-answers", enrolment_id=_enrolment), persons_check_step()
    ),
    "POST monitoring:check-answers": Route(
        "POST", _site("monitoring:check-answers", enrolment_id=_enrolment), persons_choice_on_page()
    ),
    "POST monitoring:measure-again": Route(
        "POST",
        _site(
            "monitoring:measure-again",
            enrolment_id=_enrolment,
            alert_id=lambda w: w.monitoring["alert"].pk,
        ),
        persons_choice_on_page(),
    ),
    # Monitoring, the care team's side of one enrolment: only a member of the person's care
    # team (the clinician with the health care relationship is their named clinician).
    "GET monitoring:alert": Route(
        "GET", _site("monitoring:alert", alert_id=_alert), care_team_page(200, (READ,))
    ),
    "GET monitoring:alert-fhir": Route(
        "GET", _site("monitoring:alert-fhir", alert_id=_alert), care_team_page(200, (READ,))
    ),
    "POST monitoring:alert-step": Route(
        "POST",
        lambda w: reverse("monitoring:alert-step", kwargs={"alert_id": _alert(w), "step": "call"}),
        care_team_page(302, (WRITE,)),
        lambda world, actor: {"note": "Rang her: she is resting and will measure again"},
    ),
    "GET monitoring:thresholds": Route(
        "GET", _site("monitoring:thresholds", enrolment_id=_enrolment), staff_page(200, (READ,))
    ),
    "GET monitoring:change-threshold": Route(
        "GET",
        _site("monitoring:change-threshold", enrolment_id=_enrolment, key=lambda w: "cat_baseline"),
        staff_page(200, (READ,)),
    ),
    "POST monitoring:change-threshold": Route(
        "POST",
        _site("monitoring:change-threshold", enrolment_id=_enrolment, key=lambda w: "cat_baseline"),
        staff_page(302, (WRITE,)),
        lambda world, actor: {"value": "12", "why": "Stable at the clinic"},
    ),
    "GET monitoring:end": Route(
        "GET", _site("monitoring:end", enrolment_id=_enrolment), staff_page(200, (READ,))
    ),
    "POST monitoring:end": Route(
        "POST",
        _site("monitoring:end", enrolment_id=_enrolment),
        staff_page(302, (WRITE,)),
        lambda world, actor: {"reason": "Moved to another service"},
    ),
    # API tokens in the site: only admins of the token's organisation (none of the actors
    # here); a token is no person's data, so nothing is audited.
    "GET people:revoke-api-token": Route(
        "GET", _site("people:revoke-api-token", token_id=_hospital_token), page()
    ),
    "POST people:revoke-api-token": Route(
        "POST", _site("people:revoke-api-token", token_id=_hospital_token), page()
    ),
}


# The back office (/admin/) is for platform operators (Django `is_staff`), none of the actors
# above: every one of them is sent to the back office's sign-in, and nothing is audited. What
# operators see there, and its audit rows, is tests/people/test_admin.py's.
BACK_OFFICE_ONLY = page(**{actor: SIGN_IN_PAGE for actor in ACTORS})
