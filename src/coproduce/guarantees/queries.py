"""The read path for guarantees: scheme rules, a pathway's facts and its live clock."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from threading import Lock
from uuid import UUID

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    access_as_citizen,
    audit_change,
    audit_look,
    categories_visible,
    in_organisation_tree,
    is_person_or_proxy,
    organisation_and_children,
    people_in_organisations_care,
    person_access,
)
from coproduce.people.models import Organisation, Person, RecordCategory, Role

from .clock import evaluate
from .forms import event_label
from .models import Pathway, PathwayEvent, Right, Scheme, SchemeStage, StageRecord
from .rules import ClockEvent, SchemeRules, StageClock, Status, rules_from_definition


def scheme_definition(scheme: Scheme) -> dict:
    """A stored scheme in the shape of fixtures/schemes.json."""
    return {
        "code": scheme.code,
        "family": scheme.family,
        "title": scheme.title,
        "public_name": scheme.public_name,
        "explanation": scheme.explanation,
        "country": scheme.country,
        "effective_from": scheme.effective_from,
        "effective_to": scheme.effective_to,
        "at_risk_percent": scheme.at_risk_percent,
        "response_days": scheme.response_days,
        "right_on_breach": scheme.right_on_breach,
        "extra_events": scheme.extra_events,
        "stages": [
            {"code": stage.code}
            | {field: getattr(stage, field) for field in SchemeStage.RULE_FIELDS}
            for stage in SchemeStage.objects.filter(scheme=scheme).order_by("position")
        ],
    }


RULES_CACHED = 64
_rules_by_stamp: OrderedDict[tuple[str, UUID], SchemeRules] = OrderedDict()
_rules_lock = Lock()


def scheme_rules(scheme: Scheme | str) -> SchemeRules | None:
    """The rules of a stored scheme version, given the version (as loaded, no query when its
    rules are cached) or its code (one small query); None when there is no such version.

    Rules are cached by the version's `rules_stamp`, read with its row, never by its code
    alone: a version never changes once made, and a version made by another process, or made
    again after a transaction that made it rolled back, comes with a stamp of its own. So every
    process sees every change without being told to forget. A code with no version is not
    cached either: another process may make that version the next moment."""
    if isinstance(scheme, Scheme):
        code, stamp = scheme.code, scheme.rules_stamp
    else:
        row = Scheme.objects.filter(code=scheme).values_list("code", "rules_stamp").first()
        if row is None:
            return None
        code, stamp = row
    key = (code, stamp)
    with _rules_lock:
        if key in _rules_by_stamp:
            _rules_by_stamp.move_to_end(key)
            return _rules_by_stamp[key]
    stored = Scheme.objects.filter(code=code, rules_stamp=stamp).first()
    if stored is None:
        # The row the stamp was read from is gone (its transaction rolled back).
        return None
    rules = rules_from_definition(scheme_definition(stored))
    with _rules_lock:
        _rules_by_stamp[key] = rules
        while len(_rules_by_stamp) > RULES_CACHED:
            _rules_by_stamp.popitem(last=False)
    return rules


def forget_scheme_rules() -> None:
    """Empty this process's cache (never needed for correctness: see scheme_rules)."""
    with _rules_lock:
        _rules_by_stamp.clear()


def effective_events(events: list[PathwayEvent]) -> list[PathwayEvent]:
    """The facts that stand: events not withdrawn or replaced by a later correcting event,
    in the order the clock reads them (date, then order of recording)."""
    corrected = {event.corrects_id for event in events if event.corrects_id is not None}
    standing = [
        event
        for event in events
        if event.pk not in corrected and event.type != PathwayEvent.ENTERED_IN_ERROR
    ]
    return sorted(standing, key=lambda event: (event.occurred_on, event.sequence))


def clock_events(events: list[PathwayEvent]) -> list[ClockEvent]:
    return [ClockEvent(event.type, event.occurred_on) for event in effective_events(events)]


def pathway_clocks(pathway: Pathway, as_of: date | None = None) -> list[StageClock]:
    """The live clock of every stage of the pathway."""
    rules = scheme_rules(pathway.scheme)
    events = list(pathway.events.all())
    return evaluate(rules, clock_events(events), as_of or timezone.localdate())


class RightStatus(StrEnum):
    OWED = "owed"  # breached; the person has not asked yet
    REQUESTED = "requested"  # waiting for the region to offer care elsewhere
    OFFERED = "offered"  # waiting for the person's answer
    ACCEPTED = "accepted"  # waiting for the treatment elsewhere
    DECLINED = "declined"  # the guarantee lapsed
    TREATED = "treated"
    ENDED = "ended"  # the stage ended (seen or treated) before the person asked


