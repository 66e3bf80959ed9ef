import pytest
from django.core.cache import cache

from coproduce.messaging.backends import LocmemBackend


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
