"""Riverside's monitoring history for the demo (monitoring/demo.py): each monitored person's 90
days of check-ins, missed days and alerts, scored and handled as the live platform would have,
kept in memory and written in bulk at the end (History.write)."""

import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from random import Random

from django.utils.translation import gettext as _

from coproduce.people.demo_context import DemoContext
from coproduce.people.models import CareRelationship, Organisation, RecordCategory, Role

from . import queries, reasons, rules, timing
from .demo_alerts import HandledAlerts, Kind, Raised
from .demo_readings import BODIES, EVERYDAY_REMARKS, WORSENING_REMARKS
from .models import (
    Alert,
    AlertStep,
    CareTeamMember,
    CheckIn,
    Enrolment,
    MissedDay,
    SettingChange,
)
from .programmes import Colour

HISTORY_DAYS = 90
WORSENING_DAYS = 7
BATCH_SIZE = 2_000
USUAL_WINDOW = (time(6, 0), time(12, 0))


class Course(StrEnum):
    """How a person's last weeks went."""

    STABLE = "stable"
    WORSENING = "worsening"  # over the last week, ending amber or red
    QUIET = "quiet"  # no check-in for the last 2 to 5 windows
    WROTE = "wrote"  # stable, with words for the care team in the latest check-in


@dataclass
class Plan:
    """One person to monitor, before anything is written."""

    person_id: object
    given_name: str
    family_name: str
    organisation: Organisation
    programme_key: str
    # (user id, job title the person reads), the named clinician first.
    team: list[tuple[int, str]]
    course: Course
    target: Colour | None = None
    silent_days: int = 0
    window: tuple[time, time] = USUAL_WINDOW
    # How long after the window opens the person usually checks in.
    habit: timedelta = timedelta(minutes=60)
    source: str = CheckIn.Source.WEB
    # Someone who sometimes checks in for them (a carer).
    sometimes_by: str = ""
    settings: dict = field(default_factory=dict)
    # The day a threshold was changed at a review: the days before were scored by the old one.
    reviewed_on: date | None = None
    checks_in_today: bool = True
    # No warning signs in the last days (the demo citizen, whose next check-in tells).
    calm_days: int = 0
    # The silence lasts until its alert is overdue.
    silent_until_overdue: bool = False
    enrolment: Enrolment | None = None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class Clinician:
    user_id: int
    name: str
    job_title: str


class Staff:
    """The clinicians of each practice and hospital, and the demo clinician."""

    def __init__(self, by_organisation: dict[int, list[Clinician]], demo_clinician) -> None:
        self.by_organisation = by_organisation
        self.demo_clinician: Clinician | None = demo_clinician
        self.names = {
            clinician.user_id: clinician.name
            for clinicians in by_organisation.values()
            for clinician in clinicians
        }

    @classmethod
    def of(cls, context: DemoContext, *, demo_clinician_at: str) -> "Staff":
        kinds = (Organisation.Kind.GP_PRACTICE, Organisation.Kind.HOSPITAL)
        organisation_ids = [org.pk for kind in kinds for org in context.organisations_of_kind(kind)]
        roles = (
            Role.objects.filter(
                organisation_id__in=organisation_ids,
                kind=Role.Kind.CLINICIAN,
                ends_on__isnull=True,
                starts_on__lte=context.today,
            )
            .order_by("pk")
            .values_list(
                "organisation_id",
                "user_id",
                "user__first_name",
                "user__last_name",
                "job_title",
                "user__username",
            )
        )
        by_organisation: dict[int, list[Clinician]] = {}
        demo_clinician = None
        demo_organisation = context.organisations.get(demo_clinician_at)
        demo_organisation_id = demo_organisation.pk if demo_organisation else None
        for organisation_id, user_id, first, last, job_title, username in roles:
            clinician = Clinician(user_id, f"{first} {last}".strip() or username, job_title)
            by_organisation.setdefault(organisation_id, []).append(clinician)
            if username == "clinician" and organisation_id == demo_organisation_id:
                demo_clinician = clinician
        return cls(by_organisation, demo_clinician)

    def titled(self, organisation: Organisation, job_title: str) -> list[Clinician]:
        return [
            c for c in self.by_organisation.get(organisation.pk, ()) if c.job_title == job_title
        ]

    def label(self, user_id: int, organisation: Organisation) -> str:
        """As Actor.label_at writes a clinician on the audit trail and an alert's history."""
        return f"{self.names[user_id]}, {Role.Kind.CLINICIAN.label}, {organisation.name}"[:300]


