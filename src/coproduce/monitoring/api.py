"""Monitoring over HTTP, in FHIR R4: check-ins arrive as QuestionnaireResponses (one at a
time, or a device gateway's batch Bundle), programmes go out and come in as Questionnaires,
and an alert goes out as a Flag and a Task. Thin: read the FHIR JSON (standards.fhir_*), call
an action or check access, shape the answer. Every change goes through `actions`; every look
at someone else's record is audited (people.access).

FHIR clients get FHIR back: requests and answers are `application/fhir+json` (plain
`application/json` is taken too), and a refusal is an `OperationOutcome` whose issues name
the element at fault in `expression` (`item[2].answer[0]`, `subject.reference`,
`entry[4].resource.authored`). Signing in and rate limits answer in the API's own envelope,
as everywhere else.

Idempotency: a check-in sent with an `Idempotency-Key` header is stored once; sending it again
with the same key answers 200 with the check-in first stored (whatever the retry holds). An
organisation's token must send one. In a Bundle each entry's key is its `fullUrl` (a device
gives each reading a `urn:uuid:` when it makes it and sends the same one on a retry), or,
for an entry without one, the header's key with the entry's position (`<key>#3`), so a whole
Bundle sent again stores nothing twice.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router

from coproduce.api import ErrorEnvelope, actor_for
from coproduce.errors import Conflict, InvalidInput, NotAllowed
from coproduce.people.access import Actor, PersonNotFound, access_person
from coproduce.people.models import RecordCategory
from coproduce.text import UNSAFE_TEXT_MESSAGE, has_unsafe_characters

from . import actions, queries
from .models import Alert, CheckIn, Programme
from .programmes import Programme as Definition
from .staff_queries import alert_as_fhir
from .standards.fhir_common import FHIR_JSON, join_path
from .standards.fhir_questionnaire import (
    PROGRAMME_KEY,
    questionnaire_from_programme,
    questionnaire_url,
)
from .standards.fhir_response import (
    ResponseError,
    answers_from_response,
    bundle_entries,
    questionnaire_response,
)

router = Router(tags=["monitoring"])

JSON_TYPES = (FHIR_JSON, "application/json")
MAX_KEY_LENGTH = 180
MAX_FULL_URL_LENGTH = 200
MAX_BUNDLE_ENTRIES = 2000
PATIENT = "Patient/"
RESPONSE_ELEMENT = "QuestionnaireResponse"
HTTP_WORDS = {
    200: "200 OK",
    201: "201 Created",
    400: "400 Bad Request",
    404: "404 Not Found",
    422: "422 Unprocessable Entity",
}
# What each kind of problem is called in FHIR (OperationOutcome.issue.code).
ISSUE_CODES = {400: "invalid", 403: "forbidden", 404: "not-found", 409: "conflict"}
ISSUE_CODES |= {413: "too-costly", 415: "not-supported", 422: "business-rule"}
# The action's names for what is wrong, where they are in a QuestionnaireResponse.
ELEMENTS = {"subject": "subject.reference", "authored": "authored"}


DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    400: "Not valid: an OperationOutcome naming the element",
    403: "Not yours to do",
    404: "Not found (or not yours to see)",
    409: "Conflict",
    413: "Too large",
    415: "Not FHIR JSON",
    422: "Against the programme's rules",
}
FHIR_ERRORS = (400, 404, 413, 415, 422)


def _fhir_openapi(*statuses: int, body: str = "", parameters: Iterable[dict] = ()) -> dict:
    """The OpenAPI description of a FHIR operation: FHIR JSON in and out."""
    schema = {"type": "object"}
    extra: dict = {
        "responses": {
            status: {
                "description": DESCRIPTIONS[status],
                "content": {FHIR_JSON: {"schema": schema}},
            }
            for status in statuses
        }
    }
    if body:
        extra["requestBody"] = {
            "required": True,
            "content": {
                content_type: {"schema": {**schema, "description": body}}
                for content_type in JSON_TYPES
            },
        }
    if parameters:
        extra["parameters"] = list(parameters)
    return extra


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A new random value for each submission, the same one when it is sent "
    "again: it is stored once. Required for an organisation's token (for a Bundle, unless "
    "every entry has a fullUrl).",
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
}
# Signing in and rate limits answer in the core's envelope, before an operation runs.
CORE_ERRORS = {status: ErrorEnvelope for status in (401, 429)}


# --- answers --------------------------------------------------------------------------------


class FhirRefusal(Exception):
    """A request refused with an OperationOutcome (and nothing changed)."""

    def __init__(self, status: int, issues: list[dict]):
        super().__init__(issues[0]["diagnostics"] if issues else "")
        self.status = status
        self.issues = issues

    @classmethod
    def at(cls, status: int, expression: str, message: str) -> "FhirRefusal":
        return cls(status, [_issue(status, message, expression)])

    def outcome(self) -> dict:
        return {"resourceType": "OperationOutcome", "issue": self.issues}


def _issue(status: int, message: str, expression: str = "") -> dict:
    issue = {
        "severity": "error",
        "code": ISSUE_CODES.get(status, "invalid"),
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    return issue


def fhir_response(resource: dict, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(orjson.dumps(resource), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def refused(refusal: FhirRefusal) -> HttpResponse:
    return fhir_response(refusal.outcome(), refusal.status)


def _read_json(request: HttpRequest) -> object:
    content_type = (request.content_type or "").lower()
    if content_type not in JSON_TYPES:
        raise FhirRefusal.at(415, "", f"Send FHIR JSON, with the content type {FHIR_JSON}.")
    try:
        return orjson.loads(request.body)
    except RequestDataTooBig:
        raise FhirRefusal.at(
            413, "", "The request is too large: send fewer check-ins in one Bundle."
        ) from None
    except orjson.JSONDecodeError as error:
        raise FhirRefusal.at(400, "", f"This is not JSON: {error}.") from None


def _idempotency_key(request: HttpRequest, actor: Actor, *, required: bool = True) -> str:
    """The client's key for the submission; an organisation's token must send one."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key and required and actor.token is not None:
        raise FhirRefusal.at(
            400,
            "Idempotency-Key",
            "Send an Idempotency-Key header (a new random value for each submission, the same "
            "one when you send it again), so that a resent check-in is stored once.",
        )
    if len(key) > MAX_KEY_LENGTH or has_unsafe_characters(key) or not key.isprintable():
        raise FhirRefusal.at(
            400,
            "Idempotency-Key",
            f"Make the Idempotency-Key up to {MAX_KEY_LENGTH} letters, digits and dashes.",
        )
    return key


