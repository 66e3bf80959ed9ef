"""What many people tests start from: a hospital, a clinician there, and a patient it cares
for in the health category."""

import pytest

from coproduce.people.models import Organisation, RecordCategory, Role
from tests.factories import (
    CareRelationshipFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)


@pytest.fixture
def hospital():
    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return RoleFactory(organisation=hospital, kind=Role.Kind.CLINICIAN).user


@pytest.fixture
def patient(hospital):
    """A patient of the hospital, with a sign-in: it has a health care relationship with them."""
    person = PersonFactory(user=UserFactory())
    CareRelationshipFactory(person=person, organisation=hospital, category=RecordCategory.HEALTH)
    return person
