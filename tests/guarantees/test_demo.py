"""`coproduce demo` adds Riverside's waits: a realistic spread across the hospitals and GP
practices, the statistics built from them, and the fixed sign-ins' story (Alex Morgan's wait
past its deadline, with a right to ask for, on the waiting list of `clinician`'s practice)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from coproduce import registry
from coproduce.guarantees import compliance
from coproduce.guarantees.models import CompletedCell, OpenCell, Pathway, Right, StageRecord
from coproduce.guarantees.queries import RightStatus, pathway_clocks, right_status
from coproduce.guarantees.rules import Status
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Person, User

pytestmark = pytest.mark.django_db

PEOPLE = 1000


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(people: int = PEOPLE, seed: int = 1) -> str:
    out = StringIO()
    call_command("demo", people=people, seed=seed, stdout=out)
    return out.getvalue()


def test_the_generator_is_registered_after_the_people():
    names = [generator.name for generator in registry.demo_generators()]
    assert names.index("people") < names.index("guarantees")


def test_the_demo_has_a_realistic_spread_of_waits():
    output = run_demo()
    assert "Waits: " in output
    today = timezone.localdate()
    pathways = Pathway.objects.all()
    assert PEOPLE * 0.4 < pathways.count() < PEOPLE
    kinds = set(pathways.values_list("provider__kind", flat=True))
    assert kinds == {Organisation.Kind.HOSPITAL, Organisation.Kind.GP_PRACTICE}
    by_scheme = dict(pathways.values_list("scheme__code").annotate(n=Count("pk")))
    assert by_scheme["uk-nhs-rtt"] > 100 and by_scheme["se-vardgaranti-2019"] > 100
    assert {"R9V01", "R9V02", "R9V03"} <= set(pathways.values_list("provider__code", flat=True))

    started = StageRecord.objects.exclude(status=Status.NOT_STARTED)
    statuses = dict(started.values_list("status").annotate(n=Count("pk")))
    total = sum(statuses.values())
    assert statuses[Status.MET] > 0.7 * total  # most met
    assert statuses[Status.RUNNING] > 0.05 * total
    assert 0 < statuses[Status.BREACHED] < 0.2 * total
    open_breached = started.filter(status=Status.BREACHED, end__isnull=True)
    at_risk = started.filter(status=Status.RUNNING, at_risk_on__lte=today)
    assert open_breached.count() >= 5 and at_risk.count() >= 5

    rights = list(Right.objects.select_related("pathway"))
    states = [right_status(right) for right in rights]
    assert states.count(RightStatus.REQUESTED) >= 3
    assert states.count(RightStatus.OFFERED) == 1
    assert states.count(RightStatus.OWED) > 0
    # Every open stage past its deadline has its right, as the live platform would.
    assert open_breached.count() <= len(rights)
    # The statistics are built from the demo's stored clocks, and agree with them.
    assert CompletedCell.objects.exists() and OpenCell.objects.exists()
    assert compliance.statistics_drift() == {}


def test_the_demo_citizen_has_a_right_to_ask_for_at_the_clinicians_practice():
    run_demo(people=200)
    citizen = Person.objects.get(user__username="citizen")
    clinician = Actor(user=User.objects.get(username="clinician"))
    waits = Pathway.objects.filter(person=citizen).select_related("scheme", "provider")
    breached = [
        (pathway, clock)
        for pathway in waits
        for clock in pathway_clocks(pathway)
        if clock.status == Status.BREACHED and clock.end is None
    ]
    assert len(breached) == 1
    pathway, clock = breached[0]
    assert pathway.provider_id in clinician.organisation_ids
    right = Right.objects.get(pathway=pathway, stage=clock.stage)
    assert right_status(right) == RightStatus.OWED
    assert clock.days_excluded > 0  # a patient-chosen wait, not counted
    assert Message.objects.filter(person=citizen, key=f"guarantee-breach-{right.pk}").exists()
    # Only the stage truly past its deadline fired: the history was recorded without false
    # alarms.
    assert Right.objects.filter(pathway__person=citizen).count() == 1
    statuses = {clock.status for pathway in waits for clock in pathway_clocks(pathway)}
    assert {Status.MET, Status.RUNNING, Status.BREACHED} <= statuses
    # Sam's mother has a wait of her own, for Sam's proxy view.
    assert Pathway.objects.filter(person__proxies__proxy__user__username="carer").exists()


class UndoTheRun(Exception):
    pass


def waits_made_by_a_run(seed: int) -> list[tuple]:
    """Run the demo, note the waits it made, then roll it all back."""
    with pytest.raises(UndoTheRun), transaction.atomic():
        run_demo(people=300, seed=seed)
        waits = sorted(
            StageRecord.objects.values_list(
                "pathway__person__nhs_number",
                "pathway__provider__code",
                "pathway__service",
                "stage",
                "status",
                "start",
                "end",
                "deadline",
            )
        )
        raise UndoTheRun
    return waits


def test_the_same_seed_gives_the_same_waits():
    first = waits_made_by_a_run(seed=5)
    assert first
    assert waits_made_by_a_run(seed=5) == first
    assert waits_made_by_a_run(seed=6) != first
