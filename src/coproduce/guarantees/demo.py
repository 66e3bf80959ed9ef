"""Riverside's waits: pathways at the hospitals (England's 18-week referral-to-treatment
guarantee) and at the GP practices (Sweden's 0-3-90-90 care guarantee, which Riverside's
practices run), with a realistic spread: most waits met, some at risk, some past their
deadline, some rights to care elsewhere asked for, one offered.

As in people/demo.py, the bulk rows for made-up residents (pathways, their events, the stored
clock and the rights it gives) go in with bulk_create, outside actions.py: one action per
event would take minutes. They are worked out by the same clock (clock.evaluate, and
actions' own stage-record builder), and the statistics are rebuilt from them at the end
(compliance.rebuild_statistics), so every page and figure reads them as if recorded live. The
residents get no breach notification (nobody reads made-up people's messages, and the demo
would print hundreds of them).

The fixed sign-ins' waits go through actions.py, exactly as in live use: Alex Morgan
(`citizen`) has a physiotherapy wait at Millbrook Surgery that has missed its deadline (with
a patient-chosen wait not counted), a right owed but not yet asked for, and a notification;
`clinician` (a GP at Millbrook Surgery) sees the request on the waiting list once Alex asks.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from coproduce.people.access import Actor
from coproduce.people.demo_context import DemoContext
from coproduce.people.demo_region import NEIGHBOURHOODS, ORGANISATIONS
from coproduce.people.models import (
    AuditEvent,
    CareRelationship,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
)

from . import actions, compliance
from .clock import evaluate
from .models import Pathway, PathwayEvent, Right, Scheme, StageRecord
from .queries import clock_events, scheme_rules
from .rules import Status

RTT = "uk-nhs-rtt"
CARE_GUARANTEE = "se-vardgaranti-2019"
# Waits per resident over the last year or so: a GP contact for some, a hospital referral
# for fewer. A very large region is capped, so the demo stays quick.
GP_PATHWAY_CHANCE = 0.35
HOSPITAL_PATHWAY_CHANCE = 0.25
MOST_PATHWAYS = 20_000
BATCH_SIZE = 2_000
HOSPITAL_SERVICES = (
    "Trauma and orthopaedics",
    "Ophthalmology",
    "Dermatology",
    "Cardiology",
    "Ear, nose and throat",
    "General surgery",
    "Gynaecology",
    "Urology",
)
# A GP contact is for the practice itself, or leads to a specialist in the practice's network.
GP_SERVICES = (("General practice", 55), ("Physiotherapy", 30), ("Talking therapies", 15))
REFERRED_ON = {"Physiotherapy": 0.7, "Talking therapies": 0.6}
# How quickly each provider works: waits are drawn around a median times this. Millbrook
# Surgery and Riverside General Hospital are the slow ones.
PACE = {"R9V01": 1.15, "R9V02": 0.8, "R9V03": 0.95, "Y90001": 1.45}
# Share of the open waits past their deadline whose person has asked for care elsewhere.
ASKED_SHARE = 0.4
DEMO_SOURCE = PathwayEvent.Source.IMPORT


@dataclass
class Drawn:
    """One made-up pathway before it is written: who, where, what, and its events."""

    person_id: object
    locality_id: int | None
    provider: Organisation
    scheme: Scheme
    service: str
    events: list[tuple[str, date]] = field(default_factory=list)


def generate(context: DemoContext) -> None:
    schemes = {
        scheme.code: scheme for scheme in Scheme.objects.filter(code__in=[RTT, CARE_GUARANTEE])
    }
    fixed = fixed_people()
    drawn = draw_pathways(context, schemes, exclude=set(fixed.values()))
    pathways = write_pathways(drawn)
    counts, open_rights = store_clocks(context, pathways, drawn)
    asked = ask_for_some(context, open_rights)
    offer_one(context, asked)
    create_fixed_waits(context, fixed)
    compliance.rebuild_statistics()
    context.stdout.write(
        f"Waits: {len(pathways):,} pathways at {len({d.provider.pk for d in drawn})} providers "
        f"({counts[Status.MET]:,} stages met, {counts['at_risk']:,} at risk, "
        f"{len(open_rights):,} past their deadline, {len(asked):,} asking for care "
        "elsewhere).\n"
    )


def fixed_people() -> dict[str, object]:
    """The fixed sign-ins' people, by role in the story (absent in a region without them)."""
    found: dict[str, object] = {}
    for key, username in (("citizen", "citizen"), ("carer", "carer")):
        person = Person.objects.filter(user__username=username).values_list("pk", flat=True)
        if person:
            found[key] = person[0]
    if "carer" in found:
        cared_for = Relationship.objects.filter(proxy_id=found["carer"]).values_list(
            "person_id", flat=True
        )
        if cared_for:
            found["mother"] = cared_for[0]
    return found


