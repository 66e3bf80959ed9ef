from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "coproduce.outbox"
    label = "outbox"
    verbose_name = "Domain events waiting to be delivered"

    def ready(self) -> None:
        from django.core import checks

        from coproduce import events

        checks.register(events.check_subscriptions)
