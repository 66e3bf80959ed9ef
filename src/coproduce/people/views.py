"""People pages: "My data" for a person and for the people they act for (with giving and
taking back consent), and the staff view of a person's record.

Views are thin: every look goes through access_person (which applies the access rule and
writes the audit row), every change through people.actions.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from coproduce import registry
from coproduce.errors import ActionError
from coproduce.web.form_path import confirm, form_errors, posted, submit
from coproduce.web.forms import DatePartsField, GovukErrorsMixin, OnBehalfForm, RecordChoiceField
from coproduce.web.pagination import page_links

from . import actions, person_page
from .access import (
    Access,
    Actor,
    PersonNotFound,
    access_as_citizen,
    access_person,
    audit_look,
    categories_to_act_on_behalf,
    citizen_access,
    current_consents,
    person_access,
)
from .identifiers import spaced_nhs_number
from .models import AuditEvent, Consent, Organisation, Person, RecordCategory, User
from .queries import is_listing, organisations, personal_data
from .sections import record_view

AUDIT_PAGE_SIZE = 25
AUDIT_PAGE = "audit_page"

# Labels where a field's own verbose name would read badly ("Nhs number").
FIELD_LABELS = {
    "nhs_number": gettext_lazy("NHS number"),
    "address_line_1": gettext_lazy("Address line 1"),
    "address_line_2": gettext_lazy("Address line 2"),
    "locality": gettext_lazy("Area"),
    "preferred_channel": gettext_lazy("Contact by"),
    "created_at": gettext_lazy("Record created"),
    "updated_at": gettext_lazy("Record last changed"),
    "is_active": gettext_lazy("Sign-in switched on"),
    "date_joined": gettext_lazy("Sign-in created"),
    "last_login": gettext_lazy("Last signed in"),
}
# Kept in the download, never shown on the page: references between the platform's own rows
# (the person's id, their sign-in's id, shown as the sign-in itself below).
NOT_ON_THE_PAGE = ("id", "user")

# Sections of "My data" that have a page section of their own; the rest are shown as tables.
CONSENTS_SECTION = "consents"
AUDIT_SECTION = "audit_events"
# Sections shown with the consents, under "Who can see the record": who may act, who cares.
ACCESS_SECTIONS = (
    "relationships_acting_for_you",
    "relationships_you_act_for",
    "care_relationships",
)


# --- Showing exported data -------------------------------------------------------------
# personal_data() gives plain JSON values (ids, ISO dates); these read them back and say
# them in words, naming related rows with one query per related field, never per row.


def _label(field: models.Field) -> str:
    return str(FIELD_LABELS.get(field.name, capfirst(field.verbose_name)))


def _read_back(field: models.Field, value: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(field, models.DateTimeField):
        return parse_datetime(value)
    if isinstance(field, models.DateField):
        return parse_date(value)
    return value


def _name(instance: models.Model) -> str:
    """A related row as the person reads it: its `name_for_person` where the model has one
    (a wait is "Physiotherapy at Millbrook Surgery", never its scheme's code), else its
    name."""
    if isinstance(instance, User):
        return instance.get_full_name() or instance.get_username()
    named = getattr(instance, "name_for_person", None)
    if named is not None:
        return str(named)
    return str(instance)


def _related_names(fields: list[models.Field], rows: list[dict]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for field in fields:
        if not field.is_relation:
            continue
        ids = {row[field.attname] for row in rows if row.get(field.attname) is not None}
        if not ids:
            continue
        related = field.related_model._default_manager.filter(pk__in=ids).select_related()
        for instance in related:
            names[(field.attname, str(instance.pk))] = _name(instance)
    return names


def _display(field: models.Field, value: Any, names: dict[tuple[str, str], str]) -> str:
    value = _read_back(field, value)
    if value is None or value == "":
        return ""
    if (field.attname, str(value)) in names:
        return names[(field.attname, str(value))]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name == "nhs_number":
        return spaced_nhs_number(value)
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _summary(model: type[models.Model], row: dict, names=None) -> list[tuple[str, str]]:
    """A summary list's rows (label, value) for one exported row of `model`."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if field.attname in row and field.name not in NOT_ON_THE_PAGE
    ]
    names = _related_names(fields, [row]) if names is None else names
    return [(_label(field), _display(field, row[field.attname], names)) for field in fields]


@dataclass(frozen=True)
class SectionCards:
    """A section of My data on the page: each row of it as a card, titled by its first field,
    with the fields that hold something, in the person's words."""

    name: str
    title: str
    cards: list[tuple[str, list[tuple[str, str]]]]