# --- drawing the residents' waits ----------------------------------------------------------


def _lognormal_days(rng, median: float, sigma: float = 0.6) -> int:
    return max(0, round(median * math.exp(rng.gauss(0, sigma))))


def _hospital_for_locality(context: DemoContext) -> dict[int, Organisation]:
    district_of = {place.code: place.parent_code for place in NEIGHBOURHOODS}
    by_district = {
        area: context.organisations[provider.code]
        for provider in ORGANISATIONS
        if provider.kind == Organisation.Kind.HOSPITAL
        for area in provider.serves
    }
    return {
        context.localities[code].pk: by_district[district]
        for code, district in district_of.items()
        if code in context.localities and district in by_district
    }


def draw_pathways(context: DemoContext, schemes: dict[str, Scheme], exclude: set) -> list[Drawn]:
    rng = context.random_for("guarantees")
    scale = min(
        1.0,
        MOST_PATHWAYS / max(1.0, context.people * (GP_PATHWAY_CHANCE + HOSPITAL_PATHWAY_CHANCE)),
    )
    hospitals = [org for org in context.organisations_of_kind(Organisation.Kind.HOSPITAL)]
    hospital_for = _hospital_for_locality(context)
    practices = {
        org.pk: org for org in context.organisations_of_kind(Organisation.Kind.GP_PRACTICE)
    }
    registrations = (
        CareRelationship.objects.filter(
            organisation_id__in=list(practices),
            category=RecordCategory.HEALTH,
            ends_on__isnull=True,
        )
        .exclude(person_id__in=exclude)
        .order_by("pk")
        .values_list("person_id", "organisation_id", "person__locality_id")
    )
    drawn: list[Drawn] = []
    gp_services, gp_weights = zip(*GP_SERVICES, strict=True)
    for person_id, practice_id, locality_id in registrations.iterator(chunk_size=BATCH_SIZE):
        if rng.random() < GP_PATHWAY_CHANCE * scale:
            practice = practices[practice_id]
            service = rng.choices(gp_services, gp_weights)[0]
            pathway = Drawn(person_id, locality_id, practice, schemes[CARE_GUARANTEE], service)
            pathway.events = care_guarantee_events(rng, context.today, service, practice.code)
            drawn.append(pathway)
        if rng.random() < HOSPITAL_PATHWAY_CHANCE * scale:
            hospital = hospital_for.get(locality_id)
            if hospital is None or rng.random() < 0.15:  # patient choice: another hospital
                hospital = rng.choice(hospitals)
            service = rng.choice(HOSPITAL_SERVICES)
            pathway = Drawn(person_id, locality_id, hospital, schemes[RTT], service)
            pathway.events = rtt_events(rng, context.today, hospital.code)
            drawn.append(pathway)
    return drawn


