"""Riverside's monitoring: people with a long-term condition checking in each day, and what
their care teams see.

About 5% of the people aged 60 or more are monitored, spread over the three programmes:
heart failure and COPD by their GP practice, vital signs (NEWS2) by the practice or by the
hospital's virtual ward. Millbrook Surgery, where the `clinician` sign-in Priya Shah works,
runs the region's pilot and monitors more of its patients, so her panel and queue are full.
Everyone has 90 days of history: most stable and green, some getting worse over the last
week (a heart-failure weight creeping up, a CAT score rising, NEWS2 worsening), some gone
quiet for the last 2 to 5 days (missed days, and a "not heard from" alert), a few who wrote
something for their care team (grey alerts). Alerts of today and yesterday are open (some in
hand, some passed on to the next person on the team, some overdue); older ones were handled
and closed with an outcome, some after a repeat measurement.

Here the people are drawn; demo_history.py writes each one's days, demo_readings.py draws
their readings and demo_alerts.py handles their alerts.

How it is written. As in people/demo.py and guarantees/demo.py, the made-up residents'
enrolments and history go in with bulk_create, outside actions.py: a check-in is only taken
live within the last 2 days, and one action per check-in would take minutes. Each check-in is
scored by the same pure function as a live one (rules.assess, with the person's thresholds
then in force and their earlier days), and each alert follows the live rules (one per amber or
red check-in and per remark, the due time from timing.due_at, passed along the care team when
overdue), so every page reads the history as if it had been recorded live. No domain events
are published for it: 90 days of check-ins and alerts would put thousands of events in the
outbox, and their subscribers would send people and clinicians messages about days long past
(reminders for missed days, alerts closed weeks ago). For the same reason the missed days are
recorded as reminded without sending the reminder.

Alex Morgan (`citizen`) and Margaret Morgan (whom `carer` cares for) are enrolled by Priya
Shah through actions.enrol, as in live use, and their history goes in like everyone's. Alex
is monitored for heart failure with a window open all day and has not checked in today: a
weight more than 2 kg over the last 3 days, or being breathless at rest, turns the next
check-in red, in Priya's queue.
"""

from datetime import date, time, timedelta
from random import Random

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
    User,
)

from . import actions, queries
from .demo_history import (
    BATCH_SIZE,
    HISTORY_DAYS,
    USUAL_WINDOW,
    Clock,
    Course,
    History,
    Plan,
    Staff,
    at_local,
)
from .models import CheckIn, Enrolment, Programme
from .programmes import Colour

MONITORED_FROM_AGE = 60
# Of the people aged 60 or more: about 1 in 20 is monitored, more at the pilot practice.
REGION_SHARE = 0.05
PILOT_PRACTICE = "Y90001"
PILOT_SHARE = 0.15
# Priya Shah's panel has at least this many people, in a small region too.
PANEL_AT_LEAST = 14
# A very large region is capped, so the demo stays quick (90 check-ins each).
MOST_ENROLMENTS = 1_000
PROGRAMME_SHARES = (("heart-failure", 40), ("copd-cat", 40), ("news2", 20))
# Outside the pilot, half the people checking their vital signs are on a hospital's virtual
# ward; the rest are watched by their practice.
VIRTUAL_WARD_SHARE = 0.5
LATER_WINDOW = (time(8, 0), time(14, 0))
ALL_DAY = (time(0, 0), time(23, 59, 59))
COURSES = ((Course.STABLE, 74), (Course.WORSENING, 12), (Course.QUIET, 8), (Course.WROTE, 6))
# Priya Shah's first patients in the pilot, so her queue holds every kind of alert whatever
# the seed: (course, programme, where a worsening ends).
PANEL_STORY = (
    (Course.WORSENING, "heart-failure", Colour.RED),
    (Course.WORSENING, "copd-cat", Colour.AMBER),
    (Course.WROTE, "copd-cat", None),
    (Course.QUIET, "heart-failure", None),
    (Course.WORSENING, "news2", Colour.RED),
    (Course.QUIET, "copd-cat", None),
    (Course.WORSENING, "news2", Colour.AMBER),
)
# The quiet one of the story whose care team is Priya alone: the alert cannot be passed on,
# so it is overdue in her queue.
PANEL_OVERDUE_SILENCE = 3
SOURCES = {
    "heart-failure": (
        (CheckIn.Source.WEB, 60),
        (CheckIn.Source.API, 25),
        (CheckIn.Source.DEVICE, 15),
    ),
    "copd-cat": ((CheckIn.Source.WEB, 75), (CheckIn.Source.API, 25)),
    "news2": ((CheckIn.Source.DEVICE, 60), (CheckIn.Source.WEB, 40)),
}


