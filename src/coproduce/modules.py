"""Modules: each app that adds a service to the platform declares everything it adds in one
manifest, and the core reads manifests. Apart from the one list of installed modules
(settings.COPRODUCE_MODULES), no core file names a module.

A module's AppConfig subclasses ModuleConfig (as `modules.ModuleConfig`: Django takes an
apps.py's only AppConfig class, and a second name imported there would make it choose none)
and returns its manifest:

    class WaitsConfig(modules.ModuleConfig):
        name = "coproduce.waits"

        def manifest(self) -> ModuleManifest:
            from . import demo, tiles
            return ModuleManifest(
                name="waits",
                url_prefix="waits/", urlconf="coproduce.waits.urls",
                api_router="coproduce.waits.api.router",
                citizen_navigation=(Navigation(_("My waits"), "waits:mine", order=10),),
                home_tiles=(HomeTileSpec(tiles.CITIZEN, tiles.my_waits, order=10),),
                periodic_tasks=(PeriodicTask("waits-check", "coproduce.waits.tasks.check", 300),),
                ...
            )

`manifest()` runs in ready(), when models can be imported. What a manifest declares is put
into the registries (coproduce.registry, coproduce.web.tiles) that pages, the API, the demo,
the beat schedule and the event bus read. docs/modules.md shows a whole module.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.urls import URLPattern, URLResolver, include, path

from . import events, registry
from .messaging import message_templates


@dataclass(frozen=True)
class Navigation:
    """A header link; `text` may be a lazy translation; lower `order` comes first. For staff
    navigation, `shown_to(actor)` leaves the link out for staff whose work it is not."""

    text: Any
    url_name: str
    order: int = 100
    shown_to: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class PublicOffer:
    """What the module does, in words, on the public home and About pages: `title` and
    `text` (lazy translations allowed), and a page anyone may open (`url_name`, no
    arguments) with the words of the link to it."""

    title: Any
    text: Any
    url_name: str = ""
    link_text: Any = ""
    order: int = 100


@dataclass(frozen=True)
class HomeTileSpec:
    """A tile on the citizen or the staff home: `build(actor)` gives a web.tiles.Tile, or None
    when the module has nothing to show this actor."""

    audience: str
    build: Callable[[Any], Any]
    order: int = 100


@dataclass(frozen=True)
class PeriodicTask:
    """A Celery task that `celery beat` runs every `every_seconds`."""

    name: str
    task: str
    every_seconds: float


@dataclass(frozen=True)
class EventSubscription:
    """Call `handler(event)` for every domain event whose name matches `pattern`."""

    pattern: str
    handler: Callable[[Any], None]


@dataclass(frozen=True)
class DemoStep:
    """Adds the module's part of the demo region; steps run in `order` (people first, at 0)."""

    generate: Callable[..., Any]
    order: int = 100


@dataclass(frozen=True)
class ModuleManifest:
    name: str
    # Pages: included at url_prefix ("waits/"); the urlconf's app_name is its namespace.
    url_prefix: str = ""
    urlconf: str = ""
    # The Django Ninja router (dotted path), mounted under /api/<api_prefix>.
    api_router: str = ""
    api_prefix: str = "/"
    citizen_navigation: tuple[Navigation, ...] = ()
    staff_navigation: tuple[Navigation, ...] = ()
    home_tiles: tuple[HomeTileSpec, ...] = ()
    # What staff can do for a person here, linked from the person's record (in the module's
    # section of it, when it has one).
    person_page_links: tuple[registry.PersonPageLink, ...] = ()
    # What the module knows about a person, as sections of their record (waits, plans...).
    person_sections: tuple[registry.PersonSection, ...] = ()
    # Every model holding data about a person, for My data and its download.
    personal_data: tuple[registry.PersonalDataSection, ...] = ()
    demo: DemoStep | None = None
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    event_subscriptions: tuple[EventSubscription, ...] = ()
    # The people.Role kinds the module's staff pages are for (checked to exist).
    role_kinds: tuple[str, ...] = ()
    # Pages anyone may open, also staff who have not finished two-factor sign-in.
    public_views: tuple[str, ...] = ()
    # What the public home and About pages say the module offers.
    public_offers: tuple[PublicOffer, ...] = ()
    # The messages the module sends (messaging.message_templates.MessageTemplate), by name.
    message_templates: tuple[Any, ...] = ()
    # What the module publishes as open data (filled by the open-data module).
    open_data_publishers: tuple[Callable[..., Any], ...] = field(default=())


