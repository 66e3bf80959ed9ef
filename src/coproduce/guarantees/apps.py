import os

from django.utils.translation import gettext_lazy as _

from coproduce import modules
from coproduce.modules import (
    DemoStep,
    HomeTileSpec,
    ModuleManifest,
    Navigation,
    PeriodicTask,
    PublicOffer,
)


class GuaranteesConfig(modules.ModuleConfig):
    name = "coproduce.guarantees"
    label = "guarantees"
    verbose_name = "Waiting-time guarantees"

    def manifest(self) -> ModuleManifest:
        from coproduce import registry
        from coproduce.people.models import RecordCategory
        from coproduce.web.tiles import CITIZEN, STAFF

        from . import demo, message_templates, person_section, queries, tiles

        return ModuleManifest(
            name="guarantees",
            url_prefix="waits/",
            urlconf="coproduce.guarantees.urls",
            api_router="coproduce.guarantees.api.router",
            api_prefix="/guarantees/",
            citizen_navigation=(Navigation(_("My waits"), "guarantees:my-waits", order=10),),
            staff_navigation=(
                Navigation(
                    _("Waiting list"),
                    "guarantees:worklist",
                    order=10,
                    shown_to=queries.keeps_a_waiting_list,
                ),
                Navigation(_("Statistics"), "guarantees:statistics", order=20),
            ),
            public_offers=(
                PublicOffer(
                    title=_("Waiting-time guarantees"),
                    text=_(
                        "Services promise how long you will wait at most, and you can see the "
                        "clock on your wait in My waits. If a promise is broken, you can ask "
                        "for care elsewhere. How each service keeps its promises is published "
                        "for everyone."
                    ),
                    url_name="guarantees:statistics",
                    link_text=_("See how long people wait, service by service"),
                    order=10,
                ),
            ),
            home_tiles=(
                HomeTileSpec(CITIZEN, tiles.my_waits_tile, order=10),
                HomeTileSpec(STAFF, tiles.waiting_list_tile, order=10),
            ),
            person_page_links=(
                registry.PersonPageLink(
                    text="Open a wait for this person",
                    url_name="guarantees:open",
                    shown_to=queries.may_open_a_wait,
                ),
            ),
            person_sections=(
                registry.PersonSection(
                    name="waits",
                    heading=_("Waits"),
                    category=RecordCategory.HEALTH,
                    template="guarantees/person_section.html",
                    context=person_section.waits_section,
                    audit_as="waits",
                    order=10,
                ),
            ),
            personal_data=(
                registry.PersonalDataSection(
                    "guarantee_pathways",
                    "guarantees.Pathway",
                    "person",
                    "Your waits",
                    "Waits of {name}",
                    field_labels={
                        "service": _("Waiting for"),
                        "scheme": _("Guarantee"),
                        "created_at": _("Opened on"),
                        "created_by_label": _("Opened by"),
                    },
                    page_fields=("service", "provider", "scheme", "created_at", "created_by_label"),
                ),
                registry.PersonalDataSection(
                    "guarantee_events",
                    "guarantees.PathwayEvent",
                    "pathway__person",
                    "Your waits: what happened",
                    "Waits of {name}: what happened",
                    describe=queries.words_for_wait_codes,
                    field_labels={
                        "type": _("What happened"),
                        "pathway": _("Wait"),
                        "occurred_on": _("On"),
                        "corrects": _("Corrects"),
                        "recorded_at": _("Recorded on"),
                        "recorded_by_label": _("Recorded by"),
                        "source": _("How it was recorded"),
                    },
                    page_fields=(
                        "type",
                        "pathway",
                        "occurred_on",
                        "corrects",
                        "note",
                        "recorded_at",
                        "recorded_by_label",
                        "source",
                    ),
                ),
                registry.PersonalDataSection(
                    "guarantee_rights",
                    "guarantees.Right",
                    "pathway__person",
                    "Your right to care elsewhere",
                    "The right of {name} to care elsewhere",
                    describe=queries.words_for_wait_codes,
                    field_labels={
                        "pathway": _("Wait"),
                        "stage_started_on": _("Clock started"),
                        "breached_on": _("Deadline"),
                        "requested_at": _("Asked on"),
                        "requested_by_label": _("Asked by"),
                        "respond_by": _("Region must offer by"),
                        "offered_provider": _("Offered at"),
                        "offered_at": _("Offered on"),
                        "offered_appointment_on": _("Appointment"),
                        "reply_by": _("Answer by"),
                        "accepted_at": _("Accepted on"),
                        "declined_at": _("Declined on"),
                        "answered_by_label": _("Answered by"),
                        "treated_on": _("Treated on"),
                    },
                    page_fields=(
                        "pathway",
                        "stage",
                        "stage_started_on",
                        "breached_on",
                        "requested_at",
                        "requested_by_label",
                        "respond_by",
                        "offered_provider",
                        "offered_at",
                        "offered_appointment_on",
                        "reply_by",
                        "accepted_at",
                        "declined_at",
                        "answered_by_label",
                        "treated_on",
                    ),
                ),
            ),
            demo=DemoStep(demo.generate, order=50),
            # Rights fire even when no event arrives: every 5 minutes in production.
            periodic_tasks=(
                PeriodicTask(
                    "guarantees-detect-breaches",
                    "coproduce.guarantees.tasks.detect_breaches",
                    float(os.environ.get("BREACH_CHECK_SECONDS", "300")),
                ),
            ),
            message_templates=message_templates.TEMPLATES,
            role_kinds=("clinician", "professional"),
            public_views=("guarantees:statistics", "guarantees:statistics-provider"),
        )

    def module_ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce import events

        from . import actions, domain_events

        events.declare(*domain_events.EVENTS)
        post_migrate.connect(actions.ensure_builtin_schemes, sender=self)
