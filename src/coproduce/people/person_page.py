"""The sections of a person's record page (people:person): the core's own (the summary, the
consents the viewer's organisation was given, the people who can act for the person, the
messages sent) and every module's (registry.person_sections, from the manifests), in order.

A section is shown only when the viewer may see its record category (sections.RecordView);
one they may not see is left out altogether. The page is one look, audited once, and the
audit row names the sections shown (docs/security.md, "Seeing a person").
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce import registry
from coproduce.messaging.queries import messages_seen_by
from coproduce.registry import PersonSection

from .access import Access, Actor, categories_to_act_on_behalf, current_proxy_relationships
from .models import Consent
from .sections import ANY_BASIS, RecordView

MESSAGES_SHOWN = 20


def _summary(actor: Actor, view: RecordView, access: Access) -> dict:
    return {"shows_nhs_number": view.shows_field("nhs_number")}


def _consent_status(consent: Consent, now) -> tuple[str, str]:
    """What a consent is now, in words, with its tag colour."""
    if consent.revoked_at is not None:
        day = date_format(timezone.localtime(consent.revoked_at), "j F Y")
        return _("Taken back on %(date)s") % {"date": day}, "grey"
    if consent.replaced_at is not None:
        return _("Replaced by a newer consent"), "grey"
    if consent.expires_at is not None and consent.expires_at <= now:
        day = date_format(timezone.localtime(consent.expires_at), "j F Y")
        return _("Ended on %(date)s") % {"date": day}, "grey"
    if consent.granted_at > now:
        day = date_format(timezone.localtime(consent.granted_at), "j F Y")
        return _("Starts on %(date)s") % {"date": day}, "yellow"
    return _("Current"), "green"


def _consents(actor: Actor, view: RecordView, access: Access) -> dict:
    from .queries import consents_seen_by

    now = timezone.now()
    consents = consents_seen_by(view).order_by("-granted_at", "-pk")
    return {
        "consents": [(consent, *_consent_status(consent, now)) for consent in consents],
        "may_record_consent": bool(categories_to_act_on_behalf(actor, view.person.pk)),
    }


def _people_who_act(actor: Actor, view: RecordView, access: Access) -> dict:
    relationships = (
        current_proxy_relationships(timezone.localdate())
        .filter(person=view.person)
        .select_related("proxy")
        .order_by("proxy__family_name", "proxy__given_name", "pk")
    )
    return {"relationships": list(relationships)}


def _messages(actor: Actor, view: RecordView, access: Access) -> dict:
    sent = messages_seen_by(actor, view.person)
    return {"messages_sent": list(sent[:MESSAGES_SHOWN]), "messages_total": sent.count()}


def _core_section(name: str, heading, context, *, audit_as: str, order: int) -> PersonSection:
    """One of the core's sections: any basis shows it; its template is named after it."""
    return PersonSection(
        name=name,
        heading=heading,
        category=ANY_BASIS,
        template=f"people/person_sections/{name.replace('-', '_')}.html",
        context=context,
        audit_as=audit_as,
        order=order,
    )


CORE_SECTIONS = (
    _core_section("summary", gettext_lazy("Summary"), _summary, audit_as="summary", order=0),
    _core_section(
        "consents",
        gettext_lazy("Consents"),
        _consents,
        audit_as="consents to the organisation",
        order=60,
    ),
    _core_section(
        "people-who-act",
        gettext_lazy("People who can act for them"),
        _people_who_act,
        audit_as="people who can act for them",
        order=70,
    ),
    _core_section(
        "messages", gettext_lazy("Messages sent"), _messages, audit_as="messages", order=80
    ),
)


def sections_shown(view: RecordView) -> list[PersonSection]:
    """The sections this viewer may see, in order: the core's and every module's."""
    every = sorted(
        (*CORE_SECTIONS, *registry.person_sections()),
        key=lambda section: (section.order, section.name),
    )
    return [section for section in every if view.shows(section.category)]


def audit_words(sections: list[PersonSection]) -> str:
    """What the person reads in their audit trail for this look."""
    return "record: " + ", ".join(section.audit_as for section in sections)


@dataclass(frozen=True)
class ShownSection:
    name: str
    heading: str
    html: SafeString
    # What the viewer may do here (the module's person-page links), after the section.
    links: list[tuple[str, str]]


def render_sections(
    request: HttpRequest, actor: Actor, view: RecordView, access: Access, shown
) -> tuple[list[ShownSection], list[tuple[str, str]]]:
    """Each section rendered with its template (a module's person-page links at its end),
    and the links of modules with no section shown here, for the top of the page."""

    def urls(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(text, reverse(url, kwargs={"person_id": view.person.pk})) for text, url in links]

    links = registry.person_page_links_by_module(actor, view.person)
    rendered = []
    for section in shown:
        context = {
            **section.context(actor, view, access),
            "person": view.person,
            "access": access,
            "view": view,
        }
        html = SafeString(render_to_string(section.template, context, request=request))
        own_links = urls(links.pop(section.module, [])) if section.module else []
        rendered.append(ShownSection(section.name, str(section.heading), html, own_links))
    return rendered, urls([link for rest in links.values() for link in rest])
