"""The only write path for guarantees. Each state change is one function and one transaction,
permission-checked and audited.

Recording an event re-evaluates the pathway's clock at once: the stored stage records, the
statistics and, on a breach, the person's right and their notification all follow in the
same transaction, so they are never out of step with the facts.
"""

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coproduce import events
from coproduce.errors import Conflict, NotAllowed, RuleViolation, invalid_fields
from coproduce.messaging.actions import send_templated_message
from coproduce.messaging.message_templates import Phrase
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    access_person,
    act_for_person,
    acted_by_label,
    in_organisation_tree,
    record_audit,
)
from coproduce.people.actions import tell_person_of_action_on_behalf
from coproduce.people.models import (
    AuditEvent,
    CareRelationship,
    Organisation,
    Person,
    RecordCategory,
)

from . import compliance, message_templates
from .clock import evaluate
from .forms import event_label
from .models import Pathway, PathwayEvent, Right, Scheme, SchemeStage, StageRecord
from .queries import (
    RightStatus,
    clock_events,
    effective_events,
    opens_waits_at,
    pathway_for_staff,
    right_status,
    scheme_definition,
    scheme_rules,
)
from .rules import (
    SchemeRules,
    StageClock,
    Status,
    builtin_definitions,
    event_types,
    rules_from_definition,
)

logger = logging.getLogger(__name__)

EARLIEST_EVENT = date(1990, 1, 1)
OFFER_REPLY_DAYS = 7


# --- schemes -------------------------------------------------------------------------------


@transaction.atomic
def load_schemes(definitions: Iterable[dict]) -> list[Scheme]:
    """Create the schemes of these definitions (fixtures/schemes.json's shape) that do not
    exist yet. One that exists is left as it is: a scheme version never changes (a changed
    rule ships as a new version, with its own code and effective date)."""
    loaded = []
    for definition in definitions:
        scheme = Scheme.objects.filter(code=definition["code"]).first()
        loaded.append(scheme if scheme is not None else _create_scheme(definition))
    return loaded


def _create_scheme(definition: dict) -> Scheme:
    scheme = Scheme.objects.create(
        code=definition["code"],
        family=definition["family"],
        title=definition["title"],
        public_name=definition.get("public_name", ""),
        explanation=definition.get("explanation", ""),
        country=definition["country"],
        effective_from=definition["effective_from"],
        effective_to=definition.get("effective_to"),
        at_risk_percent=definition.get("at_risk_percent", 80),
        response_days=definition.get("response_days", 14),
        right_on_breach=definition.get("right_on_breach", ""),
        extra_events=definition.get("extra_events", []),
    )
    SchemeStage.objects.bulk_create(
        SchemeStage(
            scheme=scheme,
            position=position,
            code=stage["code"],
            **{field: stage.get(field, _stage_default(field)) for field in SchemeStage.RULE_FIELDS},
        )
        for position, stage in enumerate(definition["stages"], start=1)
    )
    return scheme


def _stage_default(field: str):
    return SchemeStage._meta.get_field(field).get_default()


def ensure_builtin_schemes(**_) -> None:
    """Run after every migrate: the built-in schemes exist."""
    load_schemes(builtin_definitions())


def _check_stages(stages) -> None:
    """The shape of a version's stages, beyond what rules_from_definition reads."""
    if not isinstance(stages, list) or not stages:
        raise ValueError("give a list of one or more stages")
    for stage in stages:
        if not isinstance(stage, dict) or not stage.get("code") or not stage.get("title"):
            raise ValueError("each stage needs a code and a title")
        for field in ("start_events", "stop_events", "lapse_events", "restart_events"):
            names = stage.get(field, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"{field} of {stage['code']} must be a list of event types")


# What a new version may change; the guarantee it belongs to (family, country) stays.
VERSION_FIELDS = (
    "title",
    "public_name",
    "explanation",
    "at_risk_percent",
    "response_days",
    "right_on_breach",
    "extra_events",
)


