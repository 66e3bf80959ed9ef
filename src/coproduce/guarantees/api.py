"""Waiting-time guarantees over HTTP: waits (pathways) with their events and live clocks, the
right to care elsewhere, bulk import, and the FHIR R4 export. Thin: parse, call an action or
query, shape the answer. Every look at a person's wait goes through `access_person` (and is
audited); every change through `actions`.

Staff (and an organisation's API token) see the waits at the providers they act for, of
people in their care; a citizen sees their own waits and those of people they act for.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import RequestDataTooBig
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from coproduce.api import ERROR_RESPONSES, Id, InputSchema, actor_for, error_response
from coproduce.errors import ActionError, InvalidInput, NotAllowed
from coproduce.listing import API_LIMIT, Limit, Offset, PeopleShown, page_for_api
from coproduce.people.access import (
    Actor,
    PersonNotFound,
    organisation_and_children,
    people_in_organisations_care,
    people_visible_to,
)
from coproduce.people.api import OnBehalfIn
from coproduce.people.models import RecordCategory

from . import actions, imports
from .models import Pathway, PathwayEvent, Right, Scheme
from .queries import (
    RightStatus,
    effective_events,
    pathway_clocks,
    pathway_for_reading,
    right_overdue,
    right_status,
    scheme_rules,
    with_stage_ended,
)
from .rules import StageClock, event_types
from .standards import fhir

router = Router(tags=["guarantees"])

MAX_IMPORT_ROWS = 10_000


# --- shapes --------------------------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    code: str
    name: str


class StageOut(Schema):
    stage: str
    title: str
    status: str = Field(
        description="not_started, running, met, breached, lapsed or nullified (live, today)."
    )
    start: date | None
    end: date | None
    deadline: date | None
    days_waited: int | None
    limit: int
    unit: str
    days_excluded: int
    excluded_by_kind: dict[str, int] = Field(description="patient, medical, examination")
    paused_by: str | None
    at_risk: bool


class EventOut(Schema):
    id: int
    sequence: int
    type: str
    occurred_on: date
    note: str
    corrects_id: int | None
    standing: bool = Field(description="False once withdrawn or replaced by a correction.")
    recorded_at: datetime
    recorded_by: str
    source: str
    event_id: str = Field(description="The sender's own id for the event (idempotency).")


class RightOut(Schema):
    id: int
    pathway_id: UUID
    stage: str
    stage_started_on: date
    breached_on: date
    status: str = Field(
        description="owed, requested, offered, accepted, declined, treated, or ended (the "
        "stage ended before the person asked: no longer owed)."
    )
    overdue: bool = Field(description="The region has missed its deadline to offer care.")
    requested_at: datetime | None
    requested_by: str = Field(description="Who asked: the person, their proxy, or staff for them.")
    respond_by: date | None
    offered_provider: ProviderOut | None
    offered_at: datetime | None
    offered_appointment_on: date | None
    reply_by: date | None
    accepted_at: datetime | None
    declined_at: datetime | None
    answered_by: str = Field(description="Who accepted or declined the offer.")
    treated_on: date | None


class PathwaySummaryOut(Schema):
    id: UUID
    person_id: UUID
    scheme: str
    scheme_title: str
    provider: ProviderOut
    service: str
    external_id: str
    created_at: datetime
    stages: list[StageOut]


class PathwayOut(PathwaySummaryOut):
    created_by: str
    events: list[EventOut]
    rights: list[RightOut]


class PathwayPage(Schema):
    count: int
    results: list[PathwaySummaryOut]


class RightPage(Schema):
    count: int
    results: list[RightOut]


class PathwayIn(InputSchema):
    person_id: UUID
    scheme: str = Field(min_length=1, max_length=50)
    provider_id: Id
    service: str = Field(min_length=1, max_length=100)
    external_id: str = Field("", max_length=100)


class EventIn(InputSchema):
    type: str = Field(min_length=1, max_length=50)
    occurred_on: date
    note: str = Field("", max_length=500)
    corrects_id: Id | None = Field(None, description="The event this one corrects.")
    event_id: str = Field(
        "", max_length=200, description="Your id for the event: sending it again adds nothing."
    )


class CareElsewhereIn(OnBehalfIn):
    stage: str = Field(min_length=1, max_length=50)


class OfferIn(InputSchema):
    provider_id: Id
    appointment_on: date


class ReplyIn(OnBehalfIn):
    accept: bool


class TreatedIn(InputSchema):
    treated_on: date


class BadRowOut(Schema):
    where: str
    line: int
    item: int | None
    event_id: str
    reason: str


class ImportOut(Schema):
    rows: int
    added: int
    skipped: int
    pathways_opened: int
    imported: bool
    dry_run: bool
    bad_rows: list[BadRowOut]


class SchemeStageOut(Schema):
    code: str
    title: str
    plain_words: str
    limit: int
    unit: str


class SchemeOut(Schema):
    code: str
    title: str
    # What people where it applies call it, and what it promises, in plain words.
    public_name: str
    explanation: str
    country: str
    effective_from: date
    effective_to: date | None
    right_on_breach: str
    stages: list[SchemeStageOut]
    event_types: list[str]


# --- reading -------------------------------------------------------------------------------


def _provider_out(organisation) -> dict | None:
    if organisation is None:
        return None
    return {"id": organisation.pk, "code": organisation.code, "name": organisation.name}


def _stage_out(clock: StageClock, rules) -> dict:
    stage = rules.stage(clock.stage)
    return {
        "stage": clock.stage,
        "title": stage.title,
        "status": clock.status.value,
        "start": clock.start,
        "end": clock.end,
        "deadline": clock.deadline,
        "days_waited": clock.days_waited,
        "limit": clock.limit,
        "unit": stage.unit.value,
        "days_excluded": clock.days_excluded,
        "excluded_by_kind": {kind.value: days for kind, days in clock.excluded_by_kind},
        "paused_by": clock.paused_by.value if clock.paused_by else None,
        "at_risk": clock.at_risk,
    }


def _summary_out(pathway: Pathway, today: date) -> dict:
    rules = scheme_rules(pathway.scheme)
    return {
        "id": pathway.pk,
        "person_id": pathway.person_id,
        "scheme": pathway.scheme.code,
        "scheme_title": pathway.scheme.title,
        "provider": _provider_out(pathway.provider),
        "service": pathway.service,
        "external_id": pathway.external_id,
        "created_at": pathway.created_at,
        "stages": [_stage_out(clock, rules) for clock in pathway_clocks(pathway, today)],
    }


def _event_out(event: PathwayEvent, standing: set[int]) -> dict:
    return {
        "id": event.pk,
        "sequence": event.sequence,
        "type": event.type,
        "occurred_on": event.occurred_on,
        "note": event.note,
        "corrects_id": event.corrects_id,
        "standing": event.pk in standing,
        "recorded_at": event.recorded_at,
        "recorded_by": event.recorded_by_label,
        "source": event.source,
        "event_id": event.source_key,
    }


def _stage_ended(right: Right) -> bool:
    """From the list's annotation (with_stage_ended), or asked for this one right."""
    if hasattr(right, "stage_ended"):
        return right.stage_ended
    return with_stage_ended(Right.objects.filter(pk=right.pk)).get().stage_ended


