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
