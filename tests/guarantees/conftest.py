"""A hospital, one of its clinicians and a patient with a wait past its deadline, for the
citizen journeys' tests (tests/guarantees/test_views.py keeps its own copies)."""

import pytest

from coproduce.people.models import Organisation
from tests import factories
from tests.guarantees.test_views import open_rtt


@pytest.fixture
def hospital():
    return factories.OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    return factories.RoleFactory(organisation=hospital).user


@pytest.fixture
def patient(hospital):
    person = factories.PersonFactory(user=factories.UserFactory())
    factories.CareRelationshipFactory(person=person, organisation=hospital)
    return person


@pytest.fixture
def breached(clinician, patient, hospital):
    """Referred 130 days ago: 4 days past the 126-day deadline."""
    return open_rtt(clinician, patient, hospital, referred_days_ago=130)