def at_local(day: date, clock: time, time_zone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=timing.zone(time_zone))


THRESHOLD_REVIEW = (
    "Usual score reviewed at the annual COPD review: this is their score on a good day."
)


@dataclass(frozen=True)
class Clock:
    now: datetime
    today: date
    country: str

    def due(self, colour: Colour, raised_at: datetime, definition, time_zone: str) -> datetime:
        response_time = timing.response_time_for(colour, definition.response_times)
        return timing.due_at(raised_at, response_time, time_zone=time_zone, country=self.country)


def _json(settings: dict) -> dict:
    return {
        key: float(value) if isinstance(value, Decimal) else value
        for key, value in settings.items()
    }


class History:
    """Everyone's 90 days, scored as they would have been live, written in bulk at the end."""

    def __init__(self, clock: Clock, staff: Staff, programmes: dict) -> None:
        self.clock = clock
        self.staff = staff
        self.programmes = programmes
        self.enrolments: list[Enrolment] = []
        self.team: list[CareTeamMember] = []
        self.care_relationships: list[CareRelationship] = []
        self.setting_changes: list[SettingChange] = []
        self.check_ins: list[CheckIn] = []
        self.repeats: list[CheckIn] = []
        self.missed: list[MissedDay] = []
        self.alerts: list[Alert] = []
        self.steps: list[AlertStep] = []

    def add(self, plan: Plan, rng: Random) -> None:
        enrolment = plan.enrolment
        programme = self.programmes[plan.programme_key]
        definition = queries.programme_definition(programme)
        body = BODIES[plan.programme_key](rng, plan.settings)
        current = dict(plan.settings)
        before = self._threshold_review(plan, rng, programme, current)
        if enrolment._state.adding:
            enrolment.settings = current
            enrolment.enrolled_by_label = self.staff.label(plan.team[0][0], plan.organisation)
            self.enrolments.append(enrolment)
            self.team.extend(
                CareTeamMember(
                    enrolment=enrolment,
                    user_id=user_id,
                    position=position,
                    job_title=job_title,
                    added_at=enrolment.enrolled_at,
                )
                for position, (user_id, job_title) in enumerate(plan.team, start=1)
            )
            if plan.organisation.kind == Organisation.Kind.HOSPITAL:
                self.care_relationships.append(
                    CareRelationship(
                        person_id=plan.person_id,
                        organisation=plan.organisation,
                        category=RecordCategory.HEALTH,
                        reason=f"Monitored: {programme.title}"[:200],
                        starts_on=enrolment.starts_on,
                    )
                )
        elif enrolment.settings != current:
            Enrolment.objects.filter(pk=enrolment.pk).update(settings=current)
        settings_now = rules.clean_settings(definition, {**programme.settings, **current})
        settings_before = (
            rules.clean_settings(definition, {**programme.settings, **before}) if before else None
        )
        person = PersonHistory(self, plan, rng, body, definition)
        raised = person.days(settings_now, settings_before)
        for alert in raised:
            person.handle(alert, open_=self._stays_open(alert, raised))

    def _threshold_review(self, plan: Plan, rng: Random, programme, current: dict) -> dict | None:
        """Some people with COPD had their usual score raised by a point at a review, so the
        days before it were scored against the old one. Returns the settings before."""
        if plan.programme_key != "copd-cat" or not plan.enrolment._state.adding:
            return None
        if rng.random() >= 0.08:
            return None
        new = current.get("cat_baseline", 10)
        on = plan.enrolment.starts_on + timedelta(days=rng.randint(25, 65))
        plan.reviewed_on = on
        user_id = plan.team[0][0]
        self.setting_changes.append(
            SettingChange(
                programme=programme,
                enrolment=plan.enrolment,
                key="cat_baseline",
                old_value=new - 1,
                new_value=new,
                why=THRESHOLD_REVIEW,
                changed_at=at_local(on, time(14, 30), plan.enrolment.time_zone),
                changed_by_id=user_id,
                changed_by_label=self.staff.label(user_id, plan.organisation),
            )
        )
        return {**current, "cat_baseline": new - 1}

    def _stays_open(self, alert: Raised, raised: list[Raised]) -> bool:
        """An ongoing silence, and the latest alert of each kind of today or yesterday; the
        rest were handled and closed."""
        if alert.kind == Kind.NOT_HEARD_FROM:
            return alert.ongoing
        latest = max((a for a in raised if a.kind == alert.kind), key=lambda a: a.raised_at)
        return latest is alert and alert.day >= self.clock.today - timedelta(days=1)

    def write(self) -> None:
        Enrolment.objects.bulk_create(self.enrolments, batch_size=BATCH_SIZE)
        CareTeamMember.objects.bulk_create(self.team, batch_size=BATCH_SIZE)
        # A person already seen at the hospital's outpatients keeps that relationship.
        CareRelationship.objects.bulk_create(
            self.care_relationships, batch_size=BATCH_SIZE, ignore_conflicts=True
        )
        SettingChange.objects.bulk_create(self.setting_changes, batch_size=BATCH_SIZE)
        CheckIn.objects.bulk_create(self.check_ins, batch_size=BATCH_SIZE)
        MissedDay.objects.bulk_create(self.missed, batch_size=BATCH_SIZE)
        Alert.objects.bulk_create(self.alerts, batch_size=BATCH_SIZE)
        CheckIn.objects.bulk_create(self.repeats, batch_size=BATCH_SIZE)
        AlertStep.objects.bulk_create(self.steps, batch_size=BATCH_SIZE)

    def summary(self, plans: list[Plan], staff: Staff) -> str:
        programmes = Counter(plan.programme_key for plan in plans)
        open_alerts = [alert for alert in self.alerts if alert.closed_at is None]
        kinds = Counter(
            "not heard from" if alert.kind == Kind.NOT_HEARD_FROM else alert.colour
            for alert in open_alerts
        )
        overdue = sum(
            1
            for alert in open_alerts
            if timing.alert_status(
                closed_at=None,
                due_at=alert.due_at,
                handled=alert.handled_at is not None,
                now=self.clock.now,
            )
            == timing.AlertStatus.OVERDUE
        )
        organisations = len({plan.organisation.pk for plan in plans})
        priya = staff.demo_clinician
        panel = sum(
            1 for plan in plans if priya and priya.user_id in {user for user, _ in plan.team}
        )
        return (
            f"Monitoring: {len(plans):,} people checking in at {organisations} "
            f"organisation{'' if organisations == 1 else 's'} "
            f"({programmes['heart-failure']:,} heart failure, {programmes['copd-cat']:,} COPD, "
            f"{programmes['news2']:,} vital signs), {len(self.check_ins) + len(self.repeats):,} "
            f"check-ins over {HISTORY_DAYS} days; open alerts: {kinds['red']} red, "
            f"{kinds['amber']} amber, {kinds['grey']} grey, {kinds['not heard from']} not heard "
            f"from ({overdue} overdue); {len(self.alerts) - len(open_alerts):,} closed. "
            f"{priya.name if priya else 'The demo clinician'} has {panel} people on her panel."
        )