# --- check-ins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadResponse:
    """A QuestionnaireResponse read for its programme, ready to record."""

    submission: actions.Submission
    definition: Definition
    answer_paths: dict[str, str]


class Programmes:
    """The programmes a request's responses answer, each looked up once."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[Programme, Definition] | None] = {}

    def named_by(self, resource: dict) -> tuple[Programme, Definition, dict]:
        """The programme the response's `questionnaire` names (its canonical URL, or
        `Questionnaire/<key>`), and the response as the FHIR reader takes it."""
        named = resource.get("questionnaire")
        if not isinstance(named, str) or "Questionnaire/" not in named:
            raise FhirRefusal.at(
                400,
                "questionnaire",
                "Say which programme this answers: its Questionnaire's url, or "
                "Questionnaire/<key>.",
            )
        key = named.partition("|")[0].rstrip("/").rpartition("Questionnaire/")[2]
        if not PROGRAMME_KEY.fullmatch(key):
            raise FhirRefusal.at(400, "questionnaire", "There is no programme with that url.")
        if key not in self._found:
            row = queries.programme_with_key(key)
            self._found[key] = (row, queries.programme_definition(row)) if row else None
        found = self._found[key]
        if found is None:
            raise FhirRefusal.at(400, "questionnaire", "There is no programme with that url.")
        if named.startswith("Questionnaire/"):
            canonical = questionnaire_url(queries.site_url(), key)
            resource = {
                **resource,
                "questionnaire": canonical + named.removeprefix(f"Questionnaire/{key}"),
            }
        return found[0], found[1], resource


def _read_response(resource: object, programmes: Programmes, key: str) -> ReadResponse:
    if not isinstance(resource, dict) or resource.get("resourceType") != RESPONSE_ELEMENT:
        raise FhirRefusal.at(400, "resourceType", "Send a QuestionnaireResponse.")
    row, definition, resource = programmes.named_by(resource)
    try:
        read = answers_from_response(definition, resource)
    except ResponseError as error:
        raise FhirRefusal.at(400, error.path, error.message) from None
    for question_key, value in read.answers.items():
        if isinstance(value, str) and has_unsafe_characters(value):
            raise FhirRefusal.at(400, read.answer_paths[question_key], str(UNSAFE_TEXT_MESSAGE))
    return ReadResponse(
        submission=actions.Submission(
            person_id=_person_id(read.subject_reference),
            programme_key=row.key,
            answers=read.answers,
            taken_at=read.authored,
            idempotency_key=key,
        ),
        definition=definition,
        answer_paths=read.answer_paths,
    )


def _person_id(reference: str | None) -> uuid.UUID:
    if reference is None:
        raise FhirRefusal.at(400, "subject", "Say whose check-in this is: Patient/<id>.")
    try:
        if reference.startswith(PATIENT):
            return uuid.UUID(reference.removeprefix(PATIENT))
    except ValueError:
        pass
    raise FhirRefusal.at(
        400, "subject.reference", "Give the subject as Patient/<id>, the person's id."
    )


def _refusal_of(errors: dict[str, list[str]], read: ReadResponse) -> FhirRefusal:
    """The action's field errors as FHIR issues at their elements. Not enrolled (or not
    someone the actor may record for) is not found; the time of the readings is a rule of
    the programme; anything else is a value that cannot be right."""
    if "subject" in errors:
        status = 404
    elif "authored" in errors:
        status = 422
    else:
        status = 400
    issues = [
        _issue(status, message, _element(name, read))
        for name, messages in errors.items()
        for message in messages
    ]
    return FhirRefusal(status, issues)


def _element(name: str, read: ReadResponse) -> str:
    if name in ELEMENTS:
        return ELEMENTS[name]
    if name in read.answer_paths:
        return read.answer_paths[name]
    if read.definition.question(name) is not None:
        return f"item.where(linkId='{name}')"
    return name


def _stored_response(check_in: CheckIn, definition: Definition) -> dict:
    return questionnaire_response(
        definition,
        response_id=str(check_in.pk),
        questionnaire_url=questionnaire_url(queries.site_url(), definition.key),
        subject_reference=f"{PATIENT}{check_in.person_id}",
        authored=check_in.submitted_at,
        answers=check_in.answers,
    )


def _response_location(request: HttpRequest, check_in: CheckIn) -> str:
    return request.build_absolute_uri(
        reverse("api:monitoring_get_response", kwargs={"response_id": check_in.pk})
    )


def _source(actor: Actor) -> str:
    """A token is an organisation's system (a device gateway); a person's own app is an app."""
    return CheckIn.Source.DEVICE if actor.token is not None else CheckIn.Source.API


@router.post(
    "/fhir/QuestionnaireResponse",
    url_name="monitoring_record_response",
    summary="Record one check-in: a FHIR QuestionnaireResponse",
    description=(
        "The subject is `Patient/<person id>`; `questionnaire` the programme's canonical url "
        "(see the Questionnaire) or `Questionnaire/<key>`; `authored` when the readings were "
        "taken (now if left out), inside the person's window. With an `Idempotency-Key` "
        "header (required for an organisation's token) a resent check-in is stored once: "
        "201 with the stored QuestionnaireResponse the first time, 200 with the same one "
        "after. Refused (nothing stored) with an OperationOutcome naming the element: 400 "
        "for an answer that cannot be right, 404 for someone not enrolled (or not yours to "
        "record for), 422 outside the window or a second check-in of the day."
    ),
    response={200: dict, 201: dict, **CORE_ERRORS},
    openapi_extra=_fhir_openapi(
        200,
        201,
        *FHIR_ERRORS,
        body="A FHIR R4 QuestionnaireResponse.",
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
def record_response(request: HttpRequest):
    actor = actor_for(request)
    try:
        key = _idempotency_key(request, actor)
        read = _read_response(_read_json(request), Programmes(), key)
        try:
            outcome = actions.record_check_in(actor, read.submission, source=_source(actor))
        except InvalidInput as error:
            outcome = actions.Outcome(errors=error.fields)
            _find_late_retries([(read.submission, outcome)])
            if outcome.refused:
                raise _refusal_of(error.fields, read) from None
    except FhirRefusal as refusal:
        return refused(refusal)
    stored = _stored_response(outcome.check_in, read.definition)
    if not outcome.created:
        return fhir_response(stored, 200)
    return fhir_response(stored, 201, Location=_response_location(request, outcome.check_in))


def _find_late_retries(refused: list[tuple[actions.Submission, actions.Outcome]]) -> None:
    """A retry refused only for when it was taken (the window has closed since the first
    send, or the day has passed) that carries the key of a check-in already stored is that
    check-in: answer it as stored. Refused for its time means the actor may record for the
    person, so the stored one may be shown to them."""
    late = {
        (str(submission.person_id), submission.programme_key, submission.idempotency_key): outcome
        for submission, outcome in refused
        if submission.idempotency_key and set(outcome.errors) == {"authored"}
    }
    if not late:
        return
    rows = CheckIn.objects.filter(
        person_id__in={person_id for person_id, _programme, _key in late},
        idempotency_key__in={key for _person, _programme, key in late},
        enrolment__ended_at__isnull=True,
    ).select_related("enrolment__programme")
    for row in rows:
        outcome = late.get((str(row.person_id), row.enrolment.programme.key, row.idempotency_key))
        if outcome is not None:
            outcome.check_in, outcome.errors = row, {}


# --- a device gateway's Bundle --------------------------------------------------------------


@router.post(
    "/fhir",
    url_name="monitoring_fhir_batch",
    summary="Record many check-ins: a FHIR batch Bundle of QuestionnaireResponses",
    description=(
        "A device gateway's batch: each entry a QuestionnaireResponse as for one check-in, "
        f'with the request `{{"method": "POST", "url": "{RESPONSE_ELEMENT}"}}`, up to '
        f"{MAX_BUNDLE_ENTRIES:,} entries. Each entry is stored or refused on its own: the "
        "answer is a batch-response Bundle with one entry per entry sent, in order, each with "
        "its status (201 stored, 200 stored already, 4xx refused with an OperationOutcome "
        "naming the element, `entry[3].resource.item[2].answer[0]`) and, when stored, the "
        "location of its QuestionnaireResponse. An entry's idempotency key is its `fullUrl` "
        "(`urn:uuid:...`, the same when it is sent again), or the Idempotency-Key header's "
        "key with the entry's position (`<key>#3`); an organisation's token gives one or "
        "the other for every entry."
    ),
    response={200: dict, **CORE_ERRORS},
    openapi_extra=_fhir_openapi(
        200,
        *FHIR_ERRORS,
        body="A FHIR R4 Bundle of type batch.",
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
def record_bundle(request: HttpRequest):
    actor = actor_for(request)
    try:
        header_key = _idempotency_key(request, actor, required=False)
        entries = _batch_entries(_read_json(request))
    except FhirRefusal as refusal:
        return refused(refusal)
    programmes = Programmes()
    read: list[ReadResponse | FhirRefusal] = []
    for index, entry in enumerate(entries):
        try:
            key = _entry_key(entry, index, header_key, actor)
        except FhirRefusal as refusal:
            read.append(refusal)
            continue
        try:
            read.append(_read_response(entry["resource"], programmes, key))
        except FhirRefusal as refusal:
            read.append(_inside(refusal, f"entry[{index}].resource"))
    submissions = [response.submission for response in read if isinstance(response, ReadResponse)]
    recorded = (
        actions.record_check_ins(actor, submissions, source=CheckIn.Source.DEVICE)
        if submissions
        else []
    )
    _find_late_retries(
        [
            (submission, outcome)
            for submission, outcome in zip(submissions, recorded, strict=True)
            if outcome.refused
        ]
    )
    outcomes = iter(recorded)
    answer = []
    for index, response in enumerate(read):
        if isinstance(response, FhirRefusal):
            answer.append(_refused_entry(response))
            continue
        outcome = next(outcomes)
        if outcome.refused:
            refusal = _inside(_refusal_of(outcome.errors, response), f"entry[{index}].resource")
            answer.append(_refused_entry(refusal))
            continue
        status = 201 if outcome.created else 200
        location = f"{RESPONSE_ELEMENT}/{outcome.check_in.pk}"
        answer.append({"response": {"status": HTTP_WORDS[status], "location": location}})
    return fhir_response({"resourceType": "Bundle", "type": "batch-response", "entry": answer})


def _batch_entries(data: object) -> list[dict]:
    """The entries of a batch Bundle of QuestionnaireResponses, its envelope checked whole."""
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        if data.get("type") != "batch":
            raise FhirRefusal.at(
                400, "type", "Send a Bundle of type batch: each check-in is stored on its own."
            )
        entries = data.get("entry")
        if isinstance(entries, list) and len(entries) > MAX_BUNDLE_ENTRIES:
            raise FhirRefusal.at(
                413, "entry", f"Send at most {MAX_BUNDLE_ENTRIES:,} check-ins in one Bundle."
            )
    try:
        bundle_entries(data)
    except ResponseError as error:
        raise FhirRefusal.at(400, error.path, error.message) from None
    return data["entry"]


def _entry_key(entry: dict, index: int, header_key: str, actor: Actor) -> str:
    """The entry's idempotency key: its fullUrl, or the header's key and its position."""
    full_url = entry.get("fullUrl")
    if full_url is None:
        if header_key:
            return f"{header_key}#{index}"
        if actor.token is not None:
            raise FhirRefusal.at(
                400,
                f"entry[{index}].fullUrl",
                "Give each entry a fullUrl (urn:uuid:...), or send an Idempotency-Key header, "
                "so that a resent check-in is stored once.",
            )
        return ""
    if len(full_url) > MAX_FULL_URL_LENGTH or has_unsafe_characters(full_url):
        raise FhirRefusal.at(
            400,
            f"entry[{index}].fullUrl",
            f"Give the fullUrl as a URI of up to {MAX_FULL_URL_LENGTH} characters.",
        )
    return full_url


def _inside(refusal: FhirRefusal, prefix: str) -> FhirRefusal:
    """The refusal of a part, pointed at from the whole (`entry[4].resource`)."""
    issues = []
    for issue in refusal.issues:
        expressions = issue.get("expression") or [""]
        issues.append(issue | {"expression": [join_path(prefix, e) for e in expressions]})
    return FhirRefusal(refusal.status, issues)


def _refused_entry(refusal: FhirRefusal) -> dict:
    return {"response": {"status": HTTP_WORDS[refusal.status], "outcome": refusal.outcome()}}


# --- reading a check-in ---------------------------------------------------------------------


def _find_uuid(queryset, value: str):
    try:
        return queryset.filter(pk=uuid.UUID(value)).first()
    except ValueError:
        return None


@router.get(
    "/fhir/QuestionnaireResponse/{response_id}",
    url_name="monitoring_get_response",
    summary="A check-in as a FHIR QuestionnaireResponse (audited)",
    response={200: dict, **CORE_ERRORS},
    openapi_extra=_fhir_openapi(200, 404),
)
def get_response(request: HttpRequest, response_id: str):
    actor = actor_for(request)
    check_in = _find_uuid(CheckIn.objects.select_related("enrolment__programme"), response_id)
    try:
        if check_in is None:
            raise PersonNotFound
        access_person(
            actor,
            check_in.person_id,
            what=f"monitoring check-in of {check_in.day.isoformat()} (FHIR)",
            category=RecordCategory.HEALTH,
        )
    except PersonNotFound:
        return refused(FhirRefusal.at(404, "", "No check-in was found with that id."))
    definition = queries.programme_definition(check_in.enrolment.programme)
    return fhir_response(_stored_response(check_in, definition))


# --- programmes as Questionnaires -------------------------------------------------------------


@router.get(
    "/fhir/Questionnaire/{key}",
    auth=None,
    url_name="monitoring_get_questionnaire",
    summary="A programme as a FHIR R4 Questionnaire: its questions, scores, schedule and rules",
    response={200: dict},
    openapi_extra=_fhir_openapi(200, 404),
)
def get_questionnaire(request: HttpRequest, key: str):
    row = Programme.objects.filter(key=key).first() if PROGRAMME_KEY.fullmatch(key) else None
    if row is None:
        return refused(FhirRefusal.at(404, "", "There is no programme with that key."))
    definition = queries.programme_definition(row)
    return fhir_response(questionnaire_from_programme(definition, base_url=queries.site_url()))


ORGANISATION_PARAMETER = {
    "name": "organisation_id",
    "in": "query",
    "required": False,
    "description": "The organisation that will run the programme: needed only by someone "
    "who works for more than one.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
}


@router.post(
    "/fhir/Questionnaire",
    url_name="monitoring_import_questionnaire",
    summary="Import a programme from a FHIR R4 Questionnaire (an organisation's own)",
    description=(
        "An organisation admin or a clinician, or an organisation's token with the write "
        "scope: the programme belongs to their organisation. The Questionnaire's url ends in "
        "the programme's key; importing it again replaces the definition (201 the first time, "
        "200 after). A key already used by a built-in programme or another organisation's is "
        "refused (409). Scored answer options carry the `ordinalValue` extension "
        "(`itemWeight` is taken too); the rule set that scores it is named by the "
        "`.../StructureDefinition/monitoring-scoring` extension."
    ),
    response={200: dict, 201: dict, **CORE_ERRORS},
    openapi_extra=_fhir_openapi(
        200,
        201,
        400,
        403,
        409,
        413,
        415,
        body="A FHIR R4 Questionnaire.",
        parameters=[ORGANISATION_PARAMETER],
    ),
)
def import_questionnaire(request: HttpRequest):
    actor = actor_for(request)
    try:
        organisation_id = _organisation_id(request.GET.get("organisation_id"))
        questionnaire = _read_json(request)
        unsafe = _unsafe_text_at(questionnaire)
        if unsafe is not None:
            raise FhirRefusal.at(400, unsafe, str(UNSAFE_TEXT_MESSAGE))
        started = timezone.now()
        try:
            programme = actions.import_programme(
                actor, questionnaire=questionnaire, organisation_id=organisation_id
            )
        except (InvalidInput, NotAllowed, Conflict) as error:
            raise FhirRefusal(
                error.status,
                [
                    _issue(error.status, message, name)
                    for name, messages in (error.fields or {"": [error.message]}).items()
                    for message in messages
                ],
            ) from None
    except FhirRefusal as refusal:
        return refused(refusal)
    exported = questionnaire_from_programme(
        queries.programme_definition(programme), base_url=queries.site_url()
    )
    if programme.created_at < started:
        return fhir_response(exported, 200)
    location = request.build_absolute_uri(
        reverse("api:monitoring_get_questionnaire", kwargs={"key": programme.key})
    )
    return fhir_response(exported, 201, Location=location)


def _unsafe_text_at(value: object, path: str = "") -> str | None:
    """Where in the JSON there is text that cannot be stored (a NUL, a direction mark)."""
    if isinstance(value, str):
        return path if has_unsafe_characters(value) else None
    if isinstance(value, dict):
        parts = ((key, join_path(path, key)) for key in value)
        found = (_unsafe_text_at(key, at) or _unsafe_text_at(value[key], at) for key, at in parts)
    elif isinstance(value, list):
        found = (_unsafe_text_at(item, f"{path}[{index}]") for index, item in enumerate(value))
    else:
        return None
    return next((at for at in found if at is not None), None)


def _organisation_id(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) <= 2**63 - 1:
        raise FhirRefusal.at(400, "organisation_id", "Give the organisation's id, a number.")
    return int(value)


# --- alerts as a Flag and a Task ------------------------------------------------------------


@router.get(
    "/alerts/{alert_id}/fhir",
    url_name="monitoring_alert_fhir",
    summary="An alert as FHIR: a Bundle of its Flag and its Task (the care team; audited)",
    response={200: dict, **CORE_ERRORS},
    openapi_extra=_fhir_openapi(200, 404),
)
def get_alert_fhir(request: HttpRequest, alert_id: str):
    actor = actor_for(request)
    alert = _find_uuid(
        Alert.objects.select_related("enrolment", "check_in", "assigned_to"), alert_id
    )
    try:
        if (
            alert is None
            or actor.token is not None
            or not queries.is_on_team(actor, alert.enrolment)
        ):
            raise PersonNotFound
        access_person(
            actor,
            alert.person_id,
            what="monitoring alert (FHIR)",
            category=RecordCategory.HEALTH,
        )
    except PersonNotFound:
        return refused(FhirRefusal.at(404, "", "No alert was found with that id."))
    return fhir_response(alert_as_fhir(alert, list(alert.steps.order_by("at", "pk"))))