def rtt_events(rng, today: date, provider_code: str) -> list[tuple[str, date]]:
    """A referral in the last 14 months, a first visit, and treatment (or a decision not to
    treat, or active monitoring) after a wait drawn around 10 weeks; some miss a first
    appointment, which stops the clock until it is rebooked."""
    pace = PACE.get(provider_code, 1.0)
    referral = today - timedelta(days=rng.randrange(0, 420))
    events = [("referral", referral)]
    clock_from = referral
    if rng.random() < 0.06:
        missed = referral + timedelta(days=rng.randrange(14, 60))
        events.append(("dna", missed))
        clock_from = missed + timedelta(days=rng.randrange(3, 21))
        events.append(("rebooked", clock_from))
    # Long-tailed, like England's waiting lists: about one in eight waits past 18 weeks.
    wait = _lognormal_days(rng, 70 * pace, sigma=0.65)
    first_visit = clock_from + timedelta(days=max(1, round(wait * rng.uniform(0.2, 0.5))))
    events.append(("first_visit", first_visit))
    ending = rng.random()
    if ending < 0.07:
        events.append(("decision_not_to_treat", first_visit + timedelta(days=rng.randrange(0, 8))))
    elif ending < 0.12:
        events.append(("active_monitoring", first_visit + timedelta(days=rng.randrange(0, 8))))
    else:
        events.append(("treatment", clock_from + timedelta(days=max(wait, 1))))
    return [(kind, day) for kind, day in events if day <= today]


ASSESSMENT_DAYS = ((0, 38), (1, 25), (2, 15), (3, 12), (4, 5), (5, 3), (7, 2))
UNASSESSED_AT_MOST = timedelta(days=28)


def care_guarantee_events(
    rng, today: date, service: str, provider_code: str
) -> list[tuple[str, date]]:
    """A contact with the practice (answered the same day, mostly), an assessment within 3
    days (mostly); for physiotherapy and talking therapies, often a referral, a first visit
    within 90 days, sometimes with days not counted (a patient-chosen wait, a medical reason,
    examinations), and a treatment."""
    pace = PACE.get(provider_code, 1.0)
    contact = today - timedelta(days=rng.randrange(0, 380))
    events = [("contact", contact)]
    answered = contact if rng.random() < 0.86 else contact + timedelta(days=1)
    events.append(("contact_answered", answered))
    days, weights = zip(*ASSESSMENT_DAYS, strict=True)
    assessed = contact + timedelta(days=rng.choices(days, weights)[0])
    # Not assessed yet: a recent contact, some days or weeks past its 3-day deadline. A real
    # practice assesses or closes a contact within weeks; nobody waits a year for one.
    if today - contact <= UNASSESSED_AT_MOST and rng.random() < 0.1:
        return [(kind, day) for kind, day in events if day <= today]
    events.append(("assessment", assessed))
    if rng.random() >= REFERRED_ON.get(service, 0.0):
        return [(kind, day) for kind, day in events if day <= today]
    referral = assessed + timedelta(days=rng.randrange(0, 8))
    events.append(("referral", referral))
    wait = _lognormal_days(rng, 40 * pace)
    paused = 0
    pause = rng.random()
    if pause < 0.18:
        kind = "patient_wait" if pause < 0.1 else "medical_wait" if pause < 0.14 else "examination"
        starts = referral + timedelta(days=rng.randrange(1, max(2, wait)))
        paused = rng.randrange(7, 43)
        events.append((f"{kind}_start", starts))
        events.append((f"{kind}_end", starts + timedelta(days=paused)))
    first_visit = referral + timedelta(days=max(1, wait + paused))
    events.append(("first_visit", first_visit))
    if rng.random() < 0.5:
        decided = first_visit + timedelta(days=rng.randrange(0, 11))
        events.append(("decision_to_treat", decided))
        events.append(
            ("treatment", decided + timedelta(days=max(1, _lognormal_days(rng, 35 * pace))))
        )
    return [(kind, day) for kind, day in events if day <= today]


