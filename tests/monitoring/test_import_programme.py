"""An organisation brings its own programme as a FHIR Questionnaire: people can be enrolled in
it and their check-ins are scored by its rules; the same file imported again changes nothing;
a key that is built in or another organisation's is refused."""

import json

import pytest

from coproduce.errors import Conflict, InvalidInput, NotAllowed
from coproduce.monitoring import actions, queries
from coproduce.monitoring.models import Programme
from coproduce.monitoring.programmes import BUILT_IN
from coproduce.monitoring.standards.fhir_questionnaire import questionnaire_from_programme
from coproduce.people.access import Actor
from tests.factories import OrganisationFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def our_copd_questionnaire(key="riverside-copd"):
    questionnaire = questionnaire_from_programme(
        BUILT_IN["copd-cat"], base_url="https://riverside.example"
    )
    questionnaire["url"] = f"https://riverside.example/fhir/Questionnaire/{key}"
    questionnaire["title"] = "Riverside COPD check-in"
    return questionnaire


def test_an_imported_programme_takes_enrolments_and_scores_with_its_rules(
    clinician, hospital, patient, enrol
):
    programme = actions.import_programme(
        Actor(user=clinician), questionnaire=our_copd_questionnaire()
    )

    assert programme.owner == hospital and programme.title == "Riverside COPD check-in"
    enrolment = enrol(patient, programme_key="riverside-copd")
    outcome = actions.record_check_in(
        Actor(user=patient.user),
        actions.Submission(patient.pk, "riverside-copd", {f"cat_{n}": 4 for n in range(1, 9)}),
        source="web",
    )
    assert enrolment.programme == programme
    assert outcome.check_in.score == 32 and outcome.check_in.colour == "red"


def test_importing_the_same_file_again_changes_nothing(clinician):
    first = actions.import_programme(Actor(user=clinician), questionnaire=our_copd_questionnaire())
    again = actions.import_programme(
        Actor(user=clinician), questionnaire=json.dumps(our_copd_questionnaire()).encode()
    )

    assert again.pk == first.pk and again.definition_stamp == first.definition_stamp
    assert queries.programme_definition(again).title == "Riverside COPD check-in"


def test_a_built_in_key_or_another_organisations_is_refused(clinician):
    with pytest.raises(Conflict):
        actions.import_programme(
            Actor(user=clinician), questionnaire=our_copd_questionnaire("copd-cat")
        )
    other_clinician = RoleFactory(organisation=OrganisationFactory()).user
    actions.import_programme(Actor(user=other_clinician), questionnaire=our_copd_questionnaire())

    with pytest.raises(Conflict):
        actions.import_programme(Actor(user=clinician), questionnaire=our_copd_questionnaire())


def test_a_questionnaire_it_cannot_score_is_refused_naming_where(clinician):
    questionnaire = our_copd_questionnaire()
    questionnaire["extension"] = []

    with pytest.raises(InvalidInput) as refused:
        actions.import_programme(Actor(user=clinician), questionnaire=questionnaire)

    assert "extension" in refused.value.fields
    assert not Programme.objects.filter(key="riverside-copd").exists()


def test_a_title_longer_than_a_page_can_show_is_refused(clinician):
    questionnaire = our_copd_questionnaire()
    questionnaire["title"] = "COPD " * 50

    with pytest.raises(InvalidInput) as refused:
        actions.import_programme(Actor(user=clinician), questionnaire=questionnaire)

    assert list(refused.value.fields) == ["title"]


def test_a_citizen_cannot_import_a_programme():
    citizen = PersonFactory(user=UserFactory())
    with pytest.raises(NotAllowed):
        actions.import_programme(Actor(user=citizen.user), questionnaire=our_copd_questionnaire())
