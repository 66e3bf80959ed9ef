"""Registries that modules fill from their AppConfig.ready(); the core reads them and never
imports a module by name.

- demo generators: each adds its own data to the demo region, in order;
- personal data: every model that holds data about a person, so "My data" exports it all;
- API routers: each module's HTTP endpoints, mounted under /api/;
- person-page links: what staff can do for a person in a module, linked from their record;
- citizen navigation: a module's page for citizens in every page's header (after My data).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoGenerator:
    name: str
    generate: Callable[..., Any]
    order: int = 100


@dataclass(frozen=True)
class PersonalDataSection:
    """Rows of `model` whose `person_field` points at a person are that person's data.
    `describe(field_name, values)` gives the words to show the person for a field's stored
    values (a code such as an event type), as a dict; values it leaves out are shown as
    stored. `title` is what the person reads ("Your waits"); `title_for_others`, with
    `{name}`, what a proxy reads about the person they act for ("{name}'s waits").
    `field_labels` names a column in the person's words where the field's own name would
    mislead them."""

    name: str
    model_label: str
    person_field: str
    title: str
    title_for_others: str
    exclude_fields: tuple[str, ...] = field(default=())
    describe: Callable[[str, set], dict] | None = None
    field_labels: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonPageLink:
    text: str
    url_name: str
    shown_to: Callable[[Any, Any], bool] | None = None


_demo_generators: dict[str, DemoGenerator] = {}
_api_routers: dict[str, str] = {}
_personal_data: dict[str, PersonalDataSection] = {}
_person_page_links: dict[str, PersonPageLink] = {}
_citizen_navigation: dict[str, tuple[Any, str]] = {}


def register_demo_generator(name: str, generate: Callable[..., Any], *, order: int = 100) -> None:
    _demo_generators[name] = DemoGenerator(name=name, generate=generate, order=order)


def demo_generators() -> list[DemoGenerator]:
    return sorted(_demo_generators.values(), key=lambda g: (g.order, g.name))


def register_personal_data(section: PersonalDataSection) -> None:
    _personal_data[section.name] = section


def personal_data_sections() -> list[PersonalDataSection]:
    return list(_personal_data.values())


def register_api_router(dotted_path: str, *, prefix: str = "/") -> None:
    """Mount a module's Django Ninja router (given by its dotted path) under /api/."""
    _api_routers[dotted_path] = prefix


def api_routers() -> list[tuple[str, str]]:
    return list(_api_routers.items())


def register_person_page_link(
    name: str,
    *,
    text: str,
    url_name: str,
    shown_to: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Link from a person's record (for staff) to a module's page; the URL takes the person's
    id as `person_id`. `shown_to(actor, person)` says whether this actor may use the page for
    this person: a link that would answer "Page not found" is a dead end, so it is left out."""
    _person_page_links[name] = PersonPageLink(text=text, url_name=url_name, shown_to=shown_to)


def person_page_links(actor, person) -> list[tuple[str, str]]:
    return [
        (link.text, link.url_name)
        for link in _person_page_links.values()
        if link.shown_to is None or link.shown_to(actor, person)
    ]


def register_citizen_navigation(name: str, *, text: Any, url_name: str) -> None:
    """A header link for people with their own record; `text` may be a lazy translation."""
    _citizen_navigation[name] = (text, url_name)


def citizen_navigation() -> list[tuple[Any, str]]:
    return list(_citizen_navigation.values())
