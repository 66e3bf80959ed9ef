"""The Celery app. With no REDIS_URL every task runs eagerly, in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

app = Celery("coproduce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_module_tasks(sender: Celery, **_) -> None:
    """The beat schedule is the core's (settings) and every module's periodic tasks (their
    manifests)."""
    from django.conf import settings

    from coproduce import modules

    sender.conf.beat_schedule = {**settings.CELERY_BEAT_SCHEDULE, **modules.beat_schedule()}
