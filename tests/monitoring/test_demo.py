"""`coproduce demo` adds Riverside's monitoring: people checking in each day with 90 days of
history scored by the live rules, open alerts of every kind in the demo clinician's queue,
and Alex Morgan (`citizen`) ready to check in at any time of day, a check-in that can turn
red in Priya Shah's queue.

The demo runs once for the module (it takes seconds) and is rolled back after it; each test's
own changes (a check-in) are rolled back after the test, as usual."""

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from coproduce import registry
from coproduce.monitoring import actions, demo, queries, rules, timing
from coproduce.monitoring.models import (
    Alert,
    AlertStep,
    CareTeamMember,
    CheckIn,
    Enrolment,
    MissedDay,
    Programme,
)
from coproduce.people.access import Actor
from coproduce.people.demo_context import DemoContext
from coproduce.people.models import Locality, Organisation, Person, User

pytestmark = pytest.mark.django_db

PEOPLE = 300
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def region(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHING),
        transaction.atomic(),
    ):
        yield run_demo()
        transaction.set_rollback(True)


def run_demo(people: int = PEOPLE, seed: int = 1, **options) -> str:
    out = StringIO()
    call_command("demo", people=people, seed=seed, stdout=out, **options)
    return out.getvalue()


def daily_check_ins(enrolment) -> list[CheckIn]:
    return list(enrolment.check_ins.filter(remeasure_for__isnull=True).order_by("day"))


def test_the_step_runs_after_the_people_and_their_waits():
    names = [generator.name for generator in registry.demo_generators()]
    assert names.index("people") < names.index("guarantees") < names.index("monitoring")


def test_the_demo_clinicians_queue_holds_every_kind_of_alert(region):
    assert "Monitoring: " in region
    clinician = Actor(user=User.objects.get(username="clinician"))
    queue = list(queries.open_alerts_for(clinician))
    kinds = {(alert.kind, alert.colour) for alert in queue}
    assert {
        (Alert.Kind.READING, "red"),
        (Alert.Kind.READING, "amber"),
        (Alert.Kind.REMARK, "grey"),
        (Alert.Kind.NOT_HEARD_FROM, "grey"),
    } <= kinds
    now = timezone.now()
    statuses = Counter(
        timing.alert_status(
            closed_at=None, due_at=alert.due_at, handled=alert.handled_at is not None, now=now
        )
        for alert in queue
    )
    assert statuses[timing.AlertStatus.OVERDUE] >= 1
    # Priya Shah is the named clinician of most of her panel.
    her_teams = CareTeamMember.objects.filter(user=clinician.user)
    assert her_teams.filter(position=1).count() > her_teams.count() / 2
    for alert in queue:
        # Due as the response times say: a red within the hour of being raised or passed on.
        if alert.colour == "red" and alert.escalation_level == 0:
            assert alert.due_at - alert.raised_at == timedelta(hours=1)
        assert list(alert.steps.values_list("kind", flat=True)[:1]) == [AlertStep.Kind.RAISED]

    closed = Alert.objects.filter(closed_at__isnull=False).prefetch_related("steps")
    assert closed.count() > 10
    for alert in closed:
        steps = [step.kind for step in alert.steps.all()]
        assert steps[0] == AlertStep.Kind.RAISED and steps[-1] == AlertStep.Kind.CLOSED
        assert alert.outcome and alert.closed_at <= now
    outcomes = set(closed.values_list("outcome", flat=True))
    assert Alert.Outcome.REPEAT_GREEN in outcomes and len(outcomes) >= 4


@pytest.mark.usefixtures("region")
def test_people_who_went_quiet_have_their_missed_days_and_a_not_heard_from_alert():
    silences = Alert.objects.filter(kind=Alert.Kind.NOT_HEARD_FROM, closed_at__isnull=True)
    assert silences.count() >= 2
    today = timezone.localdate()
    for alert in silences.select_related("enrolment"):
        last = daily_check_ins(alert.enrolment)[-1].day
        assert last == alert.silent_since - timedelta(days=1)
        missed = set(alert.enrolment.missed.filter(day__gt=last).values_list("day", flat=True))
        days_since = {last + timedelta(days=n) for n in range(1, (today - last).days + 1)}
        # Every window since the last check-in is missed (today's too, once it has closed).
        assert len(missed) >= 2 and missed <= days_since
        assert days_since - missed <= {today}
        assert MissedDay.objects.filter(enrolment=alert.enrolment, reminded=False).count() == 0


@pytest.mark.usefixtures("region")
def test_histories_are_90_days_long_and_some_get_worse_over_the_last_week():
    today = timezone.localdate()
    quiet = set(
        Alert.objects.filter(kind=Alert.Kind.NOT_HEARD_FROM, closed_at__isnull=True).values_list(
            "enrolment_id", flat=True
        )
    )
    worse = Counter()
    for enrolment in Enrolment.objects.select_related("programme"):
        days = daily_check_ins(enrolment)
        assert enrolment.starts_on == days[0].day == today - timedelta(days=90)
        if enrolment.pk in quiet:
            continue
        assert days[-1].day >= today - timedelta(days=1)
        assert len(days) >= 80
        week_before, last = days[-8], days[-1]
        if last.colour != "green" and week_before.colour == "green":
            if enrolment.programme.key == "heart-failure":
                rise = last.answers["weight_kg"] - week_before.answers["weight_kg"]
                worse[enrolment.programme.key] += rise > 1.0 or last.colour == "red"
            else:
                worse[enrolment.programme.key] += last.score > week_before.score
    assert worse["heart-failure"] and worse["copd-cat"] and worse["news2"]


