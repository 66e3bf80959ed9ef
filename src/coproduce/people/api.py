"""People, consent and audit over HTTP. Thin: parse, call an action or query, shape the answer."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from coproduce.api import ERROR_RESPONSES, Id, InputSchema, RateLimit, Text, actor_for
from coproduce.errors import NotAllowed, invalid_fields
from coproduce.listing import API_LIMIT, Limit, Offset, PeopleShown, RecordShown, page_for_api

from . import actions, queries
from .access import AskedBy, access_as_citizen, access_person, citizen_access
from .models import AuditEvent, Channel, Organisation, Person, RecordCategory
from .sections import PERSON_FIELDS, RecordView, record_view

router = Router(tags=["people"])

ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
CategoryName = Literal[tuple(RecordCategory.values)]  # type: ignore[valid-type]
AskedByName = Literal[tuple(AskedBy.values)]  # type: ignore[valid-type]
# The languages the platform writes messages in (settings.LANGUAGES: "en", "cy").
LanguageCode = Literal[tuple(code for code, _name in settings.LANGUAGES)]  # type: ignore[valid-type]
OrganisationKind = Literal[tuple(Organisation.Kind.values)]  # type: ignore[valid-type]


class OnBehalfIn(InputSchema):
    """What staff send to make one of the person's own choices for them."""

    on_behalf: bool = Field(
        False, description="Staff: you are doing this because the person asked you to."
    )
    asked_by: AskedByName | None = Field(  # type: ignore[valid-type]
        None, description="How the person asked you: phone, in_person, letter or email."
    )

    def asked_by_on_behalf(self) -> str | None:
        """How the person asked, when this is on their behalf; otherwise None."""
        if not self.on_behalf:
            if self.asked_by is not None:
                raise invalid_fields(
                    {"on_behalf": ["Send on_behalf: true with asked_by, or leave both out."]}
                )
            return None
        if self.asked_by is None:
            raise invalid_fields({"asked_by": ["Say how the person asked you to do this."]})
        return self.asked_by


class LocalityOut(Schema):
    code: str
    name: str
    kind: str


class OrganisationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    locality: LocalityOut
    parent_id: int | None


class RoleOut(Schema):
    organisation_id: int
    organisation: str
    kind: str


class MeOut(Schema):
    username: str | None
    person_id: UUID | None
    organisation_ids: list[int]
    roles: list[RoleOut]
    acts_for: list[UUID]


class PersonOut(Schema):
    """Identity and contact details are shown to anyone with a basis to see the person; the
    NHS number only with a health basis (docs/security.md, "Seeing a person")."""

    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str | None = Field(
        description=(
            "Null when it is not known, and whenever you have no health basis for the person "
            "(a current health consent or care relationship): the NHS number is health "
            "information."
        )
    )
    email: str
    phone: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    locality: LocalityOut | None
    preferred_channel: str
    language: str = Field(
        description="The language messages are written in: en-gb (English) or cy (Welsh)."
    )
    why_you_can_see: str = Field(description="The consent or relationship that lets you see it.")


class PersonSummaryOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date


class PersonPage(Schema):
    count: int
    results: list[PersonSummaryOut]


