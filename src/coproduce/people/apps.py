from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How a relationship reads on My data, either way round.
RELATIONSHIP_LABELS = {
    "kind": _("As"),
    "scope": _("What they can do"),
    "starts_on": _("From"),
    "ends_on": _("Until"),
}


class PeopleConfig(AppConfig):
    name = "coproduce.people"
    label = "people"
    verbose_name = "People, organisations, consent and audit"

    def ready(self) -> None:
        from coproduce import events, registry
        from coproduce.messaging import message_templates

        from . import demo, domain_events
        from . import message_templates as templates

        events.declare(*domain_events.EVENTS)
        message_templates.register(templates.TEMPLATES)
        registry.register_demo_generator("people", demo.generate, order=0)
        registry.register_api_router("coproduce.people.api.router")
        for section in (
            registry.PersonalDataSection(
                "relationships_acting_for_you",
                "people.Relationship",
                "person",
                "People who can act for you",
                "People who can act for {name}",
                field_labels=RELATIONSHIP_LABELS,
                page_fields=("proxy", "kind", "scope", "starts_on", "ends_on"),
            ),
            registry.PersonalDataSection(
                "relationships_you_act_for",
                "people.Relationship",
                "proxy",
                "People you can act for",
                "People {name} can act for",
                field_labels=RELATIONSHIP_LABELS,
                page_fields=("person", "kind", "scope", "starts_on", "ends_on"),
            ),
            registry.PersonalDataSection(
                "consents",
                "people.Consent",
                "person",
                "Who you have let see your record",
                "Who {name} has let see their record",
            ),
            registry.PersonalDataSection(
                "care_relationships",
                "people.CareRelationship",
                "person",
                "Organisations caring for you",
                "Organisations caring for {name}",
                field_labels={
                    "category": _("Part of the record they see"),
                    "reason": _("Why"),
                    "starts_on": _("From"),
                    "ends_on": _("Until"),
                },
                page_fields=("organisation", "category", "reason", "starts_on", "ends_on"),
            ),
            registry.PersonalDataSection(
                "audit_events",
                "people.AuditEvent",
                "person",
                "Who has looked at or changed your record",
                "Who has looked at or changed the record of {name}",
            ),
        ):
            registry.register_personal_data(section)
