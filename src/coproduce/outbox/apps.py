from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "coproduce.outbox"
    label = "outbox"
    verbose_name = "Domain events waiting to be delivered"