@transaction.atomic
def make_scheme_version(
    actor: Actor,
    *,
    scheme_id: int,
    effective_from: date,
    changes: dict,
    code: str = "",
) -> Scheme:
    """A new version of a guarantee's rules, in effect from `effective_from` (a future day):
    the rules of the version `scheme_id` with `changes` (any of VERSION_FIELDS, and
    "stages", the whole list of stages in fixtures/schemes.json's shape). The version in
    effect before it ends the day before; waits opened under it keep it, so no clock that
    has run changes. New waits from that day are opened under the new version."""
    if actor.user is None or not actor.user.has_perm("guarantees.add_scheme"):
        raise NotAllowed(_("You cannot make scheme versions."))
    base = Scheme.objects.filter(pk=scheme_id).first()
    if base is None:
        raise NotAllowed(_("There is no such scheme."))
    # One version of a guarantee at a time: the second of two made at the same moment waits
    # here, then sees the first one's day and code below.
    list(Scheme.objects.select_for_update().filter(family=base.family).order_by("pk"))
    problems: dict[str, list[str]] = {}
    unknown = sorted(set(changes) - {*VERSION_FIELDS, "stages"})
    if unknown:
        problems["changes"] = [
            _("A new version cannot change %(fields)s.") % {"fields": ", ".join(unknown)}
        ]
    today = timezone.localdate()
    latest = Scheme.objects.filter(family=base.family).order_by("-effective_from").first()
    if not isinstance(effective_from, date) or effective_from <= today:
        problems["effective_from"] = [
            _("A new version takes effect on a future day, so no clock that has run changes.")
        ]
    elif effective_from <= latest.effective_from:
        problems["effective_from"] = [
            _("Choose a day after %(day)s, when %(code)s takes effect.")
            % {"day": date_format(latest.effective_from, "j F Y"), "code": latest.code}
        ]
    code = (code or "").strip() or f"{base.family}-{effective_from}"
    if len(code) > 50 or not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        problems["code"] = [_("Use up to 50 letters, digits, hyphens and underscores.")]
    elif Scheme.objects.filter(code=code).exists():
        problems["code"] = [
            _("There is already a scheme %(code)s: choose another code.") % {"code": code}
        ]
    if problems:
        raise invalid_fields(problems)
    definition = {
        **scheme_definition(base),
        **changes,
        "code": code,
        "effective_from": effective_from,
        "effective_to": None,
    }
    try:
        _check_stages(definition["stages"])
        rules_from_definition(definition)
        with transaction.atomic():
            scheme = _create_scheme(definition)
    except (KeyError, TypeError, ValueError, IntegrityError) as error:
        raise invalid_fields(
            {"stages": [_("The rules are not complete or not valid: %(error)s") % {"error": error}]}
        ) from None
    events.publish("guarantee.scheme_version_made", scheme_id=scheme.pk, code=scheme.code)
    return scheme


# --- pathways and events -------------------------------------------------------------------


def acts_for_provider(actor: Actor, provider: Organisation) -> bool:
    return in_organisation_tree(provider, actor.organisation_ids)