def _page_fields(section: registry.PersonalDataSection, model) -> list[models.Field]:
    """The fields the page shows, in order: those the section names (page_fields), or every
    field but its own id, the person and the excluded ones."""
    if section.page_fields:
        return [model._meta.get_field(name) for name in section.page_fields]
    skip = {model._meta.pk.name, section.person_field, *section.exclude_fields}
    return [field for field in model._meta.concrete_fields if field.name not in skip]


def _section_cards(
    section: registry.PersonalDataSection, rows: list[dict], access: Access
) -> SectionCards:
    model = apps.get_model(section.model_label)
    fields = _page_fields(section, model)
    names = _related_names(fields, rows)
    if section.describe is not None:
        for field in fields:
            values = {row[field.attname] for row in rows if row[field.attname] is not None}
            for value, words in section.describe(field.name, values).items():
                names[(field.attname, str(value))] = str(words)
    labels = [str(section.field_labels.get(field.name, _label(field))) for field in fields]
    cards = []
    for row in rows:
        values = [_display(field, row[field.attname], names) for field in fields]
        shown = [(label, value) for label, value in zip(labels, values, strict=True) if value]
        cards.append((values[0] or section.title, shown[1:] if values[0] else shown))
    return SectionCards(
        name=section.name,
        title=(
            section.title
            if access.is_self
            else section.title_for_others.format(name=access.person.full_name)
        ),
        cards=cards,
    )


def _consent_rows(rows: list[dict], now: datetime) -> list[dict[str, Any]]:
    fields = [Consent._meta.get_field(name) for name in ("organisation", "category")]
    names = _related_names(fields, rows)
    organisation, category = fields
    shown = []
    for row in sorted(rows, key=lambda row: row["granted_at"], reverse=True):
        granted_at = parse_datetime(row["granted_at"])
        expires_at = parse_datetime(row["expires_at"]) if row["expires_at"] else None
        if row["revoked_at"]:
            status, colour = _("Revoked"), "grey"
        elif expires_at is not None and expires_at <= now:
            status, colour = _("Ended"), "grey"
        elif row["replaced_at"]:
            status, colour = _("Replaced by a newer consent"), "grey"
        elif granted_at > now:
            status, colour = _("Not started yet"), "yellow"
        else:
            status, colour = _("Current"), "green"
        shown.append(
            {
                "id": row["id"],
                "organisation": _display(organisation, row["organisation_id"], names),
                "category": _display(category, row["category"], names),
                "purpose": row["purpose"],
                "since": date_format(timezone.localtime(granted_at), "j F Y"),
                "until": date_format(timezone.localtime(expires_at), "j F Y") if expires_at else "",
                "status": status,
                "status_colour": colour,
                "is_current": colour == "green",
            }
        )
    return shown


def _audit_rows(rows: list[dict]) -> list[dict[str, str]]:
    field = AuditEvent._meta.get_field
    fields = [field(name) for name in ("occurred_at", "organisation", "action", "via")]
    names = _related_names(fields, rows)
    occurred_at, organisation, action, via = fields
    return [
        {
            "when": _display(occurred_at, row["occurred_at"], names),
            "who": row["actor_label"],
            "organisation": _display(organisation, row["organisation_id"], names),
            "what": f"{_display(action, row['action'], names)}: {row['what']}",
            "why": row["why"],
            "via": _display(via, row["via"], names),
        }
        for row in rows
    ]


def _newest_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["occurred_at"], row["id"]), reverse=True)


def _is_list_appearance(row: dict) -> bool:
    return row["action"] == AuditEvent.Action.READ and is_listing(row["what"])


def _list_appearances(rows: list[dict]) -> list[dict[str, Any]]:
    """Appearances in staff lists, one line per organisation and list ("Appeared in a list at
    Millbrook Surgery 24 times, last on ..."), the most recent first."""
    organisation = AuditEvent._meta.get_field("organisation")
    names = _related_names([organisation], rows)
    groups: dict[tuple, dict[str, Any]] = {}
    for row in _newest_first(rows):
        where = _display(organisation, row["organisation_id"], names) or row["actor_label"]
        group = groups.setdefault(
            (where, row["what"]),
            {"where": where, "what": row["what"], "times": 0, "last": row["occurred_at"]},
        )
        group["times"] += 1
    occurred_at = AuditEvent._meta.get_field("occurred_at")
    return [group | {"last": _display(occurred_at, group["last"], {})} for group in groups.values()]


# --- Giving consent --------------------------------------------------------------------


