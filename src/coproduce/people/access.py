"""The access rule, in one place, for every module.

- A citizen sees their own record, and the records of people they are a current proxy for.
- Staff (and an organisation's API token) see a person only through a current consent to, or
  a current care relationship with, an organisation they act for.
- Anything else is "not found" (404), so nobody learns that a record exists.

Every look by someone other than the person is written to the audit trail.

One rule for one and many: find_access and categories_visible answer for one person;
people_visible_to and people_in_organisations_care answer the same question for a list, in
one query. organisation_and_children is the one organisation-tree query.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from django.db.models import Q, QuerySet, TextChoices
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.errors import invalid_fields
from coproduce.sql_rows import Columns, among, cursor, parameter

from .models import (
    ApiToken,
    AuditEvent,
    CareRelationship,
    Consent,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
    User,
)


class PersonNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("No person was found with that reference.")


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user, an organisation's API token, or the platform itself."""

    user: User | None = None
    token: ApiToken | None = None
    via: str = AuditEvent.Via.WEB

    @classmethod
    def system(cls) -> "Actor":
        return cls(via=AuditEvent.Via.SYSTEM)

    @classmethod
    def for_web(cls, request) -> "Actor":
        """Whoever is signed in to the website for this request."""
        return cls(user=request.user, via=AuditEvent.Via.WEB)

    @cached_property
    def own_person(self) -> Person | None:
        if self.user is None or not self.user.is_authenticated:
            return None
        return Person.objects.filter(user=self.user).first()

    @cached_property
    def roles(self) -> list[Role]:
        """The staff roles this user holds today."""
        if self.user is None or not self.user.is_authenticated:
            return []
        return list(current_roles(self.user).select_related("organisation").order_by("pk"))

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        """The organisations this actor acts for today."""
        if self.token is not None:
            return frozenset({self.token.organisation_id})
        return frozenset(role.organisation_id for role in self.roles)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.organisation_ids)

    @property
    def is_system(self) -> bool:
        return self.user is None and self.token is None

    def label_at(self, organisation: Organisation | None = None) -> str:
        """Who this is, as the audit trail shows it: name, role and organisation."""
        if self.token is not None:
            return f"{self.token.organisation.name} system ({self.token.name})"
        if self.user is None:
            return "Coproduce (automatic)"
        name = self.user.get_full_name() or self.user.get_username()
        roles = [
            r for r in self.roles if organisation is None or r.organisation_id == organisation.pk
        ]
        if roles:
            return f"{name}, {roles[0].get_kind_display()}, {roles[0].organisation.name}"
        return name


def current_roles(user: User, on: date | None = None):
    on = on or timezone.localdate()
    return Role.objects.filter(user=user, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def current_consents(at: datetime):
    return Consent.objects.filter(
        revoked_at__isnull=True, replaced_at__isnull=True, granted_at__lte=at
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def current_care_relationships(on: date):
    return CareRelationship.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def current_proxy_relationships(on: date):
    return Relationship.objects.filter(starts_on__lte=on, ends_on__gt=on)


def organisation_and_children(organisation_ids: Iterable[int]) -> QuerySet[Organisation]:
    """These organisations and their child organisations (a trust's hospitals): the tree a
    member of staff works in, for lists and filters (`provider__in=...`)."""
    ids = list(organisation_ids)
    return Organisation.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids))


def in_organisation_tree(organisation: Organisation, organisation_ids: Iterable[int]) -> bool:
    """organisation_and_children for one organisation, without a query."""
    ids = frozenset(organisation_ids)
    return organisation.pk in ids or organisation.parent_id in ids


def _organisations_consents(organisation_ids, at: datetime, category: str | None):
    consents = current_consents(at).filter(organisation_id__in=organisation_ids)
    return consents if category is None else consents.filter(category=category)


def _organisations_care(organisation_ids, on: date, category: str | None):
    caring = current_care_relationships(on).filter(organisation_id__in=organisation_ids)
    return caring if category is None else caring.filter(category=category)