def _right_out(right: Right, today: date) -> dict:
    return {
        "id": right.pk,
        "pathway_id": right.pathway_id,
        "stage": right.stage,
        "stage_started_on": right.stage_started_on,
        "breached_on": right.breached_on,
        "status": right_status(right, stage_ended=_stage_ended(right)).value,
        "overdue": right_overdue(right, today),
        "requested_at": right.requested_at,
        "requested_by": right.requested_by_label,
        "respond_by": right.respond_by,
        "offered_provider": _provider_out(right.offered_provider),
        "offered_at": right.offered_at,
        "offered_appointment_on": right.offered_appointment_on,
        "reply_by": right.reply_by,
        "accepted_at": right.accepted_at,
        "declined_at": right.declined_at,
        "answered_by": right.answered_by_label,
        "treated_on": right.treated_on,
    }


def _pathway_out(pathway: Pathway) -> dict:
    today = timezone.localdate()
    events = sorted(pathway.events.all(), key=lambda event: event.sequence)
    standing = {event.pk for event in effective_events(events)}
    return {
        **_summary_out(pathway, today),
        "created_by": pathway.created_by_label,
        "events": [_event_out(event, standing) for event in events],
        "rights": [_right_out(right, today) for right in with_stage_ended(pathway.rights.all())],
    }


def _pathways() -> QuerySet[Pathway]:
    return Pathway.objects.select_related("scheme", "provider", "person").prefetch_related(
        "events", "rights__offered_provider"
    )


def _readable_pathway(actor: Actor, pathway_id, what: str) -> Pathway:
    """A wait the actor may see under the website's own rule (queries.pathway_for_reading),
    audited; otherwise not found."""
    pathway_for_reading(actor, pathway_id, what=what)
    return _pathways().get(pk=pathway_id)