class GiveConsentForm(GovukErrorsMixin, forms.Form):
    organisation = RecordChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("Organisation"),
        empty_label=gettext_lazy("Choose an organisation"),
        error_messages={
            "required": gettext_lazy("Select the organisation you are giving consent to"),
            "invalid_choice": gettext_lazy("Select an organisation from the list"),
        },
    )
    category = forms.ChoiceField(
        choices=RecordCategory.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("Which part of the record can they see?"),
        error_messages={
            "required": gettext_lazy("Select which part of the record they can see"),
            "invalid_choice": gettext_lazy("Select which part of the record they can see"),
        },
    )
    expires = DatePartsField(
        words=gettext_lazy("the end date"),
        required=False,
        label=gettext_lazy("Until when? (optional)"),
    )
    action_fields = {"organisation_id": "organisation", "expires_at": "expires"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations()

    def add_action_error(self, error: ActionError) -> None:
        if not error.fields:
            # A refusal about the consent as a whole ("they can already see these records").
            self.add_error("organisation", error.message)
            return
        super().add_action_error(error)

    def expires_at(self) -> datetime | None:
        """A consent "until 5 March" lasts to the end of 5 March, in the service's time zone."""
        ends_on = self.cleaned_data["expires"]
        if ends_on is None:
            return None
        return timezone.make_aware(datetime.combine(ends_on, time(23, 59, 59)))


class GiveConsentOnBehalfForm(GiveConsentForm, OnBehalfForm):
    """A consent the person gave to staff to record for them, in a category the staff
    member's organisation cares for the person in."""

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (value, label) for value, label in RecordCategory.choices if value in categories
        ]
        self.order_fields(["organisation", "category", "expires", "asked_by", "confirmed"])


# --- My data ---------------------------------------------------------------------------


def _my_data_access(request: HttpRequest, person_id, *, what: str) -> tuple[Actor, Access]:
    """The signed-in citizen's own record, or the record of someone they are a proxy for.

    My data is for the person and their proxies, never for staff (who have the person page).
    """
    actor = Actor.for_web(request)
    return actor, access_as_citizen(actor, person_id, what=what)


def _my_data_url(access: Access, name: str = "my-data", **kwargs) -> str:
    if access.is_self:
        return reverse(f"people:{name}", kwargs=kwargs)
    return reverse(f"people:{name}-for", kwargs={"person_id": access.person.pk, **kwargs})


@never_cache
@login_required
def my_data(request: HttpRequest, person_id=None) -> HttpResponse:
    """Everything held about a person, who may see it, who has looked, and consent."""
    actor = Actor.for_web(request)
    giving_consent = request.method == "POST"
    # Giving consent is checked here (a "view" proxy gets not found) and audited once, by the
    # action; only the page shown is a look.
    access = citizen_access(actor, person_id, write=giving_consent)
    form = GiveConsentForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: actions.grant_consent(
            actor,
            person_id=access.person.pk,
            organisation_id=data["organisation"].pk,
            category=data["category"],
            expires_at=form.expires_at(),
        ),
        success=lambda consent: (
            _("%(organisation)s can now see %(category)s records.")
            % {
                "organisation": consent.organisation.name,
                "category": consent.get_category_display().lower(),
            }
        ),
        redirect_to=_my_data_url(access) + "#consents",
    )
    if done:
        return done

    audit_look(actor, access, what="personal data (My data page)")
    export = personal_data(access)
    sections = {section.name: section for section in registry.personal_data_sections()}
    audit_rows = export.get(AUDIT_SECTION, [])
    listed = [row for row in audit_rows if _is_list_appearance(row)]
    opened = _newest_first([row for row in audit_rows if not _is_list_appearance(row)])
    audit_page = Paginator(opened, AUDIT_PAGE_SIZE).get_page(request.GET.get(AUDIT_PAGE))
    context = {
        "access": access,
        "person": access.person,
        "details": _summary(Person, export["person"]),
        "account": _summary(User, export["account"]) if export.get("account") else None,
        "consents": _consent_rows(export.get(CONSENTS_SECTION, []), timezone.now()),
        "audit": _audit_rows(audit_page.object_list),
        "audit_page": audit_page,
        "audit_page_links": page_links(
            request, audit_page, label=_("Pages of the audit trail"), parameter=AUDIT_PAGE
        ),
        "list_appearances": _list_appearances(listed),
        "about_access": [
            _section_cards(section, export[name], access)
            for name, section in sections.items()
            if name in ACCESS_SECTIONS
        ],
        "tables": [
            _section_cards(section, export[name], access)
            for name, section in sections.items()
            if name not in {CONSENTS_SECTION, AUDIT_SECTION, *ACCESS_SECTIONS}
        ],
        "form": form,
        **form_errors(form),
        "download_url": _my_data_url(access, "my-data-download"),
        "page_url": _my_data_url(access),
    }
    return render(request, "people/my_data.html", context)


ABOUT_THE_FILE = "about_this_file"


