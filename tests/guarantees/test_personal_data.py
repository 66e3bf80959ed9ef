"""A person's waits, what happened on them and their rights are in their My data download."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from coproduce import registry
from coproduce.guarantees import actions
from coproduce.people.access import Actor
from coproduce.people.models import Organisation
from tests.factories import CareRelationshipFactory, OrganisationFactory, UserFactory
from tests.people.test_views import assert_download_complete

pytestmark = pytest.mark.django_db


def test_my_data_download_holds_every_field_of_the_waits(client):
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    person = CareRelationshipFactory(organisation=hospital).person
    person.user = UserFactory()
    person.save(update_fields=["user"])
    pathway = actions.open_pathway(
        Actor.system(),
        person_id=person.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Urology",
    )
    actions.record_event(
        Actor.system(),
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=timezone.localdate() - dt.timedelta(days=150),
    )
    client.force_login(person.user)

    data = json.loads(client.get("/my-data/download.json").content)

    sections = [
        section
        for section in registry.personal_data_sections()
        if section.model_label.startswith("guarantees.")
    ]
    assert {section.name for section in sections} == {
        "guarantee_pathways",
        "guarantee_events",
        "guarantee_rights",
    }
    assert_download_complete(data, sections)
    assert data["guarantee_pathways"][0]["service"] == "Urology"