@transaction.atomic
def open_pathway(
    actor: Actor,
    *,
    person_id,
    scheme_code: str,
    provider_id: int,
    service: str,
    external_id: str = "",
) -> Pathway:
    """Start a person's wait under a scheme at a provider: a referral. The provider gains a
    care relationship with the person for their health record while they are on its list."""
    problems: dict[str, list[str]] = {}
    scheme = Scheme.objects.filter(code=scheme_code).first()
    if scheme is None:
        known = ", ".join(Scheme.objects.values_list("code", flat=True))
        problems["scheme"] = [_("Choose a known scheme: %(known)s.") % {"known": known}]
    elif not scheme.in_effect_on(timezone.localdate()):
        problems["scheme"] = [
            _("The scheme %(code)s is not in effect today.") % {"code": scheme.code}
        ]
    provider = Organisation.objects.filter(pk=provider_id).first()
    if provider is None:
        problems["provider"] = [_("Choose a provider that exists.")]
    service = (service or "").strip()
    if not service or len(service) > 100:
        problems["service"] = [_("Enter the service or specialty, up to 100 characters.")]
    if len(external_id) > 100:
        problems["external_id"] = [_("Use a reference of up to 100 characters.")]
    if problems:
        raise invalid_fields(problems)
    if not opens_waits_at(actor, provider):
        raise NotAllowed(
            _(
                "You can only open waits at a care provider where your role puts people on "
                "waiting lists."
            )
        )
    if actor.is_system:
        # The platform itself (an operator's import, the demo): no access rule applies, but
        # the write still goes on the person's audit trail.
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise PersonNotFound
        record_audit(
            actor,
            person=person,
            action=AuditEvent.Action.WRITE,
            what=f"wait for {service} opened",
            why=f"Opened by the platform for {provider.name}",
            organisation=provider,
        )
    else:
        person = access_person(
            actor,
            person_id,
            what=f"wait for {service} opened",
            category=RecordCategory.HEALTH,
            write=True,
        ).person
    if external_id and Pathway.objects.filter(provider=provider, external_id=external_id).exists():
        raise _duplicate_reference()
    try:
        with transaction.atomic():
            pathway = Pathway.objects.create(
                person=person,
                scheme=scheme,
                provider=provider,
                service=service,
                external_id=external_id,
                created_by_label=actor.label_at(provider)[:300],
            )
    except IntegrityError:
        # The same referral, sent again at the same moment, was opened between our look and
        # our insert: the database's unique reference refused this copy.
        if Pathway.objects.filter(provider=provider, external_id=external_id).exists():
            raise _duplicate_reference() from None
        raise
    # One open-ended care relationship per organisation and category (a unique constraint):
    # a referral sent at the same moment as this one finds the one that referral made.
    CareRelationship.objects.get_or_create(
        person=person,
        organisation=provider,
        category=RecordCategory.HEALTH,
        ends_on=None,
        defaults={"reason": f"On the waiting list for {service}"[:200]},
    )
    events.publish("guarantee.pathway_opened", pathway_id=str(pathway.pk))
    return pathway


def _duplicate_reference() -> Conflict:
    return Conflict(
        _("That provider already has a wait with this reference."),
        code="duplicate_reference",
        fields={"external_id": [_("Use the provider's own, unique reference.")]},
    )


