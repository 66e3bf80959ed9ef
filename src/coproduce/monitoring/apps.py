from coproduce import modules
from coproduce.modules import ModuleManifest


class MonitoringConfig(modules.ModuleConfig):
    name = "coproduce.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def manifest(self) -> ModuleManifest:
        return ModuleManifest(
            name="monitoring",
            role_kinds=("clinician",),
        )

    def module_ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce import events

        from . import actions, domain_events

        events.declare(*domain_events.EVENTS)
        post_migrate.connect(actions.ensure_builtin_programmes, sender=self)
