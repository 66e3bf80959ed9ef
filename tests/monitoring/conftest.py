"""A hospital's heart-failure nurse and the GP behind her, and a patient of theirs enrolled
with a window open all day (so a test may check in whenever it runs)."""

from datetime import time

import pytest

from coproduce.monitoring import actions
from coproduce.people.access import Actor
from tests.factories import RoleFactory

ALL_DAY = {"window_opens": time(0, 0), "window_closes": time(23, 59, 59)}


@pytest.fixture
def backup_clinician(hospital):
    return RoleFactory(organisation=hospital).user


@pytest.fixture
def enrol(hospital, clinician, backup_clinician):
    def enrol_in(person, programme_key="heart-failure", **options):
        return actions.enrol(
            Actor(user=clinician),
            person_id=person.pk,
            programme_key=programme_key,
            organisation_id=hospital.pk,
            team=[
                actions.TeamMember(clinician.pk, "Heart failure nurse"),
                actions.TeamMember(backup_clinician.pk, "GP"),
            ],
            **{**ALL_DAY, **options},
        )

    return enrol_in


@pytest.fixture
def enrolment(enrol, patient):
    return enrol(patient)
