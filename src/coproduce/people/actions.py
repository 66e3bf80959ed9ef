"""The only write path for the core. Each function is one state change in one transaction:
check permission, change the rows, write the audit row, publish the event on commit."""

import hashlib
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import lazy
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce import events, ratelimit
from coproduce.errors import Conflict, InvalidInput, NotAllowed, Throttled, invalid_fields
from coproduce.messaging.actions import send_templated_message
from coproduce.messaging.message_templates import Phrase

from . import message_templates
from .access import (
    Access,
    Actor,
    AskedBy,
    PersonNotFound,
    act_for_person,
    audit_change,
    current_care_relationships,
    current_roles,
    person_access,
    record_audit,
)
from .identifiers import normalise_nhs_number
from .models import (
    ApiToken,
    AuditEvent,
    CareRelationship,
    Channel,
    Consent,
    ExternalIdentity,
    Locality,
    Organisation,
    Person,
    RecordCategory,
    Role,
    User,
)
from .queries import api_token_with_prefix

CONTACT_FIELDS = (
    "email",
    "phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "preferred_channel",
    # The language messages are written in: part of how the person is reached.
    "language",
)
PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", *CONTACT_FIELDS)
OLDEST_AGE_YEARS = 130

# Lazy: the words are read when a refusal is raised, in the language of that moment.
CHANNEL_NEEDS = {
    Channel.EMAIL: (
        "email",
        gettext_lazy("Enter an email address, or choose another way to be contacted."),
    ),
    Channel.SMS: (
        "phone",
        gettext_lazy("Enter a mobile phone number, or choose another way to be contacted."),
    ),
    Channel.LETTER: (
        "address_line_1",
        gettext_lazy("Enter the first line of the address, or choose another way to be contacted."),
    ),
}


