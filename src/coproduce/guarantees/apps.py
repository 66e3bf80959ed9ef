from django.apps import AppConfig


class GuaranteesConfig(AppConfig):
    name = "coproduce.guarantees"
    label = "guarantees"
    verbose_name = "Waiting-time guarantees"

    def ready(self) -> None:
        from coproduce import registry

        for section in (
            registry.PersonalDataSection(
                "guarantee_pathways", "guarantees.Pathway", "person", "Your waits"
            ),
            registry.PersonalDataSection(
                "guarantee_events",
                "guarantees.PathwayEvent",
                "pathway__person",
                "Your waits: what happened",
            ),
            registry.PersonalDataSection(
                "guarantee_rights",
                "guarantees.Right",
                "pathway__person",
                "Your right to care elsewhere",
            ),
        ):
            registry.register_personal_data(section)