def right_status(
    right: Right, clock: StageClock | None = None, *, stage_ended: bool = False
) -> RightStatus:
    """What the right is now. A right nobody asked for is no longer owed once its stage ends
    (the first visit or the treatment happened): say so with the stage's live clock, or with
    `stage_ended` from the stored clock (with_stage_ended)."""
    if right.treated_on is not None:
        return RightStatus.TREATED
    if right.declined_at is not None:
        return RightStatus.DECLINED
    if right.accepted_at is not None:
        return RightStatus.ACCEPTED
    if right.offered_at is not None:
        return RightStatus.OFFERED
    if right.requested_at is not None:
        return RightStatus.REQUESTED
    if clock is not None:
        stage_ended = clock.start == right.stage_started_on and clock.end is not None
    if stage_ended:
        return RightStatus.ENDED
    return RightStatus.OWED


def with_stage_ended(rights: QuerySet) -> QuerySet:
    """Rights annotated with `stage_ended`: whether the stored clock of the stage they were
    given for has ended (what right_status needs, as a column to filter on)."""
    ended = StageRecord.objects.filter(
        pathway_id=OuterRef("pathway_id"),
        stage=OuterRef("stage"),
        start=OuterRef("stage_started_on"),
        end__isnull=False,
    )
    return rights.annotate(stage_ended=Exists(ended))


def right_overdue(right: Right, today: date) -> bool:
    """The region has missed its own deadline: to offer, once asked."""
    waiting = right_status(right) == RightStatus.REQUESTED
    return waiting and right.respond_by is not None and today > right.respond_by


@dataclass(frozen=True)
class StageView:
    """A stage of a person's wait, with what the page needs to explain it."""

    clock: StageClock
    title: str
    plain_words: str
    right: Right | None


def provider_scope(actor: Actor) -> QuerySet:
    """Pathways at providers the actor acts for (or at their child organisations)."""
    return Pathway.objects.filter(provider__in=organisation_and_children(actor.organisation_ids))


def staff_pathway(
    actor: Actor, pathway_id, *, write: bool = False
) -> tuple[Pathway, Access | None]:
    """A pathway at a provider the actor acts for, about a person whose health record they
    may see (or, with `write`, change); otherwise "not found", as if it did not exist. The rule
    alone, writing no audit row (pathway_for_staff audits). The platform itself (Actor.system)
    reaches every pathway, with no access basis."""
    pathway = Pathway.objects.select_related("scheme", "provider", "person").filter(pk=pathway_id)
    if not actor.is_system:
        pathway = pathway.filter(pk__in=provider_scope(actor).values("pk"))
    pathway = pathway.first()
    if pathway is None:
        raise PersonNotFound
    if actor.is_system:
        return pathway, None
    access = person_access(actor, pathway.person_id, category=RecordCategory.HEALTH, write=write)
    return pathway, access


def pathway_for_staff(
    actor: Actor, pathway_id, *, what: str, write: bool = False
) -> tuple[Pathway, Access | None]:
    """staff_pathway, with the look (or, with `write`, the change) audited."""
    pathway, access = staff_pathway(actor, pathway_id, write=write)
    if access is not None:
        (audit_change if write else audit_look)(actor, access, what=what)
    return pathway, access


def pathway_for_reading(actor: Actor, pathway_id, *, what: str) -> tuple[Pathway, Access]:
    """A wait as anyone may read it, on the website or through the API: the person and their
    proxies (as My waits shows it); staff and tokens only as pathway_for_staff allows (a
    provider they act for, and a health basis). One rule, so that a token never reads a wait
    the website refuses. Otherwise "not found"."""
    person_id = Pathway.objects.filter(pk=pathway_id).values_list("person_id", flat=True).first()
    if person_id is None:
        raise PersonNotFound
    if is_person_or_proxy(actor, person_id):
        access = access_as_citizen(actor, person_id, what=what, category=RecordCategory.HEALTH)
        pathway = Pathway.objects.select_related("scheme", "provider", "person").get(pk=pathway_id)
        return pathway, access
    return pathway_for_staff(actor, pathway_id, what=what)


def rights_for_pathway(pathway: Pathway) -> dict[tuple[str, date], Right]:
    return {(right.stage, right.stage_started_on): right for right in pathway.rights.all()}


def alternative_providers(
    pathway: Pathway, stage_code: str, as_of: date | None = None
) -> list[tuple[Organisation, int]]:
    """Other providers offering the same service whose current median wait for the stage
    meets the guarantee, shortest wait first (from the live statistics)."""
    from .compliance import median_waits_by_provider

    rules = scheme_rules(pathway.scheme)
    limit = next(
        clock.limit
        for clock in evaluate(rules, [], as_of or timezone.localdate())
        if clock.stage == stage_code
    )
    medians = median_waits_by_provider(
        pathway.scheme.code, stage_code, pathway.service, as_of or timezone.localdate()
    )
    meeting = {
        pid: days for pid, days in medians.items() if days <= limit and pid != pathway.provider_id
    }
    providers = Organisation.objects.in_bulk(list(meeting))
    return sorted(
        ((providers[pid], days) for pid, days in meeting.items() if pid in providers),
        key=lambda pair: (pair[1], pair[0].name),
    )


