"""A person's language is the language the platform writes to them in: they (or staff caring
for them) choose one the platform has, and My data says it in words."""

import pytest
from django.test import Client
from django.urls import reverse

from coproduce.errors import InvalidInput
from coproduce.people import actions
from coproduce.people.access import Actor

pytestmark = pytest.mark.django_db


def test_a_new_record_is_in_the_sites_language(patient):
    assert patient.language == "en-gb"


def test_the_person_chooses_welsh_and_my_data_says_so_in_words(patient):
    actions.update_contact_details(
        Actor(user=patient.user), person_id=patient.pk, changes={"language": "cy"}
    )
    patient.refresh_from_db()
    assert patient.language == "cy"
    client = Client()
    client.force_login(patient.user)
    page = client.get(reverse("people:my-data")).content.decode()
    assert "Language for messages" in page and "Cymraeg (Welsh)" in page
    assert client.get(reverse("people:my-data-download")).json()["person"]["language"] == "cy"


def test_a_language_the_platform_does_not_write_in_is_refused(patient):
    with pytest.raises(InvalidInput) as refused:
        actions.update_contact_details(
            Actor(user=patient.user), person_id=patient.pk, changes={"language": "fr"}
        )
    assert "language" in refused.value.fields
    patient.refresh_from_db()
    assert patient.language == "en-gb"


def test_through_the_api_the_person_chooses_welsh_and_a_language_it_lacks_is_refused(patient):
    client = Client()
    client.force_login(patient.user)
    url = f"/api/people/{patient.pk}/contact-details"
    chosen = client.patch(url, {"language": "cy"}, content_type="application/json")
    assert chosen.status_code == 200 and chosen.json()["language"] == "cy"
    refused = client.patch(url, {"language": "fr"}, content_type="application/json")
    assert refused.status_code == 400
    assert "language" in str(refused.json()["error"]["fields"])
    patient.refresh_from_db()
    assert patient.language == "cy"