class PersonIn(InputSchema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    nhs_number: str | None = None
    email: str = ""
    phone: str = Field("", max_length=20)
    address_line_1: str = Field("", max_length=200)
    address_line_2: str = Field("", max_length=200)
    town: str = Field("", max_length=100)
    postcode: str = Field("", max_length=10)
    preferred_channel: ChannelName = Channel.LETTER.value  # type: ignore[valid-type]
    language: LanguageCode = settings.LANGUAGE_CODE  # type: ignore[valid-type]
    locality_code: str | None = None
    organisation_id: Id | None = None
    care_category: CategoryName  # type: ignore[valid-type]
    care_reason: str = Field(min_length=1, max_length=200)


class ContactDetailsIn(InputSchema):
    email: str | None = None
    phone: str | None = Field(None, max_length=20)
    address_line_1: str | None = Field(None, max_length=200)
    address_line_2: str | None = Field(None, max_length=200)
    town: str | None = Field(None, max_length=100)
    postcode: str | None = Field(None, max_length=10)
    preferred_channel: ChannelName | None = None  # type: ignore[valid-type]
    language: LanguageCode | None = None  # type: ignore[valid-type]


class ConsentIn(OnBehalfIn):
    organisation_id: Id
    category: CategoryName  # type: ignore[valid-type]
    expires_at: datetime | None = None
    purpose: str = Field("", max_length=300)


class ConsentOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    category: str
    purpose: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_at: datetime | None = Field(
        description="When a newer consent to the same organisation for the same records took "
        "its place."
    )
    current: bool


class AuditEventOut(Schema):
    occurred_at: datetime
    who: str
    organisation: str | None
    action: str
    what: str
    why: str
    via: str


def _on_behalf_in_body(request: HttpRequest) -> str | None:
    """The optional on-behalf body of a request that needs no other field: no body (or an
    empty form) is the person's own request."""
    if request.content_type != "application/json" or not request.body.strip():
        return None
    try:
        payload = OnBehalfIn.model_validate_json(request.body)
    except PydanticValidationError as error:
        raise invalid_fields(
            {
                ".".join(str(part) for part in problem["loc"]) or "body": [problem["msg"]]
                for problem in error.errors()
            }
        ) from None
    return payload.asked_by_on_behalf()


def _person_out(person: Person, basis: str) -> dict:
    names = [name for name in PersonOut.model_fields if hasattr(person, name)]
    fields = {name: getattr(person, name) for name in names}
    return {
        **fields,
        "locality": person.locality,
        "why_you_can_see": basis,
    }


def _person_seen(person: Person, basis: str, view: RecordView) -> dict:
    """The person as this viewer may see them: a field in a category they have no basis in
    is null, the same as a field nobody knows."""
    shown = _person_out(person, basis)
    for name in shown.keys() & PERSON_FIELDS.keys():
        if not view.shows_field(name):
            shown[name] = None
    return shown


def _consent_out(consent, now) -> dict:
    return {
        "id": consent.pk,
        "organisation_id": consent.organisation_id,
        "organisation": consent.organisation.name,
        "category": consent.category,
        "purpose": consent.purpose,
        "granted_at": consent.granted_at,
        "expires_at": consent.expires_at,
        "revoked_at": consent.revoked_at,
        "replaced_at": consent.replaced_at,
        "current": consent.is_current(now),
    }


def _own_or_proxy(request: HttpRequest, person_id: UUID, what: str):
    """The person's own view (themself or a proxy): staff and tokens get not found, and
    nothing goes on the audit trail for them (a 404 is not a look)."""
    return access_as_citizen(actor_for(request), person_id, what=what)


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="Who you are signed in as")
def me(request: HttpRequest):
    actor = actor_for(request)
    roles = [
        {"organisation_id": r.organisation_id, "organisation": r.organisation.name, "kind": r.kind}
        for r in actor.roles
    ]
    own = actor.own_person
    return {
        "username": actor.user.get_username() if actor.user is not None else None,
        "person_id": own.pk if own else None,
        "organisation_ids": sorted(actor.organisation_ids),
        "roles": roles,
        "acts_for": [r.person_id for r in queries.people_acted_for(own)] if own else [],
    }


@router.get(
    "/organisations",
    response={200: list[OrganisationOut], **ERROR_RESPONSES},
    auth=None,
    summary="Organisations on the platform",
)
def list_organisations(request: HttpRequest, kind: OrganisationKind | None = None):  # type: ignore[valid-type]
    return list(queries.organisations(kind=kind))


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **ERROR_RESPONSES},
    auth=None,
)
def get_organisation(request: HttpRequest, organisation_id: Id):
    organisation = queries.organisations().filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404("No organisation has that id.")
    return organisation


@router.get(
    "/people",
    response={200: PersonPage, **ERROR_RESPONSES},
    summary="People your organisation is caring for or has consent to see",
    # Each name listed is a row in that person's audit trail: nobody may flood it.
    throttle=RateLimit("people-search"),
)
def list_people(
    request: HttpRequest,
    search: Annotated[Text, Query("", max_length=100)] = "",
    limit: Limit = API_LIMIT,
    offset: Offset = 0,
):
    actor = actor_for(request)
    if not actor.is_staff_member:
        raise NotAllowed("Only staff of an organisation can list people.")
    people = queries.people_in_care_of(actor, search=search)
    shown = PeopleShown(what="name and date of birth (list)")
    return page_for_api(request, actor, people, shown, limit=limit, offset=offset)