def generate(context: DemoContext) -> None:
    if Enrolment.objects.exists():
        context.stdout.write("Monitoring: the region already has enrolments; none added.\n")
        return
    programmes = {row.key: row for row in Programme.objects.filter(key__in=dict(PROGRAMME_SHARES))}
    staff = Staff.of(context, demo_clinician_at=PILOT_PRACTICE)
    fixed = fixed_plans(context, staff)
    residents = draw_plans(context, staff, exclude={plan.person_id for plan in fixed})
    enrol_residents(context, residents, programmes)
    clock = Clock(now=context.now, today=context.today, country=queries.working_days_country())
    rows = History(clock, staff, programmes)
    for plan in [*fixed, *residents]:
        rows.add(plan, context.random_for(f"monitoring:{plan.person_id}"))
    rows.write()
    context.stdout.write(rows.summary(fixed + residents, staff) + "\n")


def _pk(context: DemoContext, code: str):
    organisation = context.organisations.get(code)
    return organisation.pk if organisation else None


# --- the fixed sign-ins' people, through the action -----------------------------------------


def fixed_plans(context: DemoContext, staff: Staff) -> list[Plan]:
    """Alex Morgan, heart failure, any time of day, not yet today; Margaret Morgan, COPD,
    sometimes checked in for by Sam. Both with Priya Shah as their named clinician."""
    surgery = context.organisations.get(PILOT_PRACTICE)
    priya = staff.demo_clinician
    citizen = Person.objects.filter(user__username="citizen").first()
    if surgery is None or priya is None or citizen is None:
        return []
    nurse = next(iter(staff.titled(surgery, "Practice nurse")), None)
    team = [(priya.user_id, "GP")] + ([(nurse.user_id, "Practice nurse")] if nurse else [])
    plans = [
        Plan(
            citizen.pk,
            citizen.given_name,
            citizen.family_name,
            surgery,
            "heart-failure",
            team,
            Course.STABLE,
            window=ALL_DAY,
            habit=timedelta(hours=8, minutes=15),
            settings={"dry_weight_kg": 77.5},
            checks_in_today=False,
            calm_days=4,
        )
    ]
    carer = Person.objects.filter(user__username="carer").first()
    mother = (
        Person.objects.filter(proxies__proxy=carer, proxies__kind=Relationship.Kind.CARER).first()
        if carer
        else None
    )
    if mother is not None:
        plans.append(
            Plan(
                mother.pk,
                mother.given_name,
                mother.family_name,
                surgery,
                "copd-cat",
                team,
                Course.STABLE,
                habit=timedelta(hours=3, minutes=30),
                settings={"cat_baseline": 16},
                sometimes_by=carer.full_name,
            )
        )
    as_priya = Actor(user=User.objects.get(pk=priya.user_id), via=AuditEvent.Via.WEB)
    starts_on = context.today - timedelta(days=HISTORY_DAYS)
    for plan in plans:
        plan.enrolment = actions.enrol(
            as_priya,
            person_id=plan.person_id,
            programme_key=plan.programme_key,
            organisation_id=surgery.pk,
            team=[actions.TeamMember(user_id, title) for user_id, title in plan.team],
            settings=plan.settings,
            window_opens=plan.window[0],
            window_closes=plan.window[1],
            starts_on=starts_on,
        )
        # Enrolled 90 days ago, when the history starts.
        enrolled_at = at_local(starts_on, time(10, 0), plan.enrolment.time_zone)
        Enrolment.objects.filter(pk=plan.enrolment.pk).update(enrolled_at=enrolled_at)
        plan.enrolment.enrolled_at = enrolled_at
    return plans


# --- drawing the residents ------------------------------------------------------------------


def draw_plans(context: DemoContext, staff: Staff, exclude: set) -> list[Plan]:
    rng = context.random_for("monitoring")
    practices = {
        org.pk: org for org in context.organisations_of_kind(Organisation.Kind.GP_PRACTICE)
    }
    pilot_id = _pk(context, PILOT_PRACTICE)
    registered = (
        CareRelationship.objects.filter(
            organisation_id__in=list(practices),
            category=RecordCategory.HEALTH,
            ends_on__isnull=True,
        )
        .exclude(person_id__in=exclude)
        .order_by("pk")
    )
    older = registered.filter(
        person__date_of_birth__lte=_years_before(context.today, MONITORED_FROM_AGE)
    )
    fields = (
        "person_id",
        "organisation_id",
        "person__given_name",
        "person__family_name",
        "person__locality_id",
    )
    expected = older.count() * REGION_SHARE + older.filter(organisation_id=pilot_id).count() * (
        PILOT_SHARE - REGION_SHARE
    )
    scale = min(1.0, MOST_ENROLMENTS / max(1.0, expected))
    chosen = [
        row
        for row in older.values_list(*fields).iterator(chunk_size=BATCH_SIZE)
        if rng.random() < (PILOT_SHARE if row[1] == pilot_id else REGION_SHARE) * scale
    ]
    in_pilot = sum(1 for row in chosen if row[1] == pilot_id)
    if in_pilot < PANEL_AT_LEAST and pilot_id is not None:
        # A small region: Priya's panel takes the practice's oldest adults as well.
        taken = {row[0] for row in chosen}
        more = (
            registered.filter(
                organisation_id=pilot_id,
                person__date_of_birth__lte=_years_before(context.today, 18),
            )
            .exclude(person_id__in=taken)
            .order_by("person__date_of_birth", "pk")
            .values_list(*fields)[: PANEL_AT_LEAST - in_pilot]
        )
        chosen.extend(more)
    chosen.sort(key=lambda row: row[1] != pilot_id)  # the pilot's first, for the story
    hospital_for = _hospital_for_locality(context)
    plans = []
    story = iter(PANEL_STORY)
    for person_id, practice_id, given, family, locality_id in chosen:
        practice = practices[practice_id]
        told = next(story, None) if practice_id == pilot_id else None
        plan = _plan(rng, staff, practice, hospital_for.get(locality_id), told)
        if plan is not None:
            plan.person_id, plan.given_name, plan.family_name = person_id, given, family
            plans.append(plan)
    return plans