def _clean_person_fields(values: dict[str, Any], today: date) -> dict[str, Any]:
    """Clean and validate person fields with the model's own validators; report every problem."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PERSON_FIELDS:
            errors.setdefault(name, []).append(_("This field cannot be set here."))
            continue
        if isinstance(value, str):
            value = value.strip()
        if name == "nhs_number":
            value = normalise_nhs_number(value) if value else None
        if name == "postcode" and value:
            value = value.upper()
        field = Person._meta.get_field(name)
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as error:
            errors[name] = list(error.messages)
    dob = cleaned.get("date_of_birth")
    if isinstance(dob, date):
        if dob > today:
            errors.setdefault("date_of_birth", []).append(_("Date of birth must be in the past."))
        elif dob.year < today.year - OLDEST_AGE_YEARS:
            errors.setdefault("date_of_birth", []).append(
                _("Date of birth must be after %(year)d.") % {"year": today.year - OLDEST_AGE_YEARS}
            )
    if errors:
        raise invalid_fields(errors)
    return cleaned


def _check_channel(person: Person) -> None:
    field, message = CHANNEL_NEEDS[Channel(person.preferred_channel)]
    problems: dict[str, list[str]] = {}
    if not getattr(person, field):
        problems[field] = [str(message)]
    if person.preferred_channel == Channel.LETTER and not person.postcode:
        problems["postcode"] = [_("Enter a postcode, or choose another way to be contacted.")]
    if problems:
        raise invalid_fields(problems)


def _acting_organisation(actor: Actor, organisation_id: int | None) -> Organisation:
    if not actor.organisation_ids:
        raise NotAllowed(_("Only staff of an organisation can do this."))
    if organisation_id is None:
        if len(actor.organisation_ids) > 1:
            raise invalid_fields(
                {"organisation_id": [_("Choose which of your organisations you are acting for.")]}
            )
        organisation_id = next(iter(actor.organisation_ids))
    if organisation_id not in actor.organisation_ids:
        raise invalid_fields({"organisation_id": [_("You do not work for that organisation.")]})
    return Organisation.objects.get(pk=organisation_id)


# Refused registrations with an NHS number already on a record, counted per organisation.
REFUSED_NHS_NUMBER = "refused-nhs-number"


class NhsNumberTaken(Conflict):
    """The one answer to registering an NHS number that is already on a record: it names
    nobody, and it is the same whether or not the organisation may see that record."""

    code = "nhs_number_taken"

    def __init__(self) -> None:
        super().__init__(
            "A record with this NHS number already exists. Check the number. If it is right, "
            "the person is already registered: find them in your caseload, or ask them for "
            "consent to see their record.",
            fields={"nhs_number": ["A record with this NHS number already exists."]},
        )


class TooManyRefusedNhsNumbers(Throttled):
    """An organisation has had too many registrations refused for taken NHS numbers: until
    the hour is up, no registration of theirs with an NHS number is looked up at all."""

    code = "too_many_attempts"

    def __init__(self) -> None:
        super().__init__(
            "Your organisation has tried to register too many NHS numbers that are already on "
            "a record. Wait an hour before registering anyone with an NHS number, and check "
            "the numbers you have.",
            retry_after=ratelimit.retry_after(REFUSED_NHS_NUMBER),
        )


def register_person(
    actor: Actor,
    *,
    details: dict[str, Any],
    care_category: str,
    care_reason: str,
    organisation_id: int | None = None,
    locality_code: str | None = None,
) -> Person:
    """Staff register a person their organisation is caring for.

    An NHS number already on a record is refused with NhsNumberTaken, which tells nobody whose
    it is; the attempt goes on that record's audit trail, so the person sees who tried, and
    counts against the organisation (TooManyRefusedNhsNumbers), so nobody can try numbers
    until one matches. The registration is one transaction; the refusal is written after it
    has rolled back, so the person's audit row is kept.
    """
    organisation = _acting_organisation(actor, organisation_id)
    if actor.token is not None and actor.token.scope != ApiToken.Scope.WRITE:
        raise NotAllowed(_("This API token may only read."))
    today = timezone.localdate()
    problems: dict[str, list[str]] = {}
    for required in ("given_name", "family_name", "date_of_birth"):
        if not details.get(required):
            problems[required] = [_("This field is required.")]
    if care_category not in RecordCategory.values:
        problems["care_category"] = [
            _("Choose the kind of care: %(categories)s")
            % {"categories": ", ".join(RecordCategory.values)}
        ]
    if not care_reason or not care_reason.strip():
        problems["care_reason"] = [_("Say why your organisation is caring for this person.")]
    locality = None
    if locality_code:
        locality = Locality.objects.filter(code=locality_code).first()
        if locality is None:
            problems["locality_code"] = [_("There is no locality with that code.")]
    if problems:
        raise invalid_fields(problems)
    cleaned = _clean_person_fields(details, today)
    person = Person(locality=locality, **cleaned)
    _check_channel(person)
    nhs_number = person.nhs_number
    if nhs_number and ratelimit.is_exhausted(REFUSED_NHS_NUMBER, organisation.pk):
        # Not even looked up: an answer that differed by whether the number exists would
        # tell them which numbers are on a record.
        raise TooManyRefusedNhsNumbers
    holder = _holder_of_nhs_number(nhs_number)
    if holder is None:
        try:
            return _save_registration(
                actor,
                person,
                organisation=organisation,
                care_category=care_category,
                care_reason=care_reason.strip(),
                today=today,
            )
        except IntegrityError:
            # Someone registered the same NHS number a moment earlier: the same refusal.
            holder = _holder_of_nhs_number(nhs_number)
            if holder is None:
                raise
    _record_refused_nhs_number(actor, holder, organisation=organisation)
    raise NhsNumberTaken


def _holder_of_nhs_number(nhs_number: str | None) -> Person | None:
    if not nhs_number:
        return None
    return Person.objects.filter(nhs_number=nhs_number).first()


@transaction.atomic
def _save_registration(
    actor: Actor,
    person: Person,
    *,
    organisation: Organisation,
    care_category: str,
    care_reason: str,
    today: date,
) -> Person:
    person.save()
    CareRelationship.objects.create(
        person=person,
        organisation=organisation,
        category=care_category,
        reason=care_reason[:200],
        starts_on=today,
    )
    record_audit(
        actor,
        person=person,
        action=AuditEvent.Action.WRITE,
        what="record (registered)",
        why=f"Care relationship: {care_reason}",
        organisation=organisation,
    )
    events.publish("person.registered", person_id=str(person.pk), organisation_id=organisation.pk)
    return person


@transaction.atomic
def _record_refused_nhs_number(actor: Actor, holder: Person, *, organisation: Organisation) -> None:
    """The person whose NHS number someone tried to register again sees who tried, on their
    audit trail; the organisation's attempt counts towards its limit."""
    record_audit(
        actor,
        person=holder,
        action=AuditEvent.Action.READ,
        what="whether your NHS number is on a record",
        why=(
            f"{organisation.name} tried to register a new record with your NHS number. This "
            "was refused, and they were not told whose record it is."
        ),
        organisation=organisation,
    )
    ratelimit.count(REFUSED_NHS_NUMBER, organisation.pk)