def _visible_people(actor: Actor) -> Q:
    """Whose waits a list may show: staff see people in their organisations' care (health);
    a citizen themself and the people they act for."""
    if actor.is_staff_member:
        return Q(
            provider__in=organisation_and_children(actor.organisation_ids),
            person__in=people_in_organisations_care(actor, RecordCategory.HEALTH),
        )
    if actor.own_person is None:
        raise NotAllowed("Sign in as a citizen or a member of staff to see waits.")
    return Q(person__in=people_visible_to(actor, RecordCategory.HEALTH))


def _why_listed(actor: Actor) -> str:
    return "On the organisation's waiting list" if actor.is_staff_member else "Acting for them"


@contextmanager
def _fields_named(**names: str) -> Iterator[None]:
    """Name an action's field errors as this API's fields are named."""
    try:
        yield
    except ActionError as exc:
        exc.fields = {names.get(name, name): messages for name, messages in exc.fields.items()}
        raise


# --- schemes -------------------------------------------------------------------------------


@router.get(
    "/schemes",
    response={200: list[SchemeOut], **ERROR_RESPONSES},
    auth=None,
    summary="The guarantee schemes, their stages and the event types each accepts",
)
def list_schemes(request: HttpRequest):
    answer = []
    for scheme in Scheme.objects.order_by("family", "effective_from"):
        rules = scheme_rules(scheme)
        answer.append(
            {
                "code": scheme.code,
                "title": scheme.title,
                "public_name": scheme.public_name or scheme.title,
                "explanation": scheme.explanation,
                "country": scheme.country,
                "effective_from": scheme.effective_from,
                "effective_to": scheme.ends_on,
                "right_on_breach": scheme.right_on_breach,
                "stages": [
                    {
                        "code": stage.code,
                        "title": stage.title,
                        "plain_words": stage.plain_words,
                        "limit": stage.limit,
                        "unit": stage.unit.value,
                    }
                    for stage in rules.stages
                ],
                "event_types": sorted(event_types(rules) | {PathwayEvent.ENTERED_IN_ERROR}),
            }
        )
    return answer


# --- pathways ------------------------------------------------------------------------------


@router.get(
    "/pathways",
    response={200: PathwayPage, **ERROR_RESPONSES},
    summary="Waits: staff see their providers' lists, citizens their own (live clocks)",
)
def list_pathways(
    request: HttpRequest,
    provider_id: Id | None = None,
    person_id: UUID | None = None,
    limit: Limit = API_LIMIT,
    offset: Offset = 0,
):
    actor = actor_for(request)
    found = Pathway.objects.filter(_visible_people(actor))
    if provider_id is not None:
        found = found.filter(provider_id=provider_id)
    if person_id is not None:
        found = found.filter(person_id=person_id)
    found = found.order_by("-created_at", "pk")
    found = found.select_related("scheme", "provider", "person").prefetch_related("events")
    shown = PeopleShown(
        what="waits (list)", why=_why_listed(actor), person=lambda pathway: pathway.person
    )
    today = timezone.localdate()
    return page_for_api(
        request,
        actor,
        found,
        shown,
        limit=limit,
        offset=offset,
        row=lambda pathway: _summary_out(pathway, today),
    )


@router.post(
    "/pathways",
    response={201: PathwayOut, **ERROR_RESPONSES},
    summary="Open a wait: a referral to a provider under a guarantee scheme",
)
def open_pathway(request: HttpRequest, payload: PathwayIn):
    with _fields_named(provider="provider_id"):
        pathway = actions.open_pathway(
            actor_for(request),
            person_id=payload.person_id,
            scheme_code=payload.scheme,
            provider_id=payload.provider_id,
            service=payload.service,
            external_id=payload.external_id,
        )
    return Status(201, _pathway_out(_pathways().get(pk=pathway.pk)))


@router.get(
    "/pathways/{pathway_id}",
    response={200: PathwayOut, **ERROR_RESPONSES},
    summary="A wait with its events, live clocks and rights (audited)",
)
def get_pathway(request: HttpRequest, pathway_id: UUID):
    return _pathway_out(_readable_pathway(actor_for(request), pathway_id, what="wait"))


@router.get(
    "/pathways/{pathway_id}/fhir",
    response={200: dict, **ERROR_RESPONSES},
    summary="A wait as a FHIR R4 Bundle: the referral (ServiceRequest) and its Appointments",
    # A wait not found is a FHIR OperationOutcome too, as FHIR clients expect.
    openapi_extra={
        "responses": {
            200: {"content": {fhir.FHIR_JSON: {}}},
            404: {"content": {fhir.FHIR_JSON: {}}},
        }
    },
)
def get_pathway_fhir(request: HttpRequest, pathway_id: UUID):
    try:
        pathway = _readable_pathway(actor_for(request), pathway_id, what="wait (FHIR export)")
    except Http404:
        outcome = fhir.operation_outcome("not-found", "No wait was found with that id.")
        return HttpResponse(json.dumps(outcome), status=404, content_type=fhir.FHIR_JSON)
    bundle = fhir.pathway_bundle(pathway)
    return HttpResponse(json.dumps(bundle), content_type=fhir.FHIR_JSON)


