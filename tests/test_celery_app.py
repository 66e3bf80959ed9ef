"""Background jobs run on the platform's Celery app whatever Celery's current app is: that is a
per-thread setting (gunicorn's threaded workers and the test server answer requests on other
threads) that libraries and test tools change."""

import threading
from unittest import mock

from celery import Celery
from celery import _state as celery_state

from coproduce.outbox import delivery, tasks


def test_a_delivery_scheduled_while_another_app_is_current_still_runs():
    other = Celery("another-library", broker="memory://", set_as_current=False)
    previous_default = celery_state.default_app
    outcome = {}

    def schedule():
        other.set_current()
        try:
            tasks.deliver_events.delay([41])
        except Exception as error:
            outcome["error"] = error

    other.set_default()
    try:
        with mock.patch.object(delivery, "deliver_events", return_value=1) as deliver:
            thread = threading.Thread(target=schedule)
            thread.start()
            thread.join()
    finally:
        celery_state.set_default_app(previous_default)
        other.close()
    assert outcome == {}
    deliver.assert_called_once_with([41])
