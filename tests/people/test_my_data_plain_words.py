"""My data in plain words: whatever is held, the page never shows the person an internal key,
code or field name (a demo source key, an enum value such as `specialist_visit`, a scheme's
code, "Created by label", an id). Every section is titled, and what says who may see or act
for the person is grouped under "Who can see the record"."""

import datetime as dt
import html
import re

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone

from coproduce import registry
from coproduce.guarantees import actions
from coproduce.guarantees.models import Scheme, SchemeStage
from coproduce.messaging.actions import send_message
from coproduce.messaging.models import Message
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, RecordCategory, Relationship
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def visible_text(page: str) -> str:
    """What a reader sees: the main content's text, without tags or attribute values."""
    main = page.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def held(django_capture_on_commit_callbacks):
    """A person with something in every section of My data, the way the demo and a hospital's
    import fill them: keys, codes and labels everywhere underneath."""
    area = factories.LocalityFactory(code="E05900003", name="Millbrook")
    hospital = factories.OrganisationFactory(
        kind=Organisation.Kind.HOSPITAL, name="Riverside General", locality=area
    )
    elsewhere = factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Weir Vale")
    person = factories.PersonFactory(
        user=factories.UserFactory(), nhs_number="9990013810", locality=area
    )
    child = factories.PersonFactory(given_name="Robin")
    carer = factories.PersonFactory(given_name="Sam")
    factories.RelationshipFactory(person=person, proxy=carer, kind=Relationship.Kind.CARER)
    factories.RelationshipFactory(
        person=child, proxy=person, kind=Relationship.Kind.PARENT, scope=Relationship.Scope.MANAGE
    )
    factories.CareRelationshipFactory(person=person, organisation=hospital)
    factories.ConsentFactory(
        person=person, organisation=elsewhere, category=RecordCategory.SOCIAL_CARE
    )
    clinician = factories.RoleFactory(organisation=hospital).user
    staff = Actor(user=clinician)
    with django_capture_on_commit_callbacks(execute=True):
        send_message(
            staff,
            person_id=person.pk,
            key=f"demo:gp-registration:{person.pk}",
            subject="You are registered",
            body="Dear Ada,\nWelcome.",
            category=RecordCategory.HEALTH,
        )
        # A wait under the Swedish scheme (stages with snake_case codes), imported with keys,
        # past its specialist-visit deadline, asked about and offered elsewhere.
        pathway = actions.open_pathway(
            staff,
            person_id=person.pk,
            scheme_code="se-vardgaranti-2019",
            provider_id=hospital.pk,
            service="Physiotherapy",
            external_id="R9V01-DEMO-01",
        )
        actions.record_events(
            Actor.system(),
            pathway_id=pathway.pk,
            facts=[
                actions.NewEvent(
                    "referral", TODAY - dt.timedelta(days=100), "", f"demo:referral:{pathway.pk}"
                ),
            ],
        )
        right = actions.ask_for_care_elsewhere(
            Actor(user=person.user), pathway_id=pathway.pk, stage="specialist_visit"
        )
        actions.offer_care_elsewhere(
            staff,
            right_id=right.pk,
            provider_id=elsewhere.pk,
            appointment_on=TODAY + dt.timedelta(days=5),
        )
    Message.objects.filter(person=person).update(
        provider_reference=f"email:demo:gp-registration:{person.pk}"
    )
    client = Client()
    client.force_login(clinician)
    client.get(f"/people/{person.pk}/")  # a look, on the audit trail
    return person


def codes_held() -> set[str]:
    """Every code the platform stores that is not a word: choices' values, event types and
    stage codes with an underscore or a hyphen, and the schemes' codes."""
    found = {scheme.code for scheme in Scheme.objects.all()}
    found |= set(SchemeStage.objects.values_list("code", flat=True))
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.choices:
                found |= {str(value) for value, _label in field.flatchoices}
    return {code for code in found if re.search(r"[_-]", code)}


def test_my_data_says_everything_in_plain_words(held):
    client = Client()
    client.force_login(held.user)
    text = visible_text(client.get("/my-data/").content.decode())

    assert "demo:" not in text
    assert "R9V01-DEMO-01" not in text
    assert not re.search(r"\blabel\b", text, re.IGNORECASE)
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), "a snake_case name or code is shown"
    shown_codes = [code for code in codes_held() if re.search(rf"\b{re.escape(code)}\b", text)]
    assert not shown_codes
    assert "E05900003" not in text  # the area's code
    assert str(held.pk) not in text and "Reference" not in text
    # What is there, in words: the NHS number as it is written, the stage by its title.
    assert "999 001 3810" in text
    assert "First specialist visit" in text
    assert "Physiotherapy at Riverside General" in text
    assert "Opened by" in text and "Asked by" in text


def test_every_section_is_titled_and_who_can_see_is_grouped(held):
    client = Client()
    client.force_login(held.user)
    page = client.get("/my-data/").content.decode()
    text = visible_text(page)
    # The consents and the audit trail have page sections of their own.
    assert "Who can see the record" in text
    assert "Who has looked at or changed the record" in text
    for section in registry.personal_data_sections():
        if section.name not in {"consents", "audit_events"}:
            assert str(section.title) in text, section.name
    who = page.split('id="consents"', 1)[1].split('id="audit-trail"', 1)[0]
    for name in ("relationships_acting_for_you", "relationships_you_act_for", "care_relationships"):
        assert f'id="{name}"' in who
    assert "Sam" in who and "Robin" in who


def test_a_carer_reads_the_same_plain_words(held):
    carer = Relationship.objects.get(person=held, kind=Relationship.Kind.CARER).proxy
    carer.user = factories.UserFactory()
    carer.save(update_fields=["user"])
    client = Client()
    client.force_login(carer.user)
    text = visible_text(client.get(f"/my-data/{held.pk}/").content.decode())
    assert "demo:" not in text
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert "Waits of" in text and "Your waits" not in text


def test_the_download_says_what_each_section_and_field_is(held):
    """The file keeps every field as stored (for a program), and says in words what each is."""
    client = Client()
    client.force_login(held.user)
    data = client.get("/my-data/download.json").json()
    about = data["about_this_file"]
    for section in registry.personal_data_sections():
        assert about[section.name]["title"] == section.title
        for row in data[section.name]:
            assert set(row) <= set(about[section.name]["fields"]), section.name
    assert about["guarantee_pathways"]["fields"]["created_by_label"] == "Opened by"
    assert about["person"]["fields"]["nhs_number"] == "NHS number"