@router.post(
    "/pathways/{pathway_id}/events",
    response={201: EventOut, **ERROR_RESPONSES},
    summary="Record what happened: an event, or a correction of an earlier one",
)
def record_event(request: HttpRequest, pathway_id: UUID, payload: EventIn):
    with _fields_named(corrects="corrects_id", source_key="event_id"):
        event = actions.record_event(
            actor_for(request),
            pathway_id=pathway_id,
            type=payload.type,
            occurred_on=payload.occurred_on,
            note=payload.note,
            corrects_id=payload.corrects_id,
            source=PathwayEvent.Source.API,
            source_key=payload.event_id,
        )
    corrected = PathwayEvent.objects.filter(corrects=event).exists()
    withdrawn = event.type == PathwayEvent.ENTERED_IN_ERROR
    return Status(201, _event_out(event, set() if corrected or withdrawn else {event.pk}))


@router.post(
    "/pathways/{pathway_id}/care-elsewhere",
    response={200: RightOut, **ERROR_RESPONSES},
    summary="Ask for care elsewhere, once a stage's guarantee is broken",
    description=(
        "The person's own choice: made by the person or a proxy managing for them. Staff "
        'with a health care relationship may make it on the person\'s behalf, with `"on_behalf": '
        'true` and `"asked_by"` (how the person asked); the person is told. Tokens cannot.'
    ),
)
def ask_for_care_elsewhere(request: HttpRequest, pathway_id: UUID, payload: CareElsewhereIn):
    right = actions.ask_for_care_elsewhere(
        actor_for(request),
        pathway_id=pathway_id,
        stage=payload.stage,
        on_behalf=payload.asked_by_on_behalf(),
    )
    return _right_out(right, timezone.localdate())


# --- rights --------------------------------------------------------------------------------


@router.get(
    "/rights",
    response={200: RightPage, **ERROR_RESPONSES},
    summary="Rights to care elsewhere: staff see their providers', citizens their own",
)
def list_rights(
    request: HttpRequest,
    status: RightStatus | None = None,
    limit: Limit = API_LIMIT,
    offset: Offset = 0,
):
    actor = actor_for(request)
    visible = Pathway.objects.filter(_visible_people(actor))
    found = with_stage_ended(Right.objects.filter(pathway__in=visible)).select_related(
        "offered_provider", "pathway__person"
    )
    if status is not None:
        found = found.filter(_status_filter(status))
    found = found.order_by("-created_at", "pk")
    shown = PeopleShown(
        what="rights to care elsewhere (list)",
        why=_why_listed(actor),
        person=lambda right: right.pathway.person,
    )
    today = timezone.localdate()
    return page_for_api(
        request,
        actor,
        found,
        shown,
        limit=limit,
        offset=offset,
        row=lambda right: _right_out(right, today),
    )


def _status_filter(status: RightStatus) -> Q:
    """The rows right_status would name `status` (it is derived from the dates)."""
    treated = Q(treated_on__isnull=False)
    declined = Q(declined_at__isnull=False)
    accepted = Q(accepted_at__isnull=False)
    offered = Q(offered_at__isnull=False)
    requested = Q(requested_at__isnull=False)
    not_asked = ~treated & ~declined & ~accepted & ~offered & ~requested
    return {
        RightStatus.TREATED: treated,
        RightStatus.DECLINED: ~treated & declined,
        RightStatus.ACCEPTED: ~treated & ~declined & accepted,
        RightStatus.OFFERED: ~treated & ~declined & ~accepted & offered,
        RightStatus.REQUESTED: ~treated & ~declined & ~accepted & ~offered & requested,
        RightStatus.OWED: not_asked & Q(stage_ended=False),
        RightStatus.ENDED: not_asked & Q(stage_ended=True),
    }[status]


@router.get("/rights/{right_id}", response={200: RightOut, **ERROR_RESPONSES})
def get_right(request: HttpRequest, right_id: Id):
    right = Right.objects.select_related("offered_provider").filter(pk=right_id).first()
    if right is None:
        raise PersonNotFound
    _readable_pathway(actor_for(request), right.pathway_id, what="right to care elsewhere")
    return _right_out(right, timezone.localdate())


