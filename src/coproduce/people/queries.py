"""The read path for the core. Anything about a named person goes through access_person."""

from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from coproduce import registry
from coproduce.sql_rows import Columns, cursor

from .access import (
    Access,
    Actor,
    audit_row,
    current_consents,
    current_proxy_relationships,
    people_in_organisations_care,
)
from .identifiers import is_valid_nhs_number, normalise_nhs_number
from .models import (
    ApiToken,
    AuditEvent,
    Consent,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    User,
)
from .sections import RecordView

_TOKEN = Columns(ApiToken, "token")
_TOKEN_ORGANISATION = Columns(Organisation, "organisation")


def api_token_with_prefix(prefix: str) -> ApiToken | None:
    """The token (with its organisation) whose public prefix this is. Read for every request
    an API client makes, so in SQL written once rather than built by the ORM each time."""
    with cursor() as reading:
        reading.execute(
            f"SELECT {_TOKEN.select_list()}, {_TOKEN_ORGANISATION.select_list()} "  # noqa: S608 - names are the models', values parameters
            f"FROM {ApiToken._meta.db_table} token "
            f"JOIN {Organisation._meta.db_table} organisation "
            "ON organisation.id = token.organisation_id WHERE token.prefix = %s",
            [prefix],
        )
        row = reading.fetchone()
    if row is None:
        return None
    token = _TOKEN.instance(row[: len(_TOKEN)])
    token.organisation = _TOKEN_ORGANISATION.instance(row[len(_TOKEN) :])
    return token


def consents_for_person(person: Person) -> QuerySet[Consent]:
    return Consent.objects.filter(person=person).select_related("organisation")


def consents_seen_by(view: RecordView) -> QuerySet[Consent]:
    """The person's consents this viewer may see: all of them for the person and their
    proxies; for staff and tokens only those given to their own organisations, since which
    other organisations a person trusts (a hospital, a drug service) says much about them."""
    consents = consents_for_person(view.person)
    if view.is_person_or_proxy:
        return consents
    return consents.filter(organisation_id__in=view.organisation_ids)


def current_consents_for_person(person: Person, at: datetime | None = None) -> QuerySet[Consent]:
    return (
        current_consents(at or timezone.now()).filter(person=person).select_related("organisation")
    )


def audit_trail_for_person(person: Person) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(person=person).select_related("organisation")


def people_acted_for(person: Person, on: date | None = None) -> QuerySet[Relationship]:
    """The relationships in which this person may act for someone else, today."""
    return (
        current_proxy_relationships(on or timezone.localdate())
        .filter(proxy=person)
        .select_related("person")
        .order_by("person__family_name", "person__given_name")
    )


def people_in_care_of(actor: Actor, *, search: str = "") -> QuerySet[Person]:
    """People the actor's organisations may see (people_in_organisations_care). A caseload,
    not a directory: nobody else appears.

    Each person's `nhs_number_shown` is their NHS number where the actor has a health basis
    for them, otherwise None; searching by NHS number finds only those people, so a search
    never confirms a number the actor may not see."""
    now = timezone.now()
    health_basis = Q(pk__in=people_in_organisations_care(actor, RecordCategory.HEALTH, now))
    people = people_in_organisations_care(actor, at=now).annotate(
        nhs_number_shown=Case(When(health_basis, then=F("nhs_number")), default=None)
    )
    if is_valid_nhs_number(search):
        # As pages write it ("943 476 5919"), or as typed without spaces.
        people = people.filter(nhs_number_shown=normalise_nhs_number(search))
        return people.order_by("family_name", "given_name", "id")
    for word in search.split()[:4]:
        people = people.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(nhs_number_shown=word)
        )
    return people.order_by("family_name", "given_name", "id")


def is_listing(what: str) -> bool:
    """Whether an audit row's `what` is an appearance in a list (see audit_listing)."""
    return what.endswith("list)") or "list (" in what


def audit_listing(
    actor: Actor,
    people: list[Person],
    *,
    what: str,
    why: str = "Listed in the organisation's caseload",
) -> None:
    """A list of names is a look at each record in it. `what` ends by saying it was a list
    ("... (caseload list)"): My data groups a person's appearances in lists (is_listing) apart
    from the times their record was opened."""
    # Whose list it was, when the actor works for one organisation: "in Millbrook Surgery's
    # caseload" is what the person needs to read.
    organisations_of_actor = {role.organisation_id: role.organisation for role in actor.roles}
    organisation = (
        next(iter(organisations_of_actor.values())) if len(organisations_of_actor) == 1 else None
    )
    rows = [
        audit_row(
            actor,
            person=person,
            action=AuditEvent.Action.READ,
            what=what,
            why=why,
            organisation=organisation,
        )
        for person in people
    ]
    AuditEvent.objects.bulk_create([row for row in rows if row is not None])


def organisations(*, kind: str | None = None) -> QuerySet[Organisation]:
    found = Organisation.objects.select_related("locality", "parent")
    if kind:
        found = found.filter(kind=kind)
    return found.order_by("name")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _row(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        row[field.attname] = _plain(getattr(instance, field.attname))
    return row


ACCOUNT_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "date_joined",
    "last_login",
    "is_active",
)


def personal_data(access: Access) -> dict[str, Any]:
    """Everything the platform holds about a person, section by section.

    Every model that registers itself as personal data is included whole (every concrete
    field), so a new module's data appears here as soon as it registers.
    """
    person = access.person
    export: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "person": _row(person),
    }
    user: User | None = person.user
    export["account"] = (
        {name: _plain(getattr(user, name)) for name in ACCOUNT_FIELDS} if user else None
    )
    for section in registry.personal_data_sections():
        model = apps.get_model(section.model_label)
        rows = model._default_manager.filter(**{section.person_field: person}).order_by("pk")
        export[section.name] = [_row(row, section.exclude_fields) for row in rows]
    return export