# --- writing them --------------------------------------------------------------------------


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def write_pathways(drawn: list[Drawn]) -> list[Pathway]:
    """Pathways, their events, and the hospital's care relationship while the person waits."""
    pathways = []
    numbers: Counter = Counter()
    for plan in drawn:
        numbers[plan.provider.code] += 1
        opened_on = plan.events[0][1]
        pathways.append(
            Pathway(
                person=Person(pk=plan.person_id, locality_id=plan.locality_id),
                scheme=plan.scheme,
                provider=plan.provider,
                service=plan.service,
                external_id=f"{plan.provider.code}-{numbers[plan.provider.code]:06d}",
                created_at=_at(opened_on, 9),
                created_by_label=f"{plan.provider.name} patient administration system",
            )
        )
    Pathway.objects.bulk_create(pathways, batch_size=BATCH_SIZE)
    PathwayEvent.objects.bulk_create(
        (
            PathwayEvent(
                pathway=pathway,
                sequence=sequence,
                type=kind,
                occurred_on=day,
                recorded_at=_at(day, 17),
                recorded_by_label=f"{pathway.provider.name} patient administration system",
                source=DEMO_SOURCE,
            )
            for pathway, plan in zip(pathways, drawn, strict=True)
            for sequence, (kind, day) in enumerate(plan.events, start=1)
        ),
        batch_size=BATCH_SIZE,
    )
    CareRelationship.objects.bulk_create(
        (
            CareRelationship(
                person_id=plan.person_id,
                organisation=plan.provider,
                category=RecordCategory.HEALTH,
                reason=f"On the waiting list for {plan.service}"[:200],
                starts_on=plan.events[0][1],
                ends_on=None if _still_waiting(plan) else max(day for _, day in plan.events),
            )
            for plan in drawn
            if plan.provider.kind == Organisation.Kind.HOSPITAL
        ),
        batch_size=BATCH_SIZE,
        # A person already seen at the hospital's outpatients keeps that relationship.
        ignore_conflicts=True,
    )
    return pathways


def _still_waiting(plan: Drawn) -> bool:
    return plan.events[-1][0] in {"referral", "first_visit", "rebooked", "dna"}


def store_clocks(
    context: DemoContext, pathways: list[Pathway], drawn: list[Drawn]
) -> tuple[Counter, list[Right]]:
    """The stored clock of every stage, and a right for every stage still open past its
    deadline, as actions._refresh would have left them (without the notifications). Returns
    counts by status and the rights."""
    today = context.today
    records: list[StageRecord] = []
    rights: list[Right] = []
    counts: Counter = Counter()
    for pathway, plan in zip(pathways, drawn, strict=True):
        rules = scheme_rules(plan.scheme)
        events = [
            PathwayEvent(type=kind, occurred_on=day, sequence=sequence)
            for sequence, (kind, day) in enumerate(plan.events, start=1)
        ]
        clocks = evaluate(rules, clock_events(events), today)
        for position, clock in enumerate(clocks, start=1):
            records.append(actions.stage_record(pathway, clock, position, today))
            counts[clock.status] += 1
            if clock.at_risk:
                counts["at_risk"] += 1
            if clock.status == Status.BREACHED and clock.end is None:
                breached_on = clock.deadline + timedelta(days=1)
                rights.append(
                    Right(
                        pathway=pathway,
                        stage=clock.stage,
                        stage_started_on=clock.start,
                        breached_on=breached_on,
                        created_at=_at(min(breached_on, today), 6),
                    )
                )
    StageRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)
    Right.objects.bulk_create(rights, batch_size=BATCH_SIZE)
    return counts, rights


def ask_for_some(context: DemoContext, open_rights: list[Right]) -> list[Right]:
    """Some people whose wait is past its deadline have asked for care elsewhere: a few of
    those requests are past the region's own deadline to reply."""
    rng = context.random_for("guarantees-rights")
    today = context.today
    asked = [right for right in open_rights if rng.random() < ASKED_SHARE]
    names = dict(
        Person.objects.filter(pk__in=[right.pathway.person_id for right in asked]).values_list(
            "pk", "given_name"
        )
    )
    family = dict(Person.objects.filter(pk__in=list(names)).values_list("pk", "family_name"))
    for right in asked:
        person_id = right.pathway.person_id
        waited_since = (today - right.breached_on).days
        asked_on = today - timedelta(days=rng.randrange(0, min(waited_since, 25) + 1))
        right.requested_at = _at(asked_on, 10)
        right.requested_by_label = f"{names[person_id]} {family[person_id]}"[:300]
        right.respond_by = asked_on + timedelta(days=right.pathway.scheme.response_days)
    Right.objects.bulk_update(
        asked, ["requested_at", "requested_by_label", "respond_by"], batch_size=BATCH_SIZE
    )
    return asked


