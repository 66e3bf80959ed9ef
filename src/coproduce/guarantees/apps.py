from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuaranteesConfig(AppConfig):
    name = "coproduce.guarantees"
    label = "guarantees"
    verbose_name = "Waiting-time guarantees"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save

        from coproduce import registry

        from . import actions, queries
        from .models import Scheme, SchemeStage

        post_migrate.connect(actions.ensure_builtin_schemes, sender=self)
        registry.register_api_router("coproduce.guarantees.api.router", prefix="/guarantees/")
        for model in (Scheme, SchemeStage):
            post_save.connect(queries.forget_scheme_rules, sender=model)

        for section in (
            registry.PersonalDataSection(
                "guarantee_pathways",
                "guarantees.Pathway",
                "person",
                "Your waits",
                "Waits of {name}",
            ),
            registry.PersonalDataSection(
                "guarantee_events",
                "guarantees.PathwayEvent",
                "pathway__person",
                "Your waits: what happened",
                "Waits of {name}: what happened",
                describe=queries.words_for_wait_codes,
            ),
            registry.PersonalDataSection(
                "guarantee_rights",
                "guarantees.Right",
                "pathway__person",
                "Your right to care elsewhere",
                "The right of {name} to care elsewhere",
                describe=queries.words_for_wait_codes,
                field_labels={"breached_on": _("Deadline")},
            ),
        ):
            registry.register_personal_data(section)

        from coproduce.web import tiles as home_tiles

        from . import demo, tiles

        registry.register_demo_generator("guarantees", demo.generate, order=50)
        registry.register_citizen_navigation(
            "guarantees", text=_("My waits"), url_name="guarantees:my-waits"
        )
        registry.register_person_page_link(
            "guarantees",
            text="Open a wait for this person",
            url_name="guarantees:open",
            shown_to=queries.may_open_a_wait,
        )

        home_tiles.register_home_tile(
            "guarantees", home_tiles.CITIZEN, tiles.my_waits_tile, order=10
        )
        home_tiles.register_home_tile(
            "guarantees", home_tiles.STAFF, tiles.waiting_list_tile, order=10
        )
