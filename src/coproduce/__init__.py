"""Coproduce: an open-source platform for people-powered public services."""

from .celery import app as celery_app

__all__ = ["celery_app"]