@transaction.atomic
def update_contact_details(actor: Actor, *, person_id, changes: dict[str, Any]) -> Person:
    """The person, their proxy or staff caring for them change how to reach the person."""
    unknown = sorted(set(changes) - set(CONTACT_FIELDS))
    if unknown:
        raise invalid_fields({name: [_("This field cannot be changed here.")] for name in unknown})
    if not changes:
        raise InvalidInput(
            _("Give at least one contact detail to change."), code="nothing_to_change"
        )
    access = _access_to_change_contact_details(actor, person_id)
    audit_change(actor, access, what="contact details")
    person = Person.objects.select_for_update().get(pk=access.person.pk)
    cleaned = _clean_person_fields(changes, timezone.localdate())
    for name, value in cleaned.items():
        setattr(person, name, value)
    _check_channel(person)
    person.updated_at = timezone.now()
    person.save(update_fields=[*cleaned, "updated_at"])
    events.publish("person.contact_details_changed", person_id=str(person.pk))
    return person


def _access_to_change_contact_details(actor: Actor, person_id) -> Access:
    """The person, a `manage` proxy, or staff and write tokens whose organisation has a care
    relationship with the person (any category): a consent to see is not permission to
    change (docs/security.md). Anyone else: not found."""
    access = person_access(actor, person_id, write=True)
    if access.organisation is None:
        return access
    care = (
        current_care_relationships(timezone.localdate())
        .filter(person_id=access.person.pk, organisation_id__in=actor.organisation_ids)
        .select_related("organisation")
        .order_by("starts_on", "pk")
        .first()
    )
    if care is None:
        raise PersonNotFound
    return Access(
        person=access.person,
        basis=f"Care relationship: {care.reason}",
        organisation=care.organisation,
        can_act=True,
    )


def tell_person_of_action_on_behalf(
    actor: Actor, access: Access, *, done: Phrase, category: str
) -> None:
    """When staff made one of the person's own choices for them, the person is told who did
    what and how they asked, so a choice they never made does not go unnoticed. `done` says
    what, in the words of the module whose choice it was; the message is in the record
    `category` of the choice (a wait's is health) and in the person's language."""
    if not access.on_behalf:
        return
    organisation = access.organisation
    send_templated_message(
        Actor.system(),
        person_id=access.person.pk,
        key=f"on-behalf-{uuid.uuid4()}",
        template=message_templates.ACTED_ON_BEHALF,
        personalisation={
            "organisation": organisation.name,
            "done": done,
            "day": timezone.localdate(),
            "staff": actor.label_at(organisation),
            "asked": AskedBy(access.on_behalf).label,
        },
        reason="Staff made one of the person's own choices for them: the person must be told.",
        category=category,
    )


# A record category as it is said inside a sentence ("your social care records"), in the
# language of the reader.
category_in_a_sentence = lazy(lambda category: str(RecordCategory(category).label).lower(), str)