def people_in_organisations_care(
    actor: Actor, category: str | None = None, at: datetime | None = None
) -> QuerySet[Person]:
    """The staff side of the rule, in bulk: people the actor's organisations may see (in
    `category`, or in any) through a current consent or care relationship. Staff lists
    (a caseload, a waiting list, an import) show these and nobody else: a member of staff
    who is also someone's proxy does not find that person in their organisation's lists."""
    org_ids = actor.organisation_ids
    if not org_ids:
        return Person.objects.none()
    at = at or timezone.now()
    consenting = _organisations_consents(org_ids, at, category)
    caring = _organisations_care(org_ids, timezone.localdate(at), category)
    return Person.objects.filter(
        Q(pk__in=consenting.values("person_id")) | Q(pk__in=caring.values("person_id"))
    )


def in_organisations_care_among(
    actor: Actor, person_ids: Iterable, category: str | None = None, at: datetime | None = None
) -> set:
    """people_in_organisations_care among these people only (their ids): it reads these
    people's care relationships, then the consents of those not found, never the
    organisations' whole caseload (a hospital's, for each check-in a device sends). Asked for
    every check-in a device gateway sends, so in SQL written once (coproduce.sql_rows), with
    the same conditions as current_care_relationships and current_consents
    (tests/people/test_access_agreement.py holds them together)."""
    org_ids = sorted(actor.organisation_ids)
    wanted = set(person_ids)
    if not org_ids or not wanted:
        return set()
    at = at or timezone.now()
    found = _among(CareRelationship, wanted, org_ids, category, timezone.localdate(at))
    if wanted - found:
        found |= _among(Consent, wanted - found, org_ids, category, at)
    return found


# Current as in current_care_relationships(on) and current_consents(at): the condition (the
# moment asked at, twice), and the field whose type that moment has.
_CURRENT = {
    CareRelationship: ("starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)", "starts_on"),
    Consent: (
        "revoked_at IS NULL AND replaced_at IS NULL AND granted_at <= %s "
        "AND (expires_at IS NULL OR expires_at > %s)",
        "granted_at",
    ),
}
_PERSON_OF = {model: Columns(model, "", only=["person"]) for model in _CURRENT}


def _among(model, person_ids: set, org_ids, category, moment) -> set:
    """The people among person_ids with a current row of `model` (care or consent) at one of
    org_ids, in `category` or in any."""
    current, when_field_name = _CURRENT[model]
    person_field = model._meta.get_field("person")
    people = [parameter(person_field, pk) for pk in person_ids]
    when_field = model._meta.get_field(when_field_name)
    at_organisations, organisation_parameters = among("organisation_id", org_ids)
    whose, person_parameters = among("person_id", people)
    conditions = [current, at_organisations, whose]
    parameters = [
        parameter(when_field, moment),
        parameter(when_field, moment),
        *organisation_parameters,
        *person_parameters,
    ]
    if category is not None:
        conditions.append("category = %s")
        parameters.append(category)
    columns = _PERSON_OF[model]
    with cursor() as reading:
        reading.execute(
            f"SELECT person_id FROM {model._meta.db_table} WHERE {' AND '.join(conditions)}",  # noqa: S608 - names are the models', values parameters
            parameters,
        )
        return {columns.values(row)[0] for row in reading.fetchall()}


def people_visible_to(
    actor: Actor, category: str | None = None, at: datetime | None = None
) -> QuerySet[Person]:
    """find_access in bulk: everyone the actor may see (in `category`, or in any): themself,
    the people they are a current proxy for, and people_in_organisations_care. A person is
    here exactly when find_access finds a basis (tests/people/test_access_agreement.py)."""
    at = at or timezone.now()
    own = actor.own_person
    staff = people_in_organisations_care(actor, category, at)
    if own is None:
        return staff
    acted_for = current_proxy_relationships(timezone.localdate(at)).filter(proxy=own)
    return Person.objects.filter(
        Q(pk=own.pk) | Q(pk__in=acted_for.values("person_id")) | Q(pk__in=staff.values("pk"))
    )


