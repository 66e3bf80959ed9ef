"""A scheme is named and explained in the words of the person's own country and service:
"NHS Constitution: the right to start treatment within 18 weeks" in England, "vårdgarantin
(the care guarantee)" in Sweden, on My waits, the offer, the wait's page for staff, the
person's record and the API; a new version keeps the words or changes them."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from coproduce.guarantees import actions
from coproduce.guarantees.models import Scheme
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Relationship
from tests import factories
from tests.guarantees.test_scheme_versions import back_office_user, rules_admin  # noqa: F401
from tests.guarantees.test_views import ask, logged_in, offer, open_rtt, page

pytestmark = pytest.mark.django_db

ENGLAND = "NHS Constitution: the right to start treatment within 18 weeks"
SWEDEN = "vårdgarantin (the care guarantee)"


def test_my_waits_names_each_guarantee_as_its_country_does(clinician, patient, hospital):
    open_rtt(clinician, patient, hospital, referred_days_ago=20)
    swedish = actions.open_pathway(
        Actor(user=clinician),
        person_id=patient.pk,
        scheme_code="se-vardgaranti-2019",
        provider_id=hospital.pk,
        service="Physiotherapy",
    )
    html = page(logged_in(patient.user).get("/waits/"))
    assert f"Under {ENGLAND}." in html
    assert "The NHS Constitution for England gives you the right to start consultant-led" in html
    assert f"Under {SWEDEN}." in html
    assert "an assessment within 3 days" in html
    # The code and the administrative title are not what the person reads.
    assert "uk-nhs-rtt" not in html and "NHS England 18 weeks referral to treatment" not in html
    assert swedish.scheme.code not in html


def test_the_offer_and_the_staff_pages_name_the_guarantee(clinician, patient, hospital, breached):
    elsewhere = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    right = offer(clinician, ask(patient, breached), elsewhere)
    assert ENGLAND in page(logged_in(patient.user).get(f"/waits/offers/{right.pk}/decline/"))
    staff = logged_in(clinician)
    assert f"Known to patients as {ENGLAND}" in page(staff.get(f"/waits/pathways/{breached.pk}/"))
    assert ENGLAND in page(staff.get(f"/people/{patient.pk}/"))


def test_the_api_gives_the_name_and_the_explanation(client):
    client.force_login(factories.UserFactory())
    schemes = {s["code"]: s for s in client.get("/api/guarantees/schemes").json()}
    assert schemes["uk-nhs-rtt"]["public_name"] == ENGLAND
    assert schemes["se-vardgaranti-2019"]["public_name"] == SWEDEN
    assert "Helfo" in schemes["no-vurdering"]["explanation"]


def test_a_new_version_keeps_the_words_or_changes_them(rules_admin):  # noqa: F811
    base = Scheme.objects.get(code="uk-nhs-rtt")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    kept = actions.make_scheme_version(
        rules_admin, scheme_id=base.pk, effective_from=tomorrow, changes={}
    )
    assert (kept.public_name, kept.explanation) == (base.public_name, base.explanation)
    changed = actions.make_scheme_version(
        rules_admin,
        scheme_id=base.pk,
        effective_from=tomorrow + dt.timedelta(days=1),
        changes={"public_name": "The 18-week right", "explanation": "Treatment in 18 weeks."},
    )
    assert changed.public_name == "The 18-week right"
    assert changed.name_for_person == "The 18-week right"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_stored_built_in_schemes_their_words():
    """Versions stored before the words existed get them (on PostgreSQL past the trigger that
    refuses any other change to a version)."""
    executor = MigrationExecutor(connection)
    executor.migrate([("guarantees", "0007_scheme_rules_stamp")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("guarantees"))
    words = dict(Scheme.objects.values_list("code", "public_name"))
    assert words["uk-nhs-rtt"] == ENGLAND
    assert words["se-vardgaranti-2005"] == SWEDEN


def test_a_carer_reads_the_name_but_not_words_said_to_the_person(clinician, patient, hospital):
    open_rtt(clinician, patient, hospital, referred_days_ago=20)
    carer = factories.RelationshipFactory(
        person=patient, kind=Relationship.Kind.CARER, proxy__user=factories.UserFactory()
    ).proxy
    html = page(logged_in(carer.user).get(f"/waits/for/{patient.pk}/"))
    assert f"Under {ENGLAND}." in html
    assert "gives you the right" not in html
