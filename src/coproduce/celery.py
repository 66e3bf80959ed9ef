"""The Celery app. With no REDIS_URL every task runs eagerly, in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

app = Celery("coproduce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