@dataclass(frozen=True)
class Access:
    """Why an actor may see a person: kept so the audit row can say it."""

    person: Person
    basis: str
    organisation: Organisation | None = None
    can_act: bool = False
    # How the person asked, when staff made one of the person's own choices for them.
    on_behalf: str = ""

    @property
    def is_self(self) -> bool:
        return self.basis == "self"


def find_access(
    actor: Actor, person: Person, *, category: str | None = None, at: datetime | None = None
) -> Access | None:
    """The actor's basis for seeing this person's record (or one category of it), or None."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    own = actor.own_person
    if own is not None and own.pk == person.pk:
        return Access(person=person, basis="self", can_act=True)
    if own is not None:
        rows = (
            current_proxy_relationships(today)
            .filter(person=person, proxy=own)
            .values_list("scope", "kind")
        )
        kind_by_scope = dict(rows)
        if kind_by_scope:
            manage = Relationship.Scope.MANAGE in kind_by_scope
            kind = (
                kind_by_scope.get(Relationship.Scope.MANAGE)
                or kind_by_scope[Relationship.Scope.VIEW]
            )
            label = Relationship.Kind(kind).label.lower()
            return Access(person=person, basis=f"Acting as {label}", can_act=manage)
    org_ids = actor.organisation_ids
    if not org_ids:
        return None
    consent = (
        _organisations_consents(org_ids, at, category)
        .filter(person=person)
        .select_related("organisation")
        .order_by("granted_at")
        .first()
    )
    if consent is not None:
        return Access(
            person=person,
            basis=f"Consent to see {consent.get_category_display().lower()} records",
            organisation=consent.organisation,
            can_act=True,
        )
    care = (
        _organisations_care(org_ids, today, category)
        .filter(person=person)
        .select_related("organisation")
        .order_by("starts_on")
        .first()
    )
    if care is not None:
        return Access(
            person=person,
            basis=f"Care relationship: {care.reason}",
            organisation=care.organisation,
            can_act=True,
        )
    return None


def is_person_or_proxy(actor: Actor, person_id, *, on: date | None = None) -> bool:
    """Whether the actor is the person themself or one of their current proxies (either
    scope): the citizen side of the rule, as opposed to a staff basis."""
    own = actor.own_person
    if own is None:
        return False
    if own.pk == person_id:
        return True
    on = on or timezone.localdate()
    return current_proxy_relationships(on).filter(person_id=person_id, proxy=own).exists()


def categories_visible(
    actor: Actor, person: Person, *, at: datetime | None = None
) -> frozenset[str]:
    """The record categories of this person the actor may see: every one for the person and
    their current proxies; for staff and tokens, the categories of their organisations'
    current consents and care relationships. Identity and contact details (the core record)
    need any basis at all; everything else is shown only in a category listed here."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    if is_person_or_proxy(actor, person.pk, on=today):
        return frozenset(RecordCategory.values)
    org_ids = actor.organisation_ids
    if not org_ids:
        return frozenset()
    consented = _organisations_consents(org_ids, at, None).filter(person=person)
    caring = _organisations_care(org_ids, today, None).filter(person=person)
    return frozenset(consented.values_list("category", flat=True)) | frozenset(
        caring.values_list("category", flat=True)
    )


class AskedBy(TextChoices):
    """How a person asked a member of staff to make one of their choices for them."""

    PHONE = "phone", _("by phone")
    IN_PERSON = "in_person", _("in person")
    LETTER = "letter", _("by letter")
    EMAIL = "email", _("by email")


