from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "coproduce.messaging"
    label = "messaging"
    verbose_name = "Messages to people"

    def ready(self) -> None:
        from coproduce import events, registry
        from coproduce.web import tiles as home_tiles

        from . import domain_events, tiles

        events.declare(*domain_events.EVENTS)
        registry.register_api_router("coproduce.messaging.api.router")
        registry.register_personal_data(
            registry.PersonalDataSection(
                "messages",
                "messaging.Message",
                "person",
                "Messages we have sent you",
                "Messages we have sent {name}",
                # How the platform tells its messages apart, not something said to anyone.
                exclude_fields=("namespace", "key"),
                field_labels={
                    "organisation": _("From"),
                    "channel": _("Sent as"),
                    "recipient": _("To"),
                    "body": _("Message"),
                    "created_at": _("Written"),
                    "sent_at": _("Sent"),
                    "failure_reason": _("Why it could not be sent"),
                },
                # The email or SMS service's own reference is for tracing a delivery only.
                page_fields=(
                    "subject",
                    "created_at",
                    "organisation",
                    "category",
                    "channel",
                    "recipient",
                    "status",
                    "sent_at",
                    "failure_reason",
                    "body",
                ),
            )
        )
        # After every module's own pages for citizens (My waits is 10).
        registry.register_citizen_navigation(
            "messaging", text=_("Messages"), url_name="messaging:messages", order=200
        )
        home_tiles.register_home_tile(
            "messaging", home_tiles.CITIZEN, tiles.messages_tile, order=20
        )
