"""Scheme rules are never edited in place: a version is immutable (PostgreSQL refuses it too),
a change is a new version with the day it takes effect, and a wait keeps the version it was
opened under, so a clock that has run never changes after the fact."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coproduce.errors import InvalidInput, NotAllowed
from coproduce.guarantees import actions
from coproduce.guarantees.models import Scheme, SchemeImmutable, SchemeStage, StageRecord
from coproduce.guarantees.queries import pathway_clocks, scheme_definition, scheme_rules
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests.factories import CareRelationshipFactory, OrganisationFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)
RTT = "uk-nhs-rtt"


@pytest.fixture
def back_office_user():
    return UserFactory(username="rules", is_staff=True, is_superuser=True)


@pytest.fixture
def rules_admin(back_office_user):
    return Actor(user=back_office_user)


@pytest.fixture
def hospital():
    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return Actor(user=RoleFactory(organisation=hospital).user)


def open_wait(clinician, hospital, scheme_code=RTT, referred_days_ago=20):
    patient = CareRelationshipFactory(organisation=hospital).person
    pathway = actions.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code=scheme_code,
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    actions.record_event(
        clinician,
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=referred_days_ago),
    )
    return pathway


def ten_week_stages():
    stages = scheme_definition(Scheme.objects.get(code=RTT))["stages"]
    return [{**stages[0], "limit": 10}]


def test_a_stage_cannot_be_edited_in_place():
    stage = SchemeStage.objects.get(scheme__code=RTT, code="rtt")
    stage.limit = 10
    with pytest.raises(SchemeImmutable):
        stage.save()
    with pytest.raises(SchemeImmutable):
        SchemeStage.objects.filter(pk=stage.pk).update(limit=10)
    with pytest.raises(SchemeImmutable):
        stage.delete()
    scheme = Scheme.objects.get(code=RTT)
    scheme.at_risk_percent = 50
    with pytest.raises(SchemeImmutable):
        scheme.save()
    with pytest.raises(SchemeImmutable):
        Scheme.objects.filter(pk=scheme.pk).delete()
    assert SchemeStage.objects.get(pk=stage.pk).limit == 18


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE guarantees_schemestage SET "limit" = 10',
        "UPDATE guarantees_scheme SET at_risk_percent = 50",
        "DELETE FROM guarantees_schemestage",
    ],
)
def test_postgresql_refuses_a_raw_change_to_a_scheme(statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert SchemeStage.objects.get(scheme__code=RTT, code="rtt").limit == 18


def test_a_new_version_from_tomorrow_leaves_todays_clocks_alone(rules_admin, clinician, hospital):
    pathway = open_wait(clinician, hospital, referred_days_ago=20)
    before = pathway_clocks(pathway)
    stored = StageRecord.objects.get(pathway=pathway)
    assert stored.deadline == TODAY - dt.timedelta(days=20) + dt.timedelta(weeks=18)

    new = actions.make_scheme_version(
        rules_admin,
        scheme_id=Scheme.objects.get(code=RTT).pk,
        effective_from=TOMORROW,
        changes={"stages": ten_week_stages(), "title": "RTT, ten weeks"},
    )

    assert new.code == f"{RTT}-{TOMORROW}"
    assert scheme_rules(new.code).stages[0].limit == 10
    # The wait keeps its version: its clock, live and stored, is as it was.
    pathway.refresh_from_db()
    assert pathway.scheme.code == RTT
    assert pathway_clocks(pathway) == before
    actions.record_event(clinician, pathway_id=pathway.pk, type="first_visit", occurred_on=TODAY)
    assert StageRecord.objects.get(pathway=pathway).deadline == stored.deadline
    # Today the old version is still the one in effect; from tomorrow the new one is.
    old = Scheme.objects.get(code=RTT)
    assert old.in_effect_on(TODAY) and not old.in_effect_on(TOMORROW)
    assert old.ends_on == TODAY
    assert list(Scheme.objects.filter(family=RTT).in_effect(TODAY)) == [old]
    assert list(Scheme.objects.filter(family=RTT).in_effect(TOMORROW)) == [new]
    # So a wait opened today still comes under the 18 weeks.
    today_wait = open_wait(clinician, hospital, referred_days_ago=0)
    assert today_wait.scheme == old
    with pytest.raises(InvalidInput, match="not in effect today"):
        open_wait(clinician, hospital, scheme_code=new.code)


def test_the_api_shows_when_a_replaced_version_ends(client, rules_admin):
    actions.make_scheme_version(
        rules_admin,
        scheme_id=Scheme.objects.get(code=RTT).pk,
        effective_from=TOMORROW,
        changes={"stages": ten_week_stages()},
    )
    schemes = {s["code"]: s for s in client.get("/api/guarantees/schemes").json()}
    assert schemes[RTT]["effective_to"] == TODAY.isoformat()
    assert schemes[f"{RTT}-{TOMORROW}"]["effective_from"] == TOMORROW.isoformat()
    assert schemes[f"{RTT}-{TOMORROW}"]["stages"][0]["limit"] == 10


@pytest.mark.parametrize("effective_from", [TODAY, TODAY - dt.timedelta(days=30)])
def test_a_version_cannot_take_effect_today_or_in_the_past(rules_admin, effective_from):
    with pytest.raises(InvalidInput) as refused:
        actions.make_scheme_version(
            rules_admin,
            scheme_id=Scheme.objects.get(code=RTT).pk,
            effective_from=effective_from,
            changes={"stages": ten_week_stages()},
        )
    assert "future day" in refused.value.fields["effective_from"][0]
    assert Scheme.objects.filter(family=RTT).count() == 1


def test_broken_rules_make_no_version(rules_admin):
    with pytest.raises(InvalidInput) as refused:
        actions.make_scheme_version(
            rules_admin,
            scheme_id=Scheme.objects.get(code=RTT).pk,
            effective_from=TOMORROW,
            changes={"stages": [{**ten_week_stages()[0], "unit": "fortnights"}]},
        )
    assert "stages" in refused.value.fields
    assert Scheme.objects.filter(family=RTT).count() == 1


def test_only_someone_allowed_to_make_schemes_can_version_one(clinician):
    with pytest.raises(NotAllowed):
        actions.make_scheme_version(
            clinician,
            scheme_id=Scheme.objects.get(code=RTT).pk,
            effective_from=TOMORROW,
            changes={},
        )


def test_the_back_office_makes_a_new_version_and_edits_none(client, back_office_user):
    client.force_login(back_office_user)
    scheme = Scheme.objects.get(code=RTT)
    page = client.get(f"/admin/guarantees/scheme/{scheme.pk}/change/").content.decode()
    assert 'name="stages-0-limit"' not in page  # shown, not editable
    refused = client.post(
        f"/admin/guarantees/scheme/{scheme.pk}/change/", {"at_risk_percent": "50"}
    )
    assert refused.status_code == 403

    form = client.post(
        "/admin/guarantees/scheme/",
        {"action": "make_new_version", "_selected_action": [scheme.pk]},
    )
    assert form.status_code == 200
    rules = form.context["form"]["rules"].value()
    assert '"limit": 18' in rules
    done = client.post(
        "/admin/guarantees/scheme/",
        {
            "action": "make_new_version",
            "_selected_action": [scheme.pk],
            "apply": "yes",
            "effective_from": TOMORROW.isoformat(),
            "code": "",
            "rules": rules.replace('"limit": 18', '"limit": 10'),
        },
        follow=True,
    )
    assert f"The new version {RTT}-{TOMORROW} is in effect from" in done.content.decode()
    assert SchemeStage.objects.get(scheme__code=f"{RTT}-{TOMORROW}").limit == 10
    assert SchemeStage.objects.get(scheme__code=RTT).limit == 18

    again = client.post(
        "/admin/guarantees/scheme/",
        {
            "action": "make_new_version",
            "_selected_action": [scheme.pk],
            "apply": "yes",
            "effective_from": TODAY.isoformat(),
            "rules": rules,
        },
    )
    assert "future day" in again.content.decode()