@router.post(
    "/people",
    response={201: PersonOut, **ERROR_RESPONSES},
    summary="Register a person your organisation is caring for",
    description=(
        "An NHS number already on a record is refused with 409 `nhs_number_taken`, the same "
        "answer whoever holds it and whether or not you may see them; the attempt is written "
        "to that person's audit trail. After 5 such refusals in an hour, your organisation's "
        "registrations with an NHS number are refused with 429 `too_many_attempts` until the "
        "hour is up."
    ),
)
def register_person(request: HttpRequest, payload: PersonIn):
    details = payload.model_dump(
        exclude={"care_category", "care_reason", "organisation_id", "locality_code"}
    )
    person = actions.register_person(
        actor_for(request),
        details=details,
        care_category=payload.care_category,
        care_reason=payload.care_reason,
        organisation_id=payload.organisation_id,
        locality_code=payload.locality_code,
    )
    return Status(201, _person_out(person, f"Care relationship: {payload.care_reason}"))


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **ERROR_RESPONSES},
    summary="A person's record (audited)",
)
def get_person(request: HttpRequest, person_id: UUID):
    actor = actor_for(request)
    access = access_person(actor, person_id)
    basis = "This is you" if access.is_self else access.basis
    return _person_seen(access.person, basis, record_view(actor, access.person))


@router.patch("/people/{person_id}/contact-details", response={200: PersonOut, **ERROR_RESPONSES})
def change_contact_details(request: HttpRequest, person_id: UUID, payload: ContactDetailsIn):
    actor = actor_for(request)
    person = actions.update_contact_details(
        actor, person_id=person_id, changes=payload.model_dump(exclude_none=True)
    )
    # Changing contact details is no basis for seeing the rest of the record.
    return _person_seen(person, "You changed it", record_view(actor, person))


@router.get(
    "/people/{person_id}/consents",
    response={200: list[ConsentOut], **ERROR_RESPONSES},
    summary="The person's consents (staff and tokens: only those to their own organisations)",
    description=(
        "The person and their proxies get every consent. Staff and tokens get only the "
        "consents given to the organisations they act for, never consents to others."
    ),
)
def list_consents(request: HttpRequest, person_id: UUID):
    actor = actor_for(request)
    access = access_person(actor, person_id, what="consents")
    now = timezone.now()
    seen = queries.consents_seen_by(record_view(actor, access.person))
    return [_consent_out(consent, now) for consent in seen]


@router.post(
    "/people/{person_id}/consents",
    response={201: ConsentOut, **ERROR_RESPONSES},
    summary="Let an organisation see one category of your record",
)
def give_consent(request: HttpRequest, person_id: UUID, payload: ConsentIn):
    consent = actions.grant_consent(
        actor_for(request),
        person_id=person_id,
        organisation_id=payload.organisation_id,
        category=payload.category,
        expires_at=payload.expires_at,
        purpose=payload.purpose,
        on_behalf=payload.asked_by_on_behalf(),
    )
    return Status(201, _consent_out(consent, consent.granted_at))


@router.post(
    "/consents/{consent_id}/revoke",
    response={200: ConsentOut, **ERROR_RESPONSES},
    summary="Take consent back; it ends at once",
    description=(
        "No body is needed when the person (or a proxy managing for them) takes consent back. "
        "Staff with a care relationship in the consent's category send "
        '`{"on_behalf": true, "asked_by": ...}`.'
    ),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": OnBehalfIn.model_json_schema()}},
        }
    },
)
def revoke_consent(request: HttpRequest, consent_id: Id):
    consent = actions.revoke_consent(
        actor_for(request), consent_id=consent_id, on_behalf=_on_behalf_in_body(request)
    )
    return _consent_out(consent, consent.revoked_at)


class AuditEventPage(Schema):
    count: int
    results: list[AuditEventOut]


def _audit_event_out(event: AuditEvent) -> dict:
    return {
        "occurred_at": event.occurred_at,
        "who": event.actor_label,
        "organisation": event.organisation.name if event.organisation else None,
        "action": event.action,
        "what": event.what,
        "why": event.why,
        "via": event.via,
    }


@router.get(
    "/people/{person_id}/audit-events",
    response={200: AuditEventPage, **ERROR_RESPONSES},
    summary="Who looked at or changed the record, and why, newest first",
)
def list_audit_events(
    request: HttpRequest, person_id: UUID, limit: Limit = API_LIMIT, offset: Offset = 0
):
    """The person's own view (themself or a proxy): staff and tokens get not found."""
    actor = actor_for(request)
    access = citizen_access(actor, person_id)
    found = queries.audit_trail_for_person(access.person)
    shown = RecordShown(access=access, what="audit trail")
    return page_for_api(
        request, actor, found, shown, limit=limit, offset=offset, row=_audit_event_out
    )


@router.get(
    "/people/{person_id}/data",
    response={200: dict, **ERROR_RESPONSES},
    summary="Everything held about the person, as JSON",
)
def download_personal_data(request: HttpRequest, person_id: UUID):
    return queries.personal_data(_own_or_proxy(request, person_id, what="all personal data"))