def _plan(rng: Random, staff: Staff, practice, hospital, told) -> Plan | None:
    courses, weights = zip(*COURSES, strict=True)
    keys, shares = zip(*PROGRAMME_SHARES, strict=True)
    if told is not None:
        course, key, target = told
    else:
        course = rng.choices(courses, weights)[0]
        key = rng.choices(keys, shares)[0]
        target = rng.choice((Colour.AMBER, Colour.RED)) if course == Course.WORSENING else None
    organisation = practice
    if key == "news2" and hospital is not None and told is None and practice.code != PILOT_PRACTICE:
        organisation = hospital if rng.random() < VIRTUAL_WARD_SHARE else practice
    team = _team(rng, staff, organisation, told, course)
    if not team:
        return None
    plan = Plan(
        person_id=None,
        given_name="",
        family_name="",
        organisation=organisation,
        programme_key=key,
        team=team,
        course=course,
        target=target,
        window=LATER_WINDOW if rng.random() < 0.15 else USUAL_WINDOW,
        habit=timedelta(minutes=rng.randint(15, 200)),
        source=rng.choices(*zip(*SOURCES[key], strict=True))[0],
    )
    if course == Course.QUIET:
        plan.silent_days = rng.randint(2, 5)
        plan.silent_until_overdue = told is not None and len(team) == 1
    return plan


def _team(rng: Random, staff: Staff, organisation, told, course) -> list[tuple[int, str]]:
    """The named clinician first, then who an overdue alert goes to. At the pilot practice
    Priya Shah is the named clinician for most; one of her story's quiet people has her
    alone, so the alert has nowhere to go and is overdue."""
    if organisation.kind == Organisation.Kind.HOSPITAL:
        nurses = staff.titled(organisation, "Staff nurse")
        consultants = staff.titled(organisation, "Consultant")
        if not nurses or not consultants:
            return []
        return [
            (rng.choice(nurses).user_id, "Virtual ward nurse"),
            (rng.choice(consultants).user_id, "Consultant"),
        ]
    nurses = staff.titled(organisation, "Practice nurse")
    nurse = (rng.choice(nurses).user_id, "Practice nurse") if nurses else None
    priya = staff.demo_clinician
    if organisation.code == PILOT_PRACTICE and priya is not None:
        gp = (priya.user_id, "GP")
        if told is not None:
            alone = course == Course.QUIET and told == PANEL_STORY[PANEL_OVERDUE_SILENCE]
            return [gp] if alone or nurse is None else [gp, nurse]
    else:
        gps = staff.titled(organisation, "GP")
        if not gps:
            return []
        gp = (rng.choice(gps).user_id, "GP")
    if nurse is None:
        return [gp]
    draw = rng.random()
    if draw < 0.6:
        return [gp, nurse]
    if draw < 0.85:
        return [nurse, gp]
    return [gp]


def _hospital_for_locality(context: DemoContext) -> dict[int, Organisation]:
    district_of = {place.code: place.parent_code for place in NEIGHBOURHOODS}
    by_district = {
        area: context.organisations[provider.code]
        for provider in ORGANISATIONS
        if provider.kind == Organisation.Kind.HOSPITAL and provider.code in context.organisations
        for area in provider.serves
    }
    return {
        context.localities[code].pk: by_district[district]
        for code, district in district_of.items()
        if code in context.localities and district in by_district
    }


def enrol_residents(context: DemoContext, plans: list[Plan], programmes: dict) -> None:
    """Each resident's enrolment, unsaved: their own thresholds are drawn with their history,
    and History.write saves it all."""
    starts_on = context.today - timedelta(days=HISTORY_DAYS)
    time_zone = timezone.get_default_timezone_name()
    for plan in plans:
        plan.enrolment = Enrolment(
            person_id=plan.person_id,
            programme=programmes[plan.programme_key],
            organisation=plan.organisation,
            settings=plan.settings,
            time_zone=time_zone,
            window_opens=plan.window[0],
            window_closes=plan.window[1],
            starts_on=starts_on,
            enrolled_at=at_local(starts_on, time(10, 0), time_zone),
            enrolled_by_label="",
        )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
