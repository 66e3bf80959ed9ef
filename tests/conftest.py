import pytest
from django.core.cache import cache

from coproduce.messaging.backends import LocmemBackend
from tests.oidc.provider import running_provider


@pytest.fixture(autouse=True)
def _quiet_and_local_messages(settings):
    """Tests never reach the network: texts and letters stay in memory, email in Django's outbox."""
    settings.COPRODUCE_SMS_BACKEND = "coproduce.messaging.backends.LocmemBackend"
    settings.COPRODUCE_LETTER_BACKEND = "coproduce.messaging.backends.LocmemBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Strong password hashing is slow by design; tests only need it to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _no_rate_limit_counts_carried_over():
    """Rate limits count in the cache; ids are reused between tests, so each starts afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect provider on loopback (tests/oidc/provider.mjs), sending people
    back to the Django test client's host."""
    callback = "http://testserver/sign-in/oidc/callback/"
    with running_provider([callback], tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


# A hospital, a clinician there, and a patient it cares for in the health category: what most
# people and guarantees tests start from (a test file may still define its own).
@pytest.fixture
def hospital():
    from coproduce.people.models import Organisation
    from tests.factories import OrganisationFactory

    return OrganisationFactory(kind=Organisation.Kind.HOSPITAL)


@pytest.fixture
def clinician(hospital):
    from tests.factories import RoleFactory

    return RoleFactory(organisation=hospital).user  # a clinician, by the factory's default


@pytest.fixture
def patient(hospital):
    """A patient with a sign-in; the hospital has a health care relationship with them."""
    from tests.factories import CareRelationshipFactory, PersonFactory, UserFactory

    person = PersonFactory(user=UserFactory())
    CareRelationshipFactory(person=person, organisation=hospital)  # health, by default
    return person