@transaction.atomic
def grant_consent(
    actor: Actor,
    *,
    person_id,
    organisation_id: int,
    category: str,
    expires_at: datetime | None = None,
    purpose: str = "",
    on_behalf: str | None = None,
) -> Consent:
    """The person (or a proxy managing for them) lets an organisation see one category of
    their record. Staff may record it only on the person's behalf (`on_behalf`: how they
    asked), with a care relationship in that category; the person is then told."""
    now = timezone.now()
    problems: dict[str, list[str]] = {}
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        problems["organisation_id"] = [_("There is no organisation with that id.")]
    if category not in RecordCategory.values:
        problems["category"] = [
            _("Choose one of: %(categories)s.") % {"categories": ", ".join(RecordCategory.values)}
        ]
    if expires_at is not None and expires_at <= now:
        problems["expires_at"] = [_("The end of the consent must be in the future.")]
    if len(purpose) > 300:
        problems["purpose"] = [_("Describe the purpose in 300 characters or fewer.")]
    if problems:
        raise invalid_fields(problems)
    access = act_for_person(
        actor,
        person_id,
        category=category,
        what="consents",
        on_behalf=on_behalf,
    )
    person = access.person
    already = Conflict(
        _("%(organisation)s can already see these records.") % {"organisation": organisation.name},
        code="consent_exists",
    )
    standing = (
        Consent.objects.select_for_update()
        .filter(
            person=person,
            organisation=organisation,
            category=category,
            revoked_at__isnull=True,
            replaced_at__isnull=True,
        )
        .first()
    )
    if standing is not None:
        if standing.expires_at is None or standing.expires_at > now:
            raise already
        # It has run out: the new consent takes its place, and the history keeps both.
        standing.replaced_at = now
        standing.save(update_fields=["replaced_at"])
    try:
        # A savepoint: when a grant at the same moment wins, the database refuses this one
        # (one standing consent per organisation and category) and the answer is the same.
        with transaction.atomic():
            consent = Consent.objects.create(
                person=person,
                organisation=organisation,
                category=category,
                purpose=purpose.strip(),
                granted_at=now,
                expires_at=expires_at,
                granted_by=actor.user,
            )
    except IntegrityError:
        raise already from None
    tell_person_of_action_on_behalf(
        actor,
        access,
        done=Phrase(
            message_templates.GAVE_CONSENT,
            organisation=organisation.name,
            category=category_in_a_sentence(consent.category),
        ),
        category=consent.category,
    )
    events.publish("consent.granted", consent_id=consent.pk, person_id=str(person.pk))
    return consent


@transaction.atomic
def revoke_consent(actor: Actor, *, consent_id: int, on_behalf: str | None = None) -> Consent:
    """Takes effect at once: the next look by the organisation is refused. Who may take a
    consent back is who may give it (grant_consent)."""
    consent = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=consent_id)
        .first()
    )
    if consent is None:
        raise PersonNotFound
    access = act_for_person(
        actor,
        consent.person_id,
        category=consent.category,
        what="consents",
        on_behalf=on_behalf,
    )
    now = timezone.now()
    if not consent.is_current(now):
        raise Conflict(_("This consent has already ended."), code="consent_not_current")
    consent.revoked_at = now
    consent.revoked_by = actor.user
    consent.save(update_fields=["revoked_at", "revoked_by"])
    tell_person_of_action_on_behalf(
        actor,
        access,
        done=Phrase(
            message_templates.TOOK_BACK_CONSENT,
            organisation=consent.organisation.name,
            category=category_in_a_sentence(consent.category),
        ),
        category=consent.category,
    )
    events.publish("consent.revoked", consent_id=consent.pk, person_id=str(consent.person_id))
    return consent


def _is_organisation_admin(actor: Actor, organisation_id: int) -> bool:
    if actor.user is None or not actor.user.is_authenticated:
        return False
    return actor.user.is_superuser or (
        current_roles(actor.user)
        .filter(organisation_id=organisation_id, kind=Role.Kind.ORGANISATION_ADMIN)
        .exists()
    )


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    actor: Actor,
    *,
    organisation_id: int,
    name: str,
    scope: str = ApiToken.Scope.READ,
    valid_for_days: int | None = 365,
) -> tuple[ApiToken, str]:
    """An organisation admin makes a token for a machine client. The raw token is shown once."""
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = [_("Name the client that will use this token.")]
    if scope not in ApiToken.Scope.values:
        problems["scope"] = [_("Choose read or write.")]
    if valid_for_days is not None and not 1 <= valid_for_days <= 730:
        problems["valid_for_days"] = [_("A token can be valid for 1 to 730 days.")]
    if problems:
        raise invalid_fields(problems)
    if not _is_organisation_admin(actor, organisation_id):
        raise NotAllowed(_("Only an admin of that organisation can create its API tokens."))
    prefix = secrets.token_hex(6)
    raw = f"cp_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        organisation_id=organisation_id,
        name=name.strip()[:100],
        scope=scope,
        prefix=prefix,
        token_hash=_hash_token(raw),
        created_by=actor.user,
        created_at=now,
        expires_at=now + timedelta(days=valid_for_days) if valid_for_days else None,
    )
    return token, raw


