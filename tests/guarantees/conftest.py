"""A wait past its deadline, for the citizen journeys' tests (the hospital, clinician and
patient are tests/conftest.py's)."""

import pytest

from tests.guarantees.test_views import open_rtt


@pytest.fixture
def breached(clinician, patient, hospital):
    """Referred 130 days ago: 4 days past the 126-day deadline."""
    return open_rtt(clinician, patient, hospital, referred_days_ago=130)
