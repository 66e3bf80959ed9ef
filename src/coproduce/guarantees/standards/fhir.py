"""A wait as FHIR R4: a Bundle (type `collection`) holding the referral as a `ServiceRequest`
and each visit as an `Appointment`, for NHS and other FHIR R4 systems. Valid under
`fhir.resources.R4B` (tests/guarantees/test_fhir.py checks).

- ServiceRequest: the referral. `status` follows the live clock (active while a stage is
  open, completed once the stages have ended, revoked when the guarantee lapsed or the
  clock was nullified and nothing else runs); `authoredOn` is the date of the referral (or
  contact); `occurrencePeriod` is the open stage's start and guarantee deadline, the period
  in which the service is owed; `subject` is the patient by NHS number; `performer` the
  provider by organisation code.
- Appointment: each standing visit-type event (a first visit, GP visit, assessment or
  treatment: `fulfilled`; a DNA: `noshow`), `basedOn` the ServiceRequest. Events record the
  day, not the time, so an appointment's `start` and `end` span its whole day in the
  service's time zone (FHIR requires both for these statuses).

Events withdrawn or replaced by a correcting event are left out: the export shows the facts
that stand. Identifiers are stable: re-exporting gives the same `fullUrl`s.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ..models import Pathway, PathwayEvent
from ..queries import effective_events, pathway_clocks, scheme_rules
from ..rules import StageClock, Status

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ORGANISATION_CODE_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
URI_SYSTEM = "urn:ietf:rfc:3986"
# The events that are a visit, and how an Appointment describes them.
VISITS = {
    "gp_visit": "GP appointment",
    "first_visit": "First specialist visit",
    "assessment": "Medical assessment",
    "treatment": "Treatment",
}
DID_NOT_ATTEND = "dna"


def pathway_bundle(pathway: Pathway, *, as_of: date | None = None) -> dict:
    """The wait as a FHIR R4 Bundle (a plain dict, ready for JSON)."""
    as_of = as_of or timezone.localdate()
    clocks = pathway_clocks(pathway, as_of)
    standing = effective_events(list(pathway.events.all()))
    request = service_request(pathway, clocks, standing)
    entries = [_entry(request)]
    entries += [_entry(appointment(pathway, event)) for event in standing if _is_visit(event)]
    return {
        "resourceType": "Bundle",
        "id": str(_uuid(pathway, "bundle")),
        "type": "collection",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": entries,
    }


def service_request(
    pathway: Pathway, clocks: list[StageClock], standing: list[PathwayEvent]
) -> dict:
    rules = scheme_rules(pathway.scheme)
    starts = set().union(*(stage.start_events for stage in rules.stages))
    referred = next((event.occurred_on for event in standing if event.type in starts), None)
    current = _current_stage(clocks)
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(pathway.pk),
        "identifier": _identifiers(pathway),
        "status": request_status(clocks),
        "intent": "order",
        "code": {"text": pathway.service},
        "subject": patient_reference(pathway),
        "authoredOn": (referred or timezone.localdate(pathway.created_at)).isoformat(),
        "performer": [organisation_reference(pathway)],
        "note": [{"text": _guarantee_note(pathway, rules, clocks)}],
    }
    if current is not None and current.start is not None:
        period = {"start": current.start.isoformat()}
        if current.deadline is not None:
            period["end"] = current.deadline.isoformat()
        resource["occurrencePeriod"] = period
    return resource


def request_status(clocks: list[StageClock]) -> str:
    """active while a stage's clock runs (or runs past its deadline); completed once every
    started stage has ended; revoked when the guarantee lapsed or the clock was nullified."""
    if any(_is_open(clock) for clock in clocks):
        return "active"
    if any(clock.status in (Status.MET, Status.BREACHED) for clock in clocks):
        return "completed"
    if any(clock.status in (Status.LAPSED, Status.NULLIFIED) for clock in clocks):
        return "revoked"
    return "active"  # referred; no clock has started yet


def appointment(pathway: Pathway, event: PathwayEvent) -> dict:
    attended = event.type != DID_NOT_ATTEND
    start = timezone.make_aware(datetime.combine(event.occurred_on, time.min))
    end = timezone.make_aware(datetime.combine(event.occurred_on + timedelta(days=1), time.min))
    resource = {
        "resourceType": "Appointment",
        "id": str(_uuid(pathway, f"event-{event.pk}")),
        "status": "fulfilled" if attended else "noshow",
        "serviceType": [{"text": pathway.service}],
        "description": VISITS.get(event.type, "Did not attend"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "created": event.recorded_at.isoformat(timespec="seconds"),
        "basedOn": [{"reference": _full_url(pathway.pk)}],
        "participant": [
            {
                "actor": patient_reference(pathway),
                "required": "required",
                "status": "accepted",
            }
        ],
    }
    if event.note:
        resource["comment"] = event.note
    return resource


def patient_reference(pathway: Pathway) -> dict:
    """The patient by NHS number; a person without one by their Coproduce id."""
    person = pathway.person
    if person.nhs_number:
        identifier = {"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}
    else:
        identifier = {"system": URI_SYSTEM, "value": f"urn:uuid:{person.pk}"}
    return {"type": "Patient", "identifier": identifier}


def organisation_reference(pathway: Pathway) -> dict:
    provider = pathway.provider
    return {
        "type": "Organization",
        "identifier": {"system": ORGANISATION_CODE_SYSTEM, "value": provider.code},
        "display": provider.name,
    }


def _identifiers(pathway: Pathway) -> list[dict]:
    identifiers = [{"system": URI_SYSTEM, "value": _full_url(pathway.pk)}]
    if pathway.external_id:
        identifiers.append(
            {
                "type": {"text": "Provider's waiting-list reference"},
                "value": pathway.external_id,
                "assigner": organisation_reference(pathway),
            }
        )
    return identifiers


def _guarantee_note(pathway: Pathway, rules, clocks: list[StageClock]) -> str:
    parts = [f"Waiting-time guarantee: {pathway.scheme.title} ({pathway.scheme.code})."]
    for clock in clocks:
        title = rules.stage(clock.stage).title
        text = f"{title}: {clock.status.value.replace('_', ' ')}"
        if clock.deadline is not None:
            text += f", deadline {clock.deadline.isoformat()}"
        parts.append(text + ".")
    return " ".join(parts)


def _current_stage(clocks: list[StageClock]) -> StageClock | None:
    """The stage whose deadline matters now: the open one, else the last that started."""
    open_stages = [clock for clock in clocks if _is_open(clock)]
    if open_stages:
        return open_stages[0]
    started = [clock for clock in clocks if clock.start is not None]
    return started[-1] if started else None


def _is_open(clock: StageClock) -> bool:
    return clock.end is None and clock.status in (Status.RUNNING, Status.BREACHED)


def _is_visit(event: PathwayEvent) -> bool:
    return event.type in VISITS or event.type == DID_NOT_ATTEND


def _entry(resource: dict) -> dict:
    return {"fullUrl": _full_url(resource["id"]), "resource": resource}


def _full_url(resource_id) -> str:
    return f"urn:uuid:{resource_id}"


def _uuid(pathway: Pathway, name: str) -> uuid.UUID:
    """A stable id for something derived from the pathway."""
    return uuid.uuid5(pathway.pk, name)


def operation_outcome(code: str, diagnostics: str) -> dict:
    """FHIR's own error shape, for FHIR clients."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