def offer_one(context: DemoContext, asked: list[Right]) -> Right | None:
    """One request (at Riverside General Hospital, if it has one) has an offer at another
    provider of the same kind, made by one of the provider's clinicians through the action
    (so the person is told)."""
    waiting = [right for right in asked if right.respond_by >= context.today]
    waiting.sort(key=lambda right: right.pathway.provider.code != "R9V01")
    for right in waiting:
        provider = right.pathway.provider
        role = (
            Role.objects.filter(organisation=provider, kind=Role.Kind.CLINICIAN)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        elsewhere = next(
            (org for org in context.organisations_of_kind(provider.kind) if org.pk != provider.pk),
            None,
        )
        if role is None or elsewhere is None:
            continue
        return actions.offer_care_elsewhere(
            Actor(user=role.user, via=AuditEvent.Via.WEB),
            right_id=right.pk,
            provider_id=elsewhere.pk,
            appointment_on=context.today + timedelta(days=12),
        )
    return None


# --- the fixed sign-ins' waits, through the actions ----------------------------------------


def create_fixed_waits(context: DemoContext, fixed: dict) -> None:
    """Alex Morgan: physiotherapy at Millbrook Surgery, past its deadline (right owed), an
    orthopaedic wait at Riverside General Hospital at risk, and an eye operation last year
    done in time. Margaret Morgan (whom Sam cares for): a cardiology wait, running."""
    surgery = context.organisations.get("Y90001")
    if "citizen" not in fixed or surgery is None:
        return
    today = context.today
    clinician = Role.objects.filter(user__username="clinician", organisation=surgery).first()
    at_surgery = Actor(user=clinician.user, via=AuditEvent.Via.WEB) if clinician else Actor.system()
    hospital_feed = Actor.system()

    def wait(actor, person_id, scheme, provider_code, service, reference, events, source):
        pathway = actions.open_pathway(
            actor,
            person_id=person_id,
            scheme_code=scheme,
            provider_id=context.organisations[provider_code].pk,
            service=service,
            external_id=reference,
        )
        # The history in one go: the clock is evaluated once, after the last event, so a
        # stage that was met is never past its deadline on the way (no false notification).
        actions.record_events(
            actor,
            pathway_id=pathway.pk,
            facts=[
                actions.NewEvent(kind, today - timedelta(days=days_ago), note)
                for kind, days_ago, note in events
            ],
            source=source,
        )
        return pathway

    wait(
        at_surgery,
        fixed["citizen"],
        CARE_GUARANTEE,
        "Y90001",
        "Physiotherapy",
        "Y90001-DEMO-01",
        [
            ("contact", 140, "Knee pain after the operation"),
            ("contact_answered", 140, ""),
            ("assessment", 138, "Assessed by the practice physiotherapist"),
            ("referral", 130, "Referred for a course of specialist physiotherapy"),
            ("patient_wait_start", 100, "Away for two weeks, agreed with the physiotherapist"),
            ("patient_wait_end", 86, ""),
        ],
        PathwayEvent.Source.WEB,
    )
    wait(
        hospital_feed,
        fixed["citizen"],
        RTT,
        "R9V01",
        "Trauma and orthopaedics",
        "R9V01-DEMO-01",
        [("referral", 108, "Referred by Millbrook Surgery"), ("first_visit", 60, "")],
        PathwayEvent.Source.IMPORT,
    )
    wait(
        hospital_feed,
        fixed["citizen"],
        RTT,
        "R9V02",
        "Ophthalmology",
        "R9V02-DEMO-01",
        [("referral", 320, ""), ("first_visit", 280, ""), ("treatment", 235, "Cataract removed")],
        PathwayEvent.Source.IMPORT,
    )
    if "mother" in fixed:
        wait(
            hospital_feed,
            fixed["mother"],
            RTT,
            "R9V01",
            "Cardiology",
            "R9V01-DEMO-02",
            [("referral", 41, "Referred by Millbrook Surgery")],
            PathwayEvent.Source.IMPORT,
        )