@router.post(
    "/rights/{right_id}/offer",
    response={200: RightOut, **ERROR_RESPONSES},
    summary="Staff: offer care at another provider",
)
def offer_care_elsewhere(request: HttpRequest, right_id: Id, payload: OfferIn):
    with _fields_named(provider="provider_id"):
        right = actions.offer_care_elsewhere(
            actor_for(request),
            right_id=right_id,
            provider_id=payload.provider_id,
            appointment_on=payload.appointment_on,
        )
    return _right_out(right, timezone.localdate())


@router.post(
    "/rights/{right_id}/reply",
    response={200: RightOut, **ERROR_RESPONSES},
    summary="The person: accept or decline the offer (declining ends the guarantee)",
    description=(
        "The person's own choice, as for asking for care elsewhere: staff only with "
        '`"on_behalf": true` and `"asked_by"`, and never a token.'
    ),
)
def reply_to_offer(request: HttpRequest, right_id: Id, payload: ReplyIn):
    right = actions.reply_to_offer(
        actor_for(request),
        right_id=right_id,
        accept=payload.accept,
        on_behalf=payload.asked_by_on_behalf(),
    )
    return _right_out(right, timezone.localdate())


@router.post(
    "/rights/{right_id}/treated",
    response={200: RightOut, **ERROR_RESPONSES},
    summary="Staff: the person was treated at the other provider",
)
def record_treated_elsewhere(request: HttpRequest, right_id: Id, payload: TreatedIn):
    right = actions.record_treated_elsewhere(
        actor_for(request), right_id=right_id, treated_on=payload.treated_on
    )
    return _right_out(right, timezone.localdate())


# --- import --------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={200: ImportOut, **ERROR_RESPONSES},
    summary="Import a provider's events: a CSV or JSON file (docs/guarantees-import.md)",
    description=(
        "Send the file as the body (`Content-Type: text/csv` or `application/json`) or as "
        "the `file` field of a multipart form, up to "
        f"{MAX_IMPORT_ROWS:,} rows. With any bad row nothing is imported and the answer is "
        "400 with a field per bad row (`line 4`, or `item 3` in JSON), unless "
        "`skip_bad_rows=true`. Sending the same file again adds nothing."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
def import_events(request: HttpRequest, skip_bad_rows: bool = False, dry_run: bool = False):
    actor = actor_for(request)
    try:
        rows = _uploaded_rows(request)
    except imports.ImportFileError as exc:
        return error_response(400, "unreadable_file", str(exc), {"file": [str(exc)]})
    if len(rows) > MAX_IMPORT_ROWS:
        message = (
            f"Send at most {MAX_IMPORT_ROWS:,} rows at a time: split the file, or ask the "
            "platform's operator to run the import command."
        )
        return error_response(400, "too_many_rows", message, {"file": [message]})
    result = imports.import_rows(actor, rows, skip_bad_rows=skip_bad_rows, dry_run=dry_run)
    if result.bad_rows and not skip_bad_rows:
        count = len(result.bad_rows)
        raise InvalidInput(
            f"{count} {'row is' if count == 1 else 'rows are'} not valid, so nothing was "
            "imported. Put them right and send the file again, or send it with "
            "skip_bad_rows=true to import the good rows.",
            code="invalid_rows",
            fields={bad.key: [bad.reason] for bad in result.bad_rows},
        )
    return {
        "rows": result.rows,
        "added": result.added,
        "skipped": result.skipped,
        "pathways_opened": result.pathways_opened,
        "imported": result.written,
        "dry_run": result.dry_run,
        "bad_rows": [
            {
                "where": bad.where,
                "line": bad.line,
                "item": bad.item,
                "event_id": bad.event_id,
                "reason": bad.reason,
            }
            for bad in result.bad_rows
        ],
    }


def _uploaded_rows(request: HttpRequest) -> list[imports.Row]:
    content_type = (request.content_type or "").lower()
    try:
        if content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise imports.ImportFileError("Attach the file as the form field 'file'.")
            name = (upload.name or "").lower()
            format_ = "json" if name.endswith(".json") or "json" in upload.content_type else "csv"
            return imports.rows_from_bytes(upload.read(), format_)
        if content_type in ("text/csv", "application/csv"):
            return imports.rows_from_bytes(request.body, "csv")
        if content_type == "application/json":
            return imports.rows_from_bytes(request.body, "json")
    except RequestDataTooBig:
        raise imports.ImportFileError(
            "The file is too large to send as the body: send it as the 'file' field of a "
            "multipart form."
        ) from None
    raise imports.ImportFileError(
        "Send the file as text/csv or application/json, or as the 'file' field of a multipart form."
    )