_manifests: dict[str, ModuleManifest] = {}


def install(manifest: ModuleManifest) -> None:
    """Put what a module declares into the registries the core reads (once per module)."""
    from coproduce.web import tiles

    if manifest.name in _manifests:
        return
    _manifests[manifest.name] = manifest
    name = manifest.name
    if manifest.api_router:
        registry.register_api_router(manifest.api_router, prefix=manifest.api_prefix)
    for position, link in enumerate(manifest.citizen_navigation):
        registry.register_citizen_navigation(
            f"{name}:{position}", text=link.text, url_name=link.url_name, order=link.order
        )
    for position, tile in enumerate(manifest.home_tiles):
        tiles.register_home_tile(f"{name}:{position}", tile.audience, tile.build, order=tile.order)
    for position, page_link in enumerate(manifest.person_page_links):
        registry.register_person_page_link(
            f"{name}:{position}",
            text=page_link.text,
            url_name=page_link.url_name,
            shown_to=page_link.shown_to,
        )
    for section in manifest.person_sections:
        registry.register_person_section(dataclasses.replace(section, module=name))
    for section in manifest.personal_data:
        registry.register_personal_data(section)
    if manifest.demo is not None:
        registry.register_demo_generator(name, manifest.demo.generate, order=manifest.demo.order)
    for subscription in manifest.event_subscriptions:
        events.subscribe(subscription.pattern)(subscription.handler)
    message_templates.register(manifest.message_templates)


def manifests() -> list[ModuleManifest]:
    return list(_manifests.values())


def url_patterns() -> list[URLPattern | URLResolver]:
    """Every module's pages, at its prefix."""
    return [
        path(manifest.url_prefix, include(manifest.urlconf))
        for manifest in manifests()
        if manifest.urlconf
    ]


def beat_schedule() -> dict[str, dict[str, Any]]:
    """What `celery beat` runs, from every module's periodic tasks."""
    return {
        task.name: {"task": task.task, "schedule": task.every_seconds}
        for manifest in manifests()
        for task in manifest.periodic_tasks
    }


def public_views() -> frozenset[str]:
    return frozenset(view for manifest in manifests() for view in manifest.public_views)


def staff_navigation(actor=None) -> list[Navigation]:
    """Every module's staff links, in order; given an actor, only the links shown to them."""
    links = [
        link
        for manifest in manifests()
        for link in manifest.staff_navigation
        if actor is None or link.shown_to is None or link.shown_to(actor)
    ]
    return sorted(links, key=lambda link: link.order)


def public_offers() -> list[PublicOffer]:
    offers = [offer for manifest in manifests() for offer in manifest.public_offers]
    return sorted(offers, key=lambda offer: offer.order)


def check_manifests(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A module asks only for role kinds the platform has (people.Role.Kind)."""
    from coproduce.people.models import Role

    return [
        checks.Error(
            f"The {manifest.name} module needs the role kind {kind!r}, which does not exist.",
            hint="Use one of: " + ", ".join(Role.Kind.values),
            id="coproduce.E010",
        )
        for manifest in manifests()
        for kind in manifest.role_kinds
        if kind not in Role.Kind.values
    ]


class ModuleConfig(AppConfig):
    """The AppConfig of a module: `manifest()` says what it adds; `module_ready()` is for
    what a manifest cannot say (signal receivers)."""

    def manifest(self) -> ModuleManifest:
        raise NotImplementedError(f"{self.name} must say what it adds: define manifest().")

    def module_ready(self) -> None:
        """Connect signals and the like; nothing by default."""

    def ready(self) -> None:
        install(self.manifest())
        self.module_ready()
