from django.utils.translation import gettext_lazy as _

from coproduce import modules
from coproduce.modules import (
    DemoStep,
    EventSubscription,
    HomeTileSpec,
    ModuleManifest,
    Navigation,
    PeriodicTask,
    PublicOffer,
)


class MonitoringConfig(modules.ModuleConfig):
    name = "coproduce.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def manifest(self) -> ModuleManifest:
        from coproduce import registry
        from coproduce.people.models import RecordCategory
        from coproduce.web.tiles import CITIZEN, STAFF

        from . import (
            citizen_views,
            demo,
            message_templates,
            notifications,
            person_section,
            staff_views,
            tiles,
        )

        return ModuleManifest(
            name="monitoring",
            url_prefix="monitoring/",
            urlconf="coproduce.monitoring.urls",
            # The person's side: their check-ins, and those of the people they act for.
            citizen_navigation=(Navigation(_("My check-ins"), "monitoring:mine", order=20),),
            # The care team's pages.
            staff_navigation=(
                Navigation(
                    _("Monitoring"),
                    "monitoring:panel",
                    order=30,
                    shown_to=staff_views.is_on_a_care_team,
                ),
                Navigation(
                    _("Alerts"),
                    "monitoring:alerts",
                    order=31,
                    shown_to=staff_views.is_on_a_care_team,
                ),
            ),
            home_tiles=(
                HomeTileSpec(STAFF, tiles.alerts_tile, order=5),
                HomeTileSpec(CITIZEN, tiles.check_in_tile, order=20),
            ),
            person_page_links=(
                registry.PersonPageLink(
                    text=_("Enrol in monitoring"),
                    url_name="monitoring:enrol",
                    shown_to=staff_views.may_enrol,
                ),
            ),
            person_sections=(
                registry.PersonSection(
                    name="monitoring",
                    heading=_("Monitoring"),
                    category=RecordCategory.HEALTH,
                    template="monitoring/person_section.html",
                    context=person_section.monitoring_section,
                    audit_as="monitoring",
                    order=20,
                ),
            ),
            personal_data=citizen_views.PERSONAL_DATA,
            public_offers=(
                PublicOffer(
                    title=_("Keeping well at home"),
                    text=_(
                        "People with a long-term condition, such as heart failure or COPD, can "
                        "answer a few questions each day on their phone. If the answers show "
                        "warning signs, a named member of their care team is told at once and "
                        "contacts them in time; if someone goes quiet, the care team follows "
                        "them up."
                    ),
                    order=20,
                ),
            ),
            role_kinds=("clinician",),
            # After the people (0) and their waits (50): the same people, the same story.
            demo=DemoStep(demo.generate, order=60),
            message_templates=message_templates.TEMPLATES,
            periodic_tasks=(
                PeriodicTask(
                    "monitoring-record-missed-check-ins",
                    "coproduce.monitoring.tasks.record_missed_check_ins",
                    300,
                ),
                PeriodicTask(
                    "monitoring-escalate-overdue-alerts",
                    "coproduce.monitoring.tasks.escalate_overdue_alerts",
                    60,
                ),
            ),
            event_subscriptions=(
                EventSubscription("monitoring.enrolled", notifications.on_enrolled),
                EventSubscription("monitoring.alert_raised", notifications.on_alert_raised),
                EventSubscription("monitoring.alert_escalated", notifications.on_alert_escalated),
            ),
            api_router="coproduce.monitoring.api.router",
            api_prefix="/monitoring/",
        )

    def module_ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce import events

        from . import actions, domain_events

        events.declare(*domain_events.EVENTS)
        post_migrate.connect(actions.ensure_builtin_programmes, sender=self)