class PersonHistory(HandledAlerts):
    """One person's days: check-ins, missed days and the alerts they raised."""

    def __init__(self, history: History, plan: Plan, rng: Random, body, definition) -> None:
        self.history = history
        self.clock = history.clock
        self.plan = plan
        self.enrolment = plan.enrolment
        self.rng = rng
        self.body = body
        self.definition = definition
        self.time_zone = plan.enrolment.time_zone
        self.start = plan.enrolment.starts_on
        self.jitter = [rng.randint(-20, 20) for _day in range(HISTORY_DAYS + 1)]

    # -- days --

    def window(self, day: date) -> timing.Window:
        opens, closes = self.plan.window
        return timing.window_on(day, opens, closes, self.time_zone)

    def taken_at(self, day: date) -> datetime:
        window = self.window(day)
        at = (
            window.opens_at
            + self.plan.habit
            + timedelta(minutes=self.jitter[(day - self.start).days])
        )
        return min(
            max(at, window.opens_at + timedelta(minutes=1)), window.closes_at - timedelta(minutes=1)
        )

    def days(self, settings_now: dict, settings_before: dict | None) -> list[Raised]:
        plan, clock, today = self.plan, self.clock, self.clock.today
        last_closed = (
            today if clock.now >= self.window(today).closes_at else today - timedelta(days=1)
        )
        silence: list[date] = []
        if plan.course == Course.QUIET:
            silent_days = self._silent_days(last_closed)
            final = last_closed - timedelta(days=silent_days)
            silence = [final + timedelta(days=n) for n in range(1, silent_days + 1)]
        elif plan.checks_in_today and self.taken_at(today) <= clock.now:
            final = today
        else:
            final = today - timedelta(days=1)
        missed = self._gaps(final)
        raised: list[Raised] = []
        recent: deque[rules.Reading] = deque(maxlen=3)
        day = self.start
        while day <= final:
            if day not in missed:
                settings = (
                    settings_before if plan.reviewed_on and day < plan.reviewed_on else settings_now
                )
                answers, alerts = self._check_in(day, final, settings, tuple(recent))
                raised.extend(alerts)
                recent.append(rules.Reading(day, answers))
            day += timedelta(days=1)
        raised.extend(self._missed_days(sorted(missed), ongoing=False))
        raised.extend(self._missed_days(silence, ongoing=True))
        return raised

    def _silent_days(self, last_closed: date) -> int:
        """2 to 5 missed windows; for the story's overdue silence, as many as it takes (at most
        8) for its alert to be past its due time now."""
        silent_days = self.plan.silent_days
        while self.plan.silent_until_overdue and silent_days < 8:
            raised_at = self.window(last_closed - timedelta(days=silent_days - 2)).closes_at
            if (
                self.clock.due(Colour.GREY, raised_at, self.definition, self.time_zone)
                < self.clock.now
            ):
                break
            silent_days += 1
        return silent_days

    def _gaps(self, final: date) -> set[date]:
        """A day missed here and there, and for a few a holiday of 2 or 3 days (a silence,
        followed up), all before the last week."""
        rng, missed = self.rng, set()
        if self.plan.calm_days == 0 and rng.random() < 0.08:
            begins = self.start + timedelta(days=rng.randint(10, 60))
            missed.update(begins + timedelta(days=n) for n in range(rng.randint(2, 3)))
        day, last = self.start + timedelta(days=1), final - timedelta(days=WORSENING_DAYS + 1)
        while day <= last:
            neighbours = {day - timedelta(days=1), day + timedelta(days=1)}
            if rng.random() < 0.015 and not (neighbours & missed):
                missed.add(day)
            day += timedelta(days=1)
        return missed

    def _check_in(
        self, day: date, final: date, settings: dict, earlier
    ) -> tuple[dict, list[Raised]]:
        """The day's check-in, scored, and the alerts it raised."""
        plan, rng = self.plan, self.rng
        days_left = (final - day).days
        worse = (
            (WORSENING_DAYS - days_left) / WORSENING_DAYS
            if plan.course == Course.WORSENING and days_left < WORSENING_DAYS
            else 0.0
        )
        calm = days_left < plan.calm_days
        raw = self.body.answers(rng, worse, plan.target, calm)
        remark = self._remark(days_left, calm)
        if remark:
            raw["remark"] = remark
        answers = rules.clean_answers(self.definition, raw)
        assessment = rules.assess(self.definition, answers, settings, day, earlier)
        if days_left == 0 and plan.target and assessment.colour != plan.target:
            raw = self.body.worsened(rng, raw, plan.target)
            answers = rules.clean_answers(self.definition, raw)
            assessment = rules.assess(self.definition, answers, settings, day, earlier)
        check_in = self._stored(day, self.taken_at(day), answers, assessment, settings)
        self.history.check_ins.append(check_in)
        raised = []
        if assessment.colour in (Colour.AMBER, Colour.RED):
            raised.append(
                Raised(
                    Kind.READING,
                    assessment.colour,
                    check_in.submitted_at,
                    list(assessment.reasons),
                    day,
                    check_in=check_in,
                    settings=settings,
                    earlier=earlier,
                )
            )
        if answers.get("remark"):
            raised.append(
                Raised(
                    Kind.REMARK,
                    Colour.GREY,
                    check_in.submitted_at,
                    [_("The person wrote: %(words)s") % {"words": answers["remark"]}],
                    day,
                    check_in=check_in,
                )
            )
        return answers, raised

    def _remark(self, days_left: int, calm: bool) -> str:
        plan, rng = self.plan, self.rng
        if calm:
            return ""
        if plan.course == Course.WROTE and days_left == 0:
            return rng.choice(EVERYDAY_REMARKS)
        if plan.course == Course.WORSENING and days_left < 3 and rng.random() < 0.3:
            return rng.choice(WORSENING_REMARKS)
        return rng.choice(EVERYDAY_REMARKS) if rng.random() < 0.004 else ""

    def _stored(self, day, taken_at, answers, assessment, settings, remeasure_for=None) -> CheckIn:
        plan, rng = self.plan, self.rng
        source = plan.source
        label = plan.name
        if plan.sometimes_by and rng.random() < 0.3:
            label = plan.sometimes_by
        elif source == CheckIn.Source.DEVICE:
            label = f"{plan.organisation.name} system (Home monitoring hub)"[:300]
        key = ""
        if source != CheckIn.Source.WEB:
            key = f"{day:%Y%m%d}-{rng.getrandbits(48):012x}"
        return CheckIn(
            id=uuid.uuid4(),
            enrolment=self.enrolment,
            person_id=plan.person_id,
            day=day,
            submitted_at=taken_at,
            answers=answers,
            colour=assessment.colour.value,
            score=assessment.score,
            parts=assessment.parts,
            response=assessment.response or "",
            reasons=list(assessment.reasons),
            settings_used=_json(settings),
            remeasure_for=remeasure_for,
            source=source,
            submitted_by_label=label,
            idempotency_key=key,
        )

    def _missed_days(self, days: list[date], *, ongoing: bool) -> list[Raised]:
        """Each missed window recorded (the person reminded) when it closed; the second in a
        row raises "not heard from"."""
        raised = []
        run: list[date] = []
        for day in days:
            self.history.missed.append(
                MissedDay(
                    enrolment=self.enrolment,
                    day=day,
                    recorded_at=self.window(day).closes_at
                    + timedelta(minutes=self.rng.randint(1, 9)),
                    reminded=True,
                )
            )
            run = run + [day] if run and run[-1] == day - timedelta(days=1) else [day]
            if len(run) == 2:
                silent_since = run[0]
                raised.append(
                    Raised(
                        Kind.NOT_HEARD_FROM,
                        Colour.GREY,
                        self.history.missed[-1].recorded_at,
                        [reasons.not_heard_from(silent_since)],
                        day,
                        silent_since=silent_since,
                        ongoing=ongoing,
                    )
                )
        return raised