def _clean_event(
    rules: SchemeRules, pathway: Pathway, type_: str, occurred_on, corrects: PathwayEvent | None
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    allowed = event_types(rules) | {PathwayEvent.ENTERED_IN_ERROR}
    if type_ not in allowed:
        problems["type"] = [_("Use one of: %(types)s.") % {"types": ", ".join(sorted(allowed))}]
    elif type_ == PathwayEvent.ENTERED_IN_ERROR and corrects is None:
        problems["corrects"] = [_("Say which event was entered in error.")]
    today = timezone.localdate()
    if not isinstance(occurred_on, date):
        problems["occurred_on"] = [_("Enter the date it happened, as YYYY-MM-DD.")]
    elif occurred_on > today:
        problems["occurred_on"] = [_("The date cannot be in the future.")]
    elif occurred_on < EARLIEST_EVENT:
        problems["occurred_on"] = [
            _("The date cannot be before %(day)s.") % {"day": date_format(EARLIEST_EVENT, "j F Y")}
        ]
    return problems


@dataclass(frozen=True)
class NewEvent:
    """One fact to append. It may correct an earlier event, named by its id or, in an
    import, by its `source_key` (an earlier event of the same call, or one already recorded)."""

    type: str
    occurred_on: date
    note: str = ""
    source_key: str = ""
    corrects_key: str = ""
    corrects_id: int | None = None


def _in_words(added: list[PathwayEvent]) -> str:
    """The events, as the person reads them on their audit trail (never the codes)."""
    return ", ".join(event_label(event.type) for event in added)


@transaction.atomic
def record_event(
    actor: Actor,
    *,
    pathway_id,
    type: str,  # noqa: A002 - the name the API and imports use
    occurred_on: date,
    note: str = "",
    corrects_id: int | None = None,
    source: str = PathwayEvent.Source.WEB,
    source_key: str = "",
) -> PathwayEvent:
    """Append a fact to the pathway and re-evaluate its clock. With a `source_key` already
    recorded for this pathway, nothing is added and the first event is returned."""
    fact = NewEvent(type, occurred_on, note, source_key, corrects_id=corrects_id)
    pathway = pathway_for_staff(actor, pathway_id, what="wait: events recorded", write=True)[0]
    ((event, _added),) = _append(actor, pathway, [fact], source, number_fields=False)
    return event


@transaction.atomic
def record_events(
    actor: Actor,
    *,
    pathway_id,
    facts: Sequence[NewEvent],
    source: str = PathwayEvent.Source.IMPORT,
) -> list[PathwayEvent]:
    """Append several facts at once (an import: a wait's history from a file) and
    re-evaluate the clock once, after the last. The clock never passes through the states in
    between, so a wait that was met is not breached, and the person not told so, on the way.

    Any problem refuses them all (field errors named `facts.<position from 1>.<field>`).
    A fact whose `source_key` is already recorded with the same type and date is skipped.
    Returns the events added."""
    pathway = pathway_for_staff(actor, pathway_id, what="wait: events recorded", write=True)[0]
    appended = _append(actor, pathway, facts, source, number_fields=True)
    return [event for event, added in appended if added]


def _append(
    actor: Actor,
    pathway: Pathway,
    facts: Sequence[NewEvent],
    source: str,
    *,
    number_fields: bool,
    audited: bool = True,
    recorded_by_label: str = "",
) -> list[tuple[PathwayEvent, bool]]:
    """Check and append facts to a pathway the caller has already checked the actor may
    change, then refresh the clock once: (event, added) per fact.

    Not `audited` when the facts are part of a change its own action audits (treatment
    elsewhere, a declined offer), so that change is one row on the person's trail."""
    Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
    rules = scheme_rules(pathway.scheme)
    before = list(pathway.events.all())
    by_key = {event.source_key: event for event in before if event.source_key}
    by_id = {event.pk: event for event in before}
    corrected = {event.corrects_id for event in before if event.corrects_id is not None}
    sequence = max((event.sequence for event in before), default=0)
    label = recorded_by_label or actor.label_at(pathway.provider)[:300]
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    results: list[tuple[PathwayEvent, bool]] = []
    for position, fact in enumerate(facts, start=1):

        def field(name: str, position=position) -> str:
            return f"facts.{position}.{name}" if number_fields else name

        existing = by_key.get(fact.source_key) if fact.source_key else None
        if existing is not None:
            if (existing.type, existing.occurred_on) != (fact.type, fact.occurred_on):
                raise Conflict(
                    _(
                        "Event %(key)s was already recorded as %(type)s on %(day)s; record a "
                        "correcting event instead."
                    )
                    % {
                        "key": repr(fact.source_key),
                        "type": existing.type,
                        "day": existing.occurred_on,
                    },
                    code="event_key_in_use",
                    fields={
                        field("source_key"): [_("Each imported event keeps its first values.")]
                    },
                )
            results.append((existing, False))
            continue
        corrects = None
        problems: dict[str, list[str]] = {}
        if fact.corrects_key or fact.corrects_id is not None:
            corrects = by_key.get(fact.corrects_key) or by_id.get(fact.corrects_id)
            if corrects is None:
                problems["corrects"] = [_("Choose an event of this wait.")]
            elif corrects.pk in corrected:
                problems["corrects"] = [_("That event has already been corrected.")]
        problems |= _clean_event(rules, pathway, fact.type, fact.occurred_on, corrects)
        if len(fact.note) > 500:
            problems["note"] = [_("Keep the note to 500 characters.")]
        if problems:
            raise invalid_fields({field(name): found for name, found in problems.items()})
        sequence += 1
        event = PathwayEvent.objects.create(
            pathway=pathway,
            sequence=sequence,
            type=fact.type,
            occurred_on=fact.occurred_on,
            corrects=corrects,
            note=fact.note,
            recorded_by=user,
            recorded_by_label=label,
            source=source,
            source_key=fact.source_key,
        )
        results.append((event, True))
        if fact.source_key:
            by_key[fact.source_key] = event
        by_id[event.pk] = event
        if corrects is not None:
            corrected.add(corrects.pk)
        events.publish(
            "guarantee.event_recorded",
            pathway_id=str(pathway.pk),
            type=fact.type,
            occurred_on=fact.occurred_on.isoformat(),
        )
    added = [event for event, is_new in results if is_new]
    if added:
        if actor.is_system and audited:
            # Staff writes are audited by access_person; the platform's own say why here.
            record_audit(
                actor,
                person=pathway.person,
                action=AuditEvent.Action.WRITE,
                what=f"wait for {pathway.service}: {_in_words(added)}"[:200],
                why=f"Recorded by the platform ({source}) for {pathway.provider.name}",
                organisation=pathway.provider,
            )
        _refresh(pathway, rules, before, [*before, *added], timezone.localdate())
    return results


# --- the clock, stored ---------------------------------------------------------------------


def stage_record(pathway: Pathway, clock: StageClock, position: int, today: date) -> StageRecord:
    excluded = dict(clock.excluded_by_kind)
    return StageRecord(
        pathway=pathway,
        stage=clock.stage,
        position=position,
        scheme_id=pathway.scheme_id,
        provider_id=pathway.provider_id,
        locality_id=pathway.person.locality_id,
        service=pathway.service,
        status=clock.status,
        start=clock.start,
        end=clock.end,
        deadline=clock.deadline,
        days_waited=clock.days_waited,
        limit=clock.limit,
        days_excluded=clock.days_excluded,
        patient_days=excluded.get("patient", 0),
        medical_days=excluded.get("medical", 0),
        paused_by=clock.paused_by or "",
        at_risk_on=_at_risk_on(clock, pathway.scheme.at_risk_percent),
        evaluated_on=today,
    )


def _at_risk_on(clock: StageClock, at_risk_percent: int) -> date | None:
    """The first day a running stage could be at risk. For working-day limits this errs
    early (two calendar days per remaining working day): the worklist checks the live clock."""
    if clock.deadline is None or clock.end is not None:
        return None
    remaining = clock.limit - -(-clock.limit * at_risk_percent // 100)
    return clock.deadline - timedelta(days=2 * remaining)


def _refresh(
    pathway: Pathway,
    rules: SchemeRules,
    events_before: list[PathwayEvent],
    events_after: list[PathwayEvent],
    today: date,
) -> list[StageClock]:
    """Bring the stored clock, the statistics and any right up to date with the facts."""
    clocks = evaluate(rules, clock_events(events_after), today)
    old_records = list(StageRecord.objects.filter(pathway=pathway))
    new_records = [
        stage_record(pathway, clock, position, today)
        for position, clock in enumerate(clocks, start=1)
    ]
    StageRecord.objects.filter(pathway=pathway).delete()
    StageRecord.objects.bulk_create(new_records)
    compliance.apply_change(
        old_records,
        new_records,
        effective_events(events_before),
        effective_events(events_after),
        pathway,
    )
    events.publish(
        "guarantee.clock_changed",
        pathway_id=str(pathway.pk),
        stages={clock.stage: clock.status.value for clock in clocks},
    )
    for clock in clocks:
        # A stage that breached and has since ended (an old wait imported late) is counted
        # in the statistics, but care elsewhere can no longer be offered for it.
        if clock.status == Status.BREACHED and clock.end is None:
            _ensure_right(pathway, clock, rules)
    return clocks


@transaction.atomic
def evaluate_pathway(pathway_id, today: date | None = None) -> list[StageClock]:
    """Re-evaluate a pathway as time passes (no new event): a running stage may have
    breached. Safe to run twice at once: the pathway row is locked and a right is unique."""
    pathway = (
        Pathway.objects.select_for_update().select_related("scheme", "person").get(pk=pathway_id)
    )
    rules = scheme_rules(pathway.scheme)
    facts = list(pathway.events.all())
    return _refresh(pathway, rules, facts, facts, today or timezone.localdate())


def detect_breaches(today: date | None = None) -> int:
    """Find running stages whose deadline has passed and make their rights fire. Returns how
    many pathways were re-evaluated.

    Each pathway is its own transaction: one that cannot be evaluated is logged and rolled
    back, and the job goes on to the others (and tries that one again on its next run)."""
    today = today or timezone.localdate()
    due = (
        StageRecord.objects.filter(status=Status.RUNNING, deadline__lt=today)
        .values_list("pathway_id", flat=True)
        .distinct()
    )
    count = 0
    for pathway_id in list(due):
        try:
            evaluate_pathway(pathway_id, today)
        except Exception:
            logger.exception("Could not check wait %s for a broken guarantee", pathway_id)
            continue
        count += 1
    return count


# --- the right on breach -------------------------------------------------------------------


def _ensure_right(pathway: Pathway, clock: StageClock, rules: SchemeRules) -> Right:
    key = {"pathway": pathway, "stage": clock.stage, "stage_started_on": clock.start}
    existing = Right.objects.filter(**key).first()
    if existing is not None:
        return existing
    breached_on = clock.deadline + timedelta(days=1)
    try:
        with transaction.atomic():
            right = Right.objects.create(**key, breached_on=breached_on)
    except IntegrityError:
        # Another evaluation created it between our look and our insert: it has notified.
        return Right.objects.get(**key)
    stage = rules.stage(clock.stage)
    send_templated_message(
        Actor.system(),
        person_id=pathway.person_id,
        key=f"guarantee-breach-{right.pk}",
        template=message_templates.BREACH,
        personalisation={
            "service": pathway.service,
            "promise": stage.plain_words,
            "guarantee": pathway.scheme.name_for_person,
            "deadline": clock.deadline,
            "provider": pathway.provider.name,
            "right": pathway.scheme.right_on_breach,
        },
        reason=(
            f"{pathway.scheme.name_for_person} was broken: the person must be told what they "
            "can ask for."
        ),
        category=RecordCategory.HEALTH,
    )
    events.publish(
        "guarantee.breached",
        pathway_id=str(pathway.pk),
        right_id=right.pk,
        stage=clock.stage,
        provider=pathway.provider.code,
    )
    return right


def _choice_about_wait(
    actor: Actor, pathway: Pathway, *, what: str, on_behalf: str | None
) -> Access:
    """The right to make one of the person's own choices about their wait (the rule is
    people.access.act_for_person, in the health category). Staff acting on the person's
    behalf must also work at the wait's provider, as they must to see it (pathway_for_staff);
    the caller's transaction takes back the audit row when they do not."""
    access = act_for_person(
        actor, pathway.person_id, category=RecordCategory.HEALTH, what=what, on_behalf=on_behalf
    )
    if access.on_behalf and not acts_for_provider(actor, pathway.provider):
        raise PersonNotFound
    return access


@transaction.atomic
def ask_for_care_elsewhere(
    actor: Actor, *, pathway_id, stage: str, on_behalf: str | None = None
) -> Right:
    """The person (or someone managing for them) asks for the alternative, in one step; staff
    only on the person's behalf (`on_behalf`: how the person asked), and the person is told.
    The live clock decides whether the stage has breached, whether or not a job has noticed."""
    pathway = Pathway.objects.select_for_update().select_related("scheme", "person", "provider")
    pathway = pathway.filter(pk=pathway_id).first()
    if pathway is None:
        raise PersonNotFound
    access = _choice_about_wait(
        actor,
        pathway,
        what="right to care elsewhere",
        on_behalf=on_behalf,
    )
    rules = scheme_rules(pathway.scheme)
    facts = list(pathway.events.all())
    clocks = _refresh(pathway, rules, facts, facts, timezone.localdate())
    clock = next((c for c in clocks if c.stage == stage), None)
    if clock is None or clock.status != Status.BREACHED:
        raise RuleViolation(
            _("You can ask for care elsewhere once the guarantee for this stage is broken."),
            code="not_breached",
            fields={"stage": [_("This stage is within its guarantee.")]},
        )
    right = Right.objects.select_for_update().get(
        pathway=pathway, stage=stage, stage_started_on=clock.start
    )
    status = right_status(right, clock)
    if status == RightStatus.ENDED:
        raise RuleViolation(
            _("This stage is over: care elsewhere can only be asked for while still waiting."),
            code="stage_ended",
            fields={"stage": [_("This stage has ended.")]},
        )
    if status != RightStatus.OWED:
        return right
    right.requested_at = timezone.now()
    right.requested_by_label = acted_by_label(actor, access)
    right.respond_by = timezone.localdate() + timedelta(days=pathway.scheme.response_days)
    right.save(update_fields=["requested_at", "requested_by_label", "respond_by"])
    tell_person_of_action_on_behalf(
        actor,
        access,
        done=Phrase(message_templates.ASKED_FOR_CARE_ELSEWHERE, service=pathway.service),
        category=RecordCategory.HEALTH,
    )
    events.publish("guarantee.right_requested", right_id=right.pk, pathway_id=str(pathway.pk))
    return right


def _right_for_staff(actor: Actor, right_id, what: str) -> Right:
    right = (
        Right.objects.select_for_update(of=("self",))
        .select_related("pathway__scheme", "pathway__provider", "pathway__person")
        .filter(pk=right_id)
        .first()
    )
    if right is None:
        raise PersonNotFound
    pathway_for_staff(actor, right.pathway_id, what=what, write=True)
    return right


def _expect(right: Right, status: RightStatus, message: str) -> None:
    if right_status(right) != status:
        now = right_status(right)
        raise RuleViolation(
            message,
            code="wrong_step",
            fields={"right": [_("This request is %(status)s.") % {"status": now}]},
        )


@transaction.atomic
def offer_care_elsewhere(
    actor: Actor, *, right_id, provider_id: int, appointment_on: date
) -> Right:
    right = _right_for_staff(actor, right_id, "offer of care elsewhere")
    _expect(right, RightStatus.REQUESTED, _("Only a request that is waiting can be offered."))
    today = timezone.localdate()
    problems: dict[str, list[str]] = {}
    provider = Organisation.objects.filter(pk=provider_id).first()
    if provider is None or provider.pk == right.pathway.provider_id:
        problems["provider"] = [_("Choose another provider than the one the person waits at.")]
    if not isinstance(appointment_on, date) or appointment_on < today:
        problems["appointment_on"] = [_("Enter the date of the appointment, today or later.")]
    if problems:
        raise invalid_fields(problems)
    right.offered_provider = provider
    right.offered_at = timezone.now()
    right.offered_appointment_on = appointment_on
    right.reply_by = min(today + timedelta(days=OFFER_REPLY_DAYS), appointment_on)
    right.save(
        update_fields=["offered_provider", "offered_at", "offered_appointment_on", "reply_by"]
    )
    stage = scheme_rules(right.pathway.scheme).stage(right.stage)
    if "declined_alternative" in stage.lapse_events:
        consequence = message_templates.IF_YOU_DECLINE_IT_LAPSES
    else:
        consequence = message_templates.IF_YOU_DECLINE_YOU_STAY
    send_templated_message(
        Actor.system(),
        person_id=right.pathway.person_id,
        key=f"guarantee-offer-{right.pk}",
        template=message_templates.OFFER,
        personalisation={
            "service": right.pathway.service,
            # Where, not only who: the name and the address ("Weir Vale Hospital, Mill Race
            # Road, Weirford, RV13 4WV"), as the offer on My waits says it.
            "provider": ", ".join([provider.name, *provider.address_lines]),
            "appointment_day": appointment_on,
            "reply_by": right.reply_by,
            "if_you_decline": consequence,
        },
        reason="The person asked for care elsewhere and an alternative was found.",
        category=RecordCategory.HEALTH,
    )
    events.publish("guarantee.alternative_offered", right_id=right.pk)
    return right


@transaction.atomic
def reply_to_offer(actor: Actor, *, right_id, accept: bool, on_behalf: str | None = None) -> Right:
    """Accept or decline the alternative: the person, someone managing for them, or staff on
    the person's behalf (who is then told). Declining lapses the stage, as the scheme says,
    recorded as an event in the name of whoever declined."""
    right = (
        Right.objects.select_for_update(of=("self",))
        .select_related(
            "pathway__scheme", "pathway__provider", "pathway__person", "offered_provider"
        )
        .filter(pk=right_id)
        .first()
    )
    if right is None:
        raise PersonNotFound
    pathway = right.pathway
    access = _choice_about_wait(
        actor,
        pathway,
        what="reply to an offer of care elsewhere",
        on_behalf=on_behalf,
    )
    _expect(right, RightStatus.OFFERED, _("There is no offer waiting for an answer."))
    provider = right.offered_provider.name
    label = acted_by_label(actor, access)
    right.answered_by_label = label
    if accept:
        right.accepted_at = timezone.now()
        right.save(update_fields=["answered_by_label", "accepted_at"])
        tell_person_of_action_on_behalf(
            actor,
            access,
            done=Phrase(
                message_templates.ACCEPTED_OFFER,
                provider=provider,
                day=right.offered_appointment_on,
            ),
            category=RecordCategory.HEALTH,
        )
        events.publish("guarantee.alternative_accepted", right_id=right.pk)
        return right
    right.declined_at = timezone.now()
    right.save(update_fields=["answered_by_label", "declined_at"])
    # The lapse the scheme attaches to declining: part of the reply, audited above as such,
    # and recorded in the name of whoever declined.
    source = actor.via if actor.via in PathwayEvent.Source.values else PathwayEvent.Source.WEB
    fact = NewEvent("declined_alternative", timezone.localdate(), f"Declined care at {provider}")
    _append(
        actor,
        pathway,
        [fact],
        source,
        number_fields=False,
        audited=False,
        recorded_by_label=label,
    )
    tell_person_of_action_on_behalf(
        actor,
        access,
        done=Phrase(message_templates.DECLINED_OFFER, provider=provider),
        category=RecordCategory.HEALTH,
    )
    events.publish("guarantee.alternative_declined", right_id=right.pk)
    return right


@transaction.atomic
def record_treated_elsewhere(actor: Actor, *, right_id, treated_on: date) -> Right:
    """The person was seen at the alternative provider: the stage's clock stops that day."""
    right = _right_for_staff(actor, right_id, "care elsewhere recorded")
    _expect(right, RightStatus.ACCEPTED, _("Only an accepted offer can be marked as treated."))
    if not isinstance(treated_on, date) or treated_on > timezone.localdate():
        raise invalid_fields({"treated_on": [_("Enter the date of treatment, not in the future.")]})
    right.treated_on = treated_on
    right.save(update_fields=["treated_on"])
    # The stage's first stop event is its ordinary end (treatment, not active monitoring).
    stage = SchemeStage.objects.get(scheme=right.pathway.scheme, code=right.stage)
    treated = NewEvent(stage.stop_events[0], treated_on, note=f"At {right.offered_provider.name}")
    _append(
        actor,
        right.pathway,
        [treated],
        PathwayEvent.Source.WEB,
        number_fields=False,
        audited=False,
    )
    events.publish("guarantee.alternative_treated", right_id=right.pk)
    return right