def token_for_bearer(raw: str) -> ApiToken | None:
    """The current token a bearer string names, or None. Compares hashes in constant time."""
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "cp":
        return None
    token = api_token_with_prefix(parts[1])
    now = timezone.now()
    if token is None or not secrets.compare_digest(token.token_hash, _hash_token(raw)):
        return None
    if not token.is_current(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def revoke_api_token(actor: Actor, *, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotAllowed(_("There is no such token, or it is not yours to revoke."))
    if not _is_organisation_admin(actor, token.organisation_id):
        raise NotAllowed(_("There is no such token, or it is not yours to revoke."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


RESET_LINK_SUBJECT = "Set a new password for Coproduce"


@transaction.atomic
def send_password_reset_link(actor: Actor, *, user_id: int, site_url: str) -> str:
    """Email a sign-in's owner a link to set a new password: the back office's only way to
    help someone who cannot sign in, so that nobody else ever knows their password. A
    citizen's link goes to the email address on their record. The link is not kept (it is
    as good as a password until used), and a citizen's trail says it was sent and by whom.
    Returns the address the link went to."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or actor.user is None or not actor.user.has_perm("people.change_user"):
        raise NotAllowed(_("There is no such sign-in, or you cannot reset its password."))
    person = Person.objects.filter(user=user).first()
    address = (person.email if person is not None else "") or user.email
    if not address:
        raise InvalidInput(
            _("%(username)s has no email address, so no reset link can be sent.")
            % {"username": user.get_username()},
            fields={"email": [_("Add an email address to the record first.")]},
        )
    link = site_url.rstrip("/") + reverse(
        "web:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    body = render_to_string(
        "web/password_reset_email.txt",
        {"name": (person.given_name if person else user.first_name) or "", "link": link},
    )
    if person is not None:
        record_audit(
            actor,
            person=person,
            action=AuditEvent.Action.WRITE,
            what="password reset link sent to their email (back office)",
            why="Back-office help with signing in",
        )
    transaction.on_commit(
        lambda: send_mail(RESET_LINK_SUBJECT, body, None, [address], fail_silently=False)
    )
    return address


class ExternalSignInRefused(NotAllowed):
    """A provider vouched for someone, but not for anyone who has an account here."""


@transaction.atomic
def sign_in_with_external_identity(
    *, issuer: str, provider_name: str, subject: str, email: str, email_verified: bool
) -> User:
    """The user that a provider's identity (GOV.UK One Login, NHS login) signs in as.

    A returning identity signs in as the user it was linked to. On the first sign-in it is
    linked to the one active account whose email address the provider says it has verified.
    No account is made for anyone else: a Person needs details these providers do not give
    (a date of birth), and an empty record made at sign-in would sit beside the one the
    person's GP practice or council already keeps, with none of their waits or consents in it.
    """
    identity = ExternalIdentity.objects.select_related("user").filter(
        issuer=issuer, subject=subject
    )
    existing = identity.first()
    if existing is not None:
        if not existing.user.is_active:
            raise _no_account(provider_name)
        identity.update(last_signed_in_at=timezone.now())
        return existing.user
    if not email or not email_verified:
        raise ExternalSignInRefused(
            _(
                "%(provider)s has not confirmed your email address, so we cannot tell which "
                "account is yours. Confirm your email address with %(provider)s, then sign "
                "in again, or sign in with your username and password."
            )
            % {"provider": provider_name},
            code="email_not_verified",
        )
    users = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
    if not users:
        raise _no_account(provider_name)
    if len(users) > 1:
        raise ExternalSignInRefused(
            _(
                "More than one account uses the email address you use for %(provider)s, so "
                "we cannot tell which is yours. Sign in with your username and password."
            )
            % {"provider": provider_name},
            code="email_shared",
        )
    user = users[0]
    try:
        with transaction.atomic():
            ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:
        # Either the same identity was linked by a sign-in at the same moment, or this user
        # is already linked to a different account at this provider.
        linked = identity.first()
        if linked is not None and linked.user_id == user.pk:
            return user
        raise ExternalSignInRefused(
            _(
                "Your account here is already connected to a different %(provider)s "
                "account. Sign in with that %(provider)s account, or with your username "
                "and password."
            )
            % {"provider": provider_name},
            code="already_linked",
        ) from None
    events.publish("external_identity.linked", user_id=user.pk, issuer=issuer)
    return user


def _no_account(provider_name: str) -> ExternalSignInRefused:
    return ExternalSignInRefused(
        _(
            "We could not find an account with the email address you use for %(provider)s. "
            "Sign in with your username and password, or ask the organisation that set up "
            "your account to record this email address for you."
        )
        % {"provider": provider_name},
        code="no_account",
    )