@pytest.mark.usefixtures("region")
def test_every_stored_check_in_is_coloured_as_the_rules_colour_it():
    definitions = {row.pk: queries.programme_definition(row) for row in Programme.objects.all()}
    rows = CheckIn.objects.order_by("day", "submitted_at").values_list(
        "enrolment_id",
        "enrolment__programme_id",
        "day",
        "answers",
        "settings_used",
        "remeasure_for_id",
        "colour",
        "score",
        "parts",
        "response",
        "reasons",
    )
    earlier: dict = defaultdict(list)
    colours = Counter()
    for enrolment_id, programme_id, day, answers, used, repeat_of, *stored in rows:
        definition = definitions[programme_id]
        readings = [reading for reading in earlier[enrolment_id] if reading.on < day]
        assessment = rules.assess(
            definition, answers, rules.clean_settings(definition, used), day, readings
        )
        assert stored == [
            assessment.colour.value,
            assessment.score,
            assessment.parts,
            assessment.response or "",
            list(assessment.reasons),
        ]
        assert rules.clean_answers(definition, answers) == answers
        if repeat_of is None:
            earlier[enrolment_id].append(rules.Reading(on=day, answers=answers))
            colours[stored[0]] += 1
    assert colours["green"] > 0.85 * sum(colours.values())
    assert colours["amber"] and colours["red"]
    # Each amber or red check-in raised its alert, and each remark a grey one.
    warnings = CheckIn.objects.filter(remeasure_for__isnull=True, colour__in=["amber", "red"])
    assert set(warnings.values_list("pk", flat=True)) == set(
        Alert.objects.filter(kind=Alert.Kind.READING).values_list("check_in_id", flat=True)
    )
    remarks = Alert.objects.filter(kind=Alert.Kind.REMARK).select_related("check_in")
    assert remarks.exists()
    assert all(alert.check_in.answers.get("remark") for alert in remarks)


@pytest.mark.usefixtures("region")
def test_the_demo_citizen_can_check_in_at_any_time_and_turn_red_in_the_clinicians_queue():
    alex = Person.objects.get(user__username="citizen")
    clinician = User.objects.get(username="clinician")
    enrolment = queries.current_enrolments(alex.pk).get()
    assert enrolment.programme.key == "heart-failure"
    assert (enrolment.window_opens.isoformat(), enrolment.window_closes.isoformat()) == (
        "00:00:00",
        "23:59:59",
    )
    assert queries.current_team(enrolment)[0].user == clinician
    today = timing.local_day(timezone.now(), enrolment.time_zone)
    days = daily_check_ins(enrolment)
    assert days[0].day == today - timedelta(days=90) and days[-1].day == today - timedelta(days=1)
    assert len(days) >= 85
    last_three = [check_in for check_in in days if check_in.day >= today - timedelta(days=3)]
    assert len(last_three) == 3 and {check_in.colour for check_in in last_three} == {"green"}

    lowest = min(check_in.answers["weight_kg"] for check_in in last_three)
    outcome = actions.record_check_in(
        Actor(user=alex.user),
        actions.Submission(
            person_id=alex.pk,
            programme_key="heart-failure",
            answers={
                "weight_kg": round(lowest + 2.1, 1),
                "breathless": "no",
                "ankles_more_swollen": False,
                "more_pillows": False,
                "dizzy": False,
            },
        ),
        source=CheckIn.Source.WEB,
    )
    assert outcome.check_in.colour == "red"
    assert outcome.alert.assigned_to == clinician
    assert outcome.alert in queries.open_alerts_for(Actor(user=clinician))

    # Sam Morgan's mother checks in too, some days with Sam's help.
    mother = Person.objects.get(proxies__proxy__user__username="carer")
    her_days = daily_check_ins(queries.current_enrolments(mother.pk).get())
    assert len(her_days) >= 80
    assert "Sam Morgan" in {check_in.submitted_by_label for check_in in her_days}


@pytest.mark.usefixtures("region")
def test_the_demo_runs_again_without_adding_anything():
    counted = (Enrolment, CareTeamMember, CheckIn, MissedDay, Alert, AlertStep)

    def counts():
        return [model.objects.count() for model in counted]

    before = counts()
    assert "kept as it is" in run_demo(keep_existing=True)
    assert counts() == before

    now = timezone.now()
    out = StringIO()
    context = DemoContext(
        seed=1,
        people=PEOPLE,
        now=now,
        today=timezone.localdate(now),
        stdout=out,
        progress=lambda **_: None,
        localities={place.code: place for place in Locality.objects.all()},
        organisations={org.code: org for org in Organisation.objects.all()},
    )
    demo.generate(context)
    assert "none added" in out.getvalue()
    assert counts() == before
