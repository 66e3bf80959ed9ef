"""Registries that modules fill from their AppConfig.ready(); the core reads them and never
imports a module by name.

- demo generators: each adds its own data to the demo region, in order;
- personal data: every model that holds data about a person, so "My data" exports it all;
- API routers: each module's HTTP endpoints, mounted under /api/;
- person-page links: what staff can do for a person in a module, linked from their record;
- person-page sections: what a module knows about a person, a section of their record;
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
    `field_labels` names a field in the person's words where its own name would mislead
    them. `page_fields` are the fields the My data page shows, in order, the first as each
    row's title (the download holds every field): leave out what only the platform reads
    (keys, references between its rows), so no internal code reaches the person."""

    name: str
    model_label: str
    person_field: str
    title: str
    title_for_others: str
    exclude_fields: tuple[str, ...] = field(default=())
    describe: Callable[[str, set], dict] | None = None
    field_labels: dict[str, Any] = field(default_factory=dict)
    page_fields: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class PersonPageLink:
    text: str
    url_name: str
    shown_to: Callable[[Any, Any], bool] | None = None


@dataclass(frozen=True)
class PersonSection:
    """A section of a person's record page (people:person): what a module knows about the
    person. `heading` may be a lazy translation; `category` is the record category it is in
    (a RecordCategory value, or people.sections.ANY_BASIS): someone without a basis in it
    never sees the section, nor learns that it exists. `context(actor, view, access)` (view:
    people.sections.RecordView) gives what `template` renders; `audit_as` names the section
    in the audit row the person reads ("waits"). Lower `order` comes first: the core's
    summary is 0, its consents 60, the people who can act for the person 70, messages 80.
    `name` is the section's anchor on the page; `module` is filled in when it is installed,
    so that the module's person-page links are shown in its section."""

    name: str
    heading: Any
    category: str
    template: str
    context: Callable[[Any, Any, Any], dict]
    audit_as: str
    order: int = 100
    module: str = ""


_demo_generators: dict[str, DemoGenerator] = {}
_api_routers: dict[str, str] = {}
_personal_data: dict[str, PersonalDataSection] = {}
_person_page_links: dict[str, PersonPageLink] = {}
_person_sections: dict[str, PersonSection] = {}
_citizen_navigation: dict[str, tuple[int, Any, str]] = {}


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
    return [link for links in person_page_links_by_module(actor, person).values() for link in links]


def person_page_links_by_module(actor, person) -> dict[str, list[tuple[str, str]]]:
    """The links shown to this actor for this person, (text, url_name), by module (links are
    registered under "module:position"), in the order modules were installed."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, link in _person_page_links.items():
        if link.shown_to is None or link.shown_to(actor, person):
            found.setdefault(name.split(":", 1)[0], []).append((link.text, link.url_name))
    return found


def register_person_section(section: PersonSection) -> None:
    _person_sections[f"{section.module}:{section.name}"] = section


def person_sections() -> list[PersonSection]:
    """Every module's section of the person page, in order."""
    return sorted(_person_sections.values(), key=lambda section: (section.order, section.name))


def register_citizen_navigation(name: str, *, text: Any, url_name: str, order: int = 100) -> None:
    """A header link for people with their own record; `text` may be a lazy translation;
    lower `order` comes first."""
    _citizen_navigation[name] = (order, text, url_name)


def citizen_navigation() -> list[tuple[Any, str]]:
    """(text, url_name) of every header link for citizens, in order (then as registered)."""
    links = sorted(_citizen_navigation.values(), key=lambda link: link[0])
    return [(text, url_name) for _order, text, url_name in links]
