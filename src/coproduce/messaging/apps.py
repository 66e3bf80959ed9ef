from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "coproduce.messaging"
    label = "messaging"
    verbose_name = "Messages to people"

    def ready(self) -> None:
        from coproduce import registry

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
            )
        )