def _about_the_file(access: Access) -> dict[str, Any]:
    """What the download's sections and fields are, in the words of the page: the file holds
    every field as stored (names and codes a program reads), and this says what each one is."""

    def fields(model, labels=None) -> dict[str, str]:
        return {
            field.attname: str((labels or {}).get(field.name, _label(field)))
            for field in model._meta.concrete_fields
        }

    about: dict[str, Any] = {
        "person": {"title": _("Details"), "fields": fields(Person)},
        "account": {"title": _("Sign-in"), "fields": fields(User)},
    }
    for section in registry.personal_data_sections():
        model = apps.get_model(section.model_label)
        title = (
            section.title
            if access.is_self
            else section.title_for_others.format(name=access.person.full_name)
        )
        about[section.name] = {"title": str(title), "fields": fields(model, section.field_labels)}
    return about


@never_cache
@login_required
def download_my_data(request: HttpRequest, person_id=None) -> HttpResponse:
    """The same personal_data() as the page, as a JSON file to keep."""
    _actor, access = _my_data_access(request, person_id, what="personal data (download)")
    data = personal_data(access)
    data[ABOUT_THE_FILE] = _about_the_file(access)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"coproduce-my-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def revoke_consent(request: HttpRequest, consent_id: int, person_id=None) -> HttpResponse:
    """Take a consent back, with a check step: the page says what changes (GET), its button
    takes it back at once (POST). Someone else's consent is "not found"."""
    actor = Actor.for_web(request)
    if person_id is None:
        back = reverse("people:my-data") + "#consents"
    else:
        back = reverse("people:my-data-for", kwargs={"person_id": person_id}) + "#consents"
    if request.method == "POST":
        return confirm(
            request,
            lambda: actions.revoke_consent(actor, consent_id=consent_id),
            success=lambda consent: (
                _("You took back consent. %(organisation)s can no longer see %(category)s records.")
                % {
                    "organisation": consent.organisation.name,
                    "category": consent.get_category_display().lower(),
                }
            ),
            redirect_to=back,
        )
    consent = Consent.objects.select_related("organisation").filter(pk=consent_id).first()
    if consent is None or (person_id is not None and consent.person_id != person_id):
        raise PersonNotFound
    access = citizen_access(actor, consent.person_id, write=True)
    if not current_consents(timezone.now()).filter(pk=consent.pk).exists():
        messages.error(request, _("This consent has already ended."))
        return redirect(back)
    audit_look(actor, access, what="consent (taking it back)")
    context = {
        "access": access,
        "person": access.person,
        "consent": consent,
        "category": consent.get_category_display().lower(),
        "back_url": back,
    }
    return render(request, "people/revoke_consent.html", context)


# --- The staff view of a person --------------------------------------------------------


@never_cache
@login_required
def person(request: HttpRequest, person_id) -> HttpResponse:
    """A person's record, for staff of an organisation with consent or a care relationship.

    Without either it is "Page not found", exactly as if the person did not exist. With one,
    the page is its sections (people.person_page: the core's and every module's), each shown
    only when its record category is one the basis is in (people.sections). The look is
    audited once, naming the sections shown.
    """
    actor = Actor.for_web(request)
    access = person_access(actor, person_id)
    view = record_view(actor, access.person)
    shown = person_page.sections_shown(view)
    audit_look(actor, access, what=person_page.audit_words(shown))
    sections, module_links = person_page.render_sections(request, actor, view, access, shown)
    context = {
        "access": access,
        "person": access.person,
        "sections": sections,
        "module_links": module_links,
    }
    return render(request, "people/person.html", context)


@never_cache
@login_required
def give_consent_on_behalf(request: HttpRequest, person_id) -> HttpResponse:
    """Staff record a consent the person gave them (on the phone, at the desk, by letter):
    only where their organisation cares for the person in that category, in the staff
    member's name, and the person is told. A consent to see the person is not enough."""
    actor = Actor.for_web(request)
    categories = categories_to_act_on_behalf(actor, person_id)
    if not categories:
        raise PersonNotFound
    form = GiveConsentOnBehalfForm(posted(request), categories=categories)
    done = submit(
        request,
        form,
        lambda data: actions.grant_consent(
            actor,
            person_id=person_id,
            organisation_id=data["organisation"].pk,
            category=data["category"],
            expires_at=form.expires_at(),
            on_behalf=data["asked_by"],
        ),
        success=lambda consent: (
            _(
                "%(organisation)s can now see the %(category)s records of %(person)s. "
                "They have been told that you recorded it for them."
            )
            % {
                "organisation": consent.organisation.name,
                "category": consent.get_category_display().lower(),
                "person": consent.person.full_name,
            }
        ),
        redirect_to=reverse("people:person", kwargs={"person_id": person_id}),
    )
    if done:
        return done
    access = access_person(actor, person_id, what="consents: recording one for the person")
    context = {
        "person": access.person,
        "form": form,
        **form_errors(form),
        "back_url": reverse("people:person", kwargs={"person_id": person_id}),
    }
    return render(request, "people/give_consent_on_behalf.html", context)