def _care_to_act_on_behalf(actor: Actor, person_id, category: str) -> CareRelationship | None:
    """The care relationship that lets staff make a person's choice for them, if any: tokens
    never may, and a consent to see is not enough."""
    if actor.token is not None or not actor.organisation_ids:
        return None
    return (
        current_care_relationships(timezone.localdate())
        .filter(person_id=person_id, organisation_id__in=actor.organisation_ids, category=category)
        .select_related("organisation")
        .order_by("starts_on", "pk")
        .first()
    )


def may_act_on_behalf(actor: Actor, person_id, *, category: str) -> bool:
    """Whether staff may make this person's choices in `category` for them, when the person
    asks (act_for_person): for pages to offer the form only to those who may send it."""
    return _care_to_act_on_behalf(actor, person_id, category) is not None


def categories_to_act_on_behalf(actor: Actor, person_id) -> list[str]:
    """The record categories in which staff may make this person's choices for them (their
    organisations' current care relationships with the person), for a form's choices."""
    if actor.token is not None or not actor.organisation_ids:
        return []
    caring = current_care_relationships(timezone.localdate()).filter(
        person_id=person_id, organisation_id__in=actor.organisation_ids
    )
    return sorted(set(caring.values_list("category", flat=True)))


def act_for_person(
    actor: Actor,
    person_id,
    *,
    category: str,
    what: str,
    on_behalf: str | None = None,
) -> Access:
    """Make one of the person's own choices (asking for care elsewhere, answering an offer,
    giving or taking back consent), auditing it; otherwise raise PersonNotFound.

    Seeing a person is not acting for them. The person and a proxy with the `manage` scope
    may act. Staff may act only on the person's behalf (`on_behalf` says how the person
    asked: an AskedBy value) and only with a current care relationship in `category` — a
    consent to see is not enough. An API token never acts for a person. Staff writes are
    audited naming the staff member and how the person asked; the caller tells the person.
    """
    if on_behalf is not None and on_behalf not in AskedBy.values:
        raise invalid_fields(
            {"asked_by": ["Say how the person asked: " + ", ".join(AskedBy.values)]}
        )
    person = Person.objects.filter(pk=person_id).select_related("locality", "user").first()
    if person is None:
        raise PersonNotFound
    today = timezone.localdate()
    own = actor.own_person
    if own is not None and own.pk == person.pk:
        return Access(person=person, basis="self", can_act=True)
    if own is not None:
        kind = (
            current_proxy_relationships(today)
            .filter(person=person, proxy=own, scope=Relationship.Scope.MANAGE)
            .values_list("kind", flat=True)
            .first()
        )
        if kind is not None:
            label = Relationship.Kind(kind).label.lower()
            access = Access(person=person, basis=f"Acting as {label}", can_act=True)
            record_audit(
                actor, person=person, action=AuditEvent.Action.WRITE, what=what, why=access.basis
            )
            return access
    care = _care_to_act_on_behalf(actor, person.pk, category) if on_behalf else None
    if care is None:
        raise PersonNotFound
    access = Access(
        person=person,
        basis=(
            f"On the person's behalf, asked {AskedBy(on_behalf).label}. "
            f"Care relationship: {care.reason}"
        ),
        organisation=care.organisation,
        can_act=True,
        on_behalf=on_behalf,
    )
    record_audit(
        actor,
        person=person,
        action=AuditEvent.Action.WRITE,
        what=what,
        why=access.basis,
        organisation=care.organisation,
    )
    return access


def acted_by_label(actor: Actor, access: Access) -> str:
    """Who made one of the person's choices, as records of it say: the person, their proxy,
    or the staff member on their behalf (never "Coproduce (automatic)" for a human)."""
    own = actor.own_person
    if access.is_self and own is not None:
        return own.full_name[:300]
    if access.on_behalf:
        asked = AskedBy(access.on_behalf).label
        label = f"{actor.label_at(access.organisation)}, on the person's behalf (asked {asked})"
        return label[:300]
    if own is not None:
        return f"{own.full_name}, {access.basis.lower()}"[:300]
    return actor.label_at(access.organisation)[:300]