def waits_for_person(person: Person) -> QuerySet[Pathway]:
    return (
        Pathway.objects.filter(person=person)
        .select_related("scheme", "provider")
        .prefetch_related("events", "rights__offered_provider__locality")
        .order_by("-created_at")
    )


def worklist_candidates(actor: Actor, provider_ids: list[int], today: date) -> QuerySet:
    """Open stages at these providers that are at risk or past their deadline by the stored
    clock, about people the actor may see, soonest deadline first."""
    return (
        StageRecord.objects.filter(
            provider_id__in=provider_ids,
            status__in=[Status.RUNNING, Status.BREACHED],
            end__isnull=True,
            deadline__isnull=False,
            at_risk_on__lte=today,
        )
        .filter(pathway__person__in=people_in_organisations_care(actor, RecordCategory.HEALTH))
        .select_related("pathway__person", "pathway__provider", "pathway__scheme")
        .order_by("deadline", "pathway_id", "position")
    )


def open_requests(actor: Actor, provider_ids: list[int]) -> QuerySet:
    """Requests for care elsewhere still in hand: waiting for an offer (soonest reply date,
    so overdue ones, first), accepted and waiting for treatment, then offered and waiting for
    the person's answer."""
    return (
        Right.objects.filter(
            pathway__provider_id__in=provider_ids,
            requested_at__isnull=False,
            declined_at__isnull=True,
            treated_on__isnull=True,
        )
        .filter(pathway__person__in=people_in_organisations_care(actor, RecordCategory.HEALTH))
        .select_related(
            "pathway__person", "pathway__provider", "pathway__scheme", "offered_provider"
        )
        .annotate(
            step=Case(
                When(offered_at__isnull=True, then=Value(0)),
                When(accepted_at__isnull=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("step", "respond_by", "offered_appointment_on", "pk")
    )


def keeps_a_waiting_list(actor: Actor) -> bool:
    """Whether the actor works for a provider with waits (a council social worker does not):
    only they are offered the waiting list."""
    return actor.is_staff_member and provider_scope(actor).exists()


# Organisations that provide care with waits: where a wait can be opened, and care elsewhere
# offered.
CARE_PROVIDER_KINDS = (
    Organisation.Kind.HOSPITAL,
    Organisation.Kind.GP_PRACTICE,
    Organisation.Kind.NHS_TRUST,
)
# The roles whose work includes putting someone on a waiting list (the module's role kinds):
# not a lead professional (a council's social worker) nor an organisation's admin.
ROLES_THAT_OPEN_WAITS = (Role.Kind.CLINICIAN, Role.Kind.PROFESSIONAL)


def providers_opening_waits(actor: Actor) -> QuerySet:
    """The care providers (and their child providers) at which the actor's roles open waits,
    by name; none for a council social worker, even one whom a person let see their health
    record."""
    ids = {
        role.organisation_id
        for role in actor.roles
        if role.kind in ROLES_THAT_OPEN_WAITS and role.organisation.kind in CARE_PROVIDER_KINDS
    }
    if not ids:
        return Organisation.objects.none()
    return organisation_and_children(ids).filter(kind__in=CARE_PROVIDER_KINDS).order_by("name")


def opens_waits_at(actor: Actor, provider: Organisation) -> bool:
    """Whether the actor may put people on the provider's waiting list: the platform itself;
    a care provider's API token at the provider or one of its children; staff whose role
    there opens waits (providers_opening_waits). The page, the API and imports ask here."""
    if actor.is_system:
        return True
    if provider.kind not in CARE_PROVIDER_KINDS:
        return False
    if actor.token is not None:
        return in_organisation_tree(provider, actor.organisation_ids)
    return providers_opening_waits(actor).filter(pk=provider.pk).exists()


def may_open_a_wait(actor: Actor, person: Person) -> bool:
    """Whether staff looking at a person's record are offered to open a wait for them: their
    role opens waits at a care provider, and they have a health basis for the person (the
    page answers "Page not found" otherwise)."""
    return (
        actor.is_staff_member
        and providers_opening_waits(actor).exists()
        and RecordCategory.HEALTH in categories_visible(actor, person)
    )


def words_for_wait_codes(field_name: str, values: set) -> dict[str, str]:
    """What a person reads, in My data, for the codes stored on their waits: the event types
    staff record and the stages of a scheme."""
    if field_name == "type":
        return {value: event_label(value) for value in values}
    if field_name == "breached_on":
        # Stored as the first day past the deadline; said as the deadline, as every page does.
        return {
            value: _("%(deadline)s (missed)")
            % {"deadline": date_format(date.fromisoformat(value) - timedelta(days=1), "j F Y")}
            for value in values
        }
    if field_name == "stage":
        titles = SchemeStage.objects.filter(code__in=values).values_list("code", "title")
        return dict(titles)
    return {}
