import pytest

from coproduce.messaging.backends import LocmemBackend


@pytest.fixture(autouse=True)
def _quiet_and_local_messages(settings):
    """Tests never reach the network: texts and letters stay in memory, email in Django's outbox."""
    settings.COPRODUCE_SMS_BACKEND = "coproduce.messaging.backends.LocmemBackend"
    settings.COPRODUCE_LETTER_BACKEND = "coproduce.messaging.backends.LocmemBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()