def person_access(
    actor: Actor, person_id, *, category: str | None = None, write: bool = False
) -> Access:
    """The access rule alone, writing no audit row: the actor's Access to this person (or one
    category of their record), or PersonNotFound.

    A write also needs the right to act (a proxy with the "manage" scope, staff, or the
    person). A page that shows the record audits the look (access_person, audit_look); a web
    write checks here first and leaves the one audit row to its action, so a change is audited
    once and a refused or not-found request not at all (docs/security.md).
    """
    person = Person.objects.filter(pk=person_id).select_related("locality", "user").first()
    if person is None:
        raise PersonNotFound
    access = find_access(actor, person, category=category)
    if access is None or (write and not access.can_act):
        raise PersonNotFound
    if write and actor.token is not None and actor.token.scope != ApiToken.Scope.WRITE:
        raise PersonNotFound
    return access


def audit_look(actor: Actor, access: Access, *, what: str) -> None:
    """One READ row for a look at the record (none for the person's own look)."""
    _audit(actor, access, action=AuditEvent.Action.READ, what=what)


def audit_change(actor: Actor, access: Access, *, what: str) -> None:
    """One WRITE row for a change to the record (none for the person's own change)."""
    _audit(actor, access, action=AuditEvent.Action.WRITE, what=what)


def _audit(actor: Actor, access: Access, *, action: str, what: str) -> None:
    if not access.is_self:
        record_audit(
            actor,
            person=access.person,
            action=action,
            what=what,
            why=access.basis,
            organisation=access.organisation,
        )


def access_person(
    actor: Actor,
    person_id,
    *,
    what: str = "record",
    category: str | None = None,
    write: bool = False,
) -> Access:
    """Fetch a person the actor may see, auditing the look (or, with `write`, the change);
    otherwise raise PersonNotFound, with no audit row."""
    access = person_access(actor, person_id, category=category, write=write)
    (audit_change if write else audit_look)(actor, access, what=what)
    return access


def audit_row(
    actor: Actor,
    *,
    person: Person | None = None,
    person_id=None,
    action: str,
    what: str,
    why: str,
    organisation: Organisation | None = None,
) -> AuditEvent | None:
    """An unsaved audit row about `person` (or the person with `person_id`, for a batch that
    has not read the people), or None when the actor is the person themself."""
    person_id = person.pk if person is not None else person_id
    own = actor.own_person
    if own is not None and own.pk == person_id:
        return None
    if organisation is None and actor.token is not None:
        organisation = actor.token.organisation
    return AuditEvent(
        person_id=person_id,
        actor_user=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        actor_token=actor.token,
        actor_label=actor.label_at(organisation)[:300],
        organisation=organisation,
        action=action,
        what=what[:200],
        why=why[:300],
        via=actor.via,
    )


def record_audit(actor: Actor, **details) -> AuditEvent | None:
    """Write one audit row, unless the actor is the person themself."""
    row = audit_row(actor, **details)
    if row is not None:
        row.save()
    return row


def citizen_access(
    actor: Actor, person_id=None, *, category: str | None = None, write: bool = False
) -> Access:
    """A citizen's own record (person_id None), or the record of someone they are a current
    proxy for; never a staff basis. The rule alone, writing no audit row (as person_access)."""
    own = actor.own_person
    if own is None:
        raise PersonNotFound
    if person_id is None:
        person_id = own.pk
    elif person_id != own.pk and not (
        current_proxy_relationships(timezone.localdate())
        .filter(proxy=own, person_id=person_id)
        .exists()
    ):
        raise PersonNotFound
    return person_access(actor, person_id, category=category, write=write)


def access_as_citizen(
    actor: Actor, person_id=None, *, what: str, category: str | None = None
) -> Access:
    """The citizen_access rule with the look audited. Citizen pages (My data, My waits) and
    the person's own API answers (audit trail, personal data) go through this."""
    access = citizen_access(actor, person_id, category=category)
    audit_look(actor, access, what=what)
    return access
