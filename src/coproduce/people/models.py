"""The core: people, organisations, places, who may see whom, and a record of every look."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.append_only import AppendOnlyModel, AppendOnlyQuerySet

from .identifiers import validate_nhs_number


class User(AbstractUser):
    """A sign-in. A citizen's sign-in is linked to their Person; staff hold Roles."""

    class Meta:
        db_table = "people_user"


class Locality(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        DISTRICT = "district", _("District")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name_plural = "localities"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="region", parent__isnull=True)
                | (~Q(kind="region") & Q(parent__isnull=False)),
                name="locality_only_regions_have_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name_for_person(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNCIL = "council", _("Council")
        NHS_TRUST = "nhs_trust", _("NHS trust")
        GP_PRACTICE = "gp_practice", _("GP practice")
        HOSPITAL = "hospital", _("Hospital")
        SCHOOL = "school", _("School")
        MUTUAL = "mutual", _("Mutual or co-operative")
        USER_LED = "user_led", _("User-led organisation")
        VOLUNTARY_GROUP = "voluntary_group", _("Voluntary group")
        SOCIAL_ENTERPRISE = "social_enterprise", _("Social enterprise")

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="organisations")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Where people go: an offer of care elsewhere says the address, not only the name.
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="organisation_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        """The address as the lines of an envelope (those given), for pages and messages."""
        lines = (self.address_line_1, self.address_line_2, self.town, self.postcode)
        return [line for line in lines if line]


class Role(models.Model):
    """A member of staff's role in an organisation, for as long as it lasts."""

    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", _("Professional")
        LEAD_PROFESSIONAL = "lead_professional", _("Lead professional")
        CLINICIAN = "clinician", _("Clinician")
        ORGANISATION_ADMIN = "organisation_admin", _("Organisation admin")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    job_title = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "kind"], name="role_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="role_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.organisation}"


class RecordCategory(models.TextChoices):
    """The parts of a person's record that consent and care are given for."""

    HEALTH = "health", _("Health")
    SOCIAL_CARE = "social_care", _("Social care")
    EDUCATION = "education", _("Education")
    HOUSING = "housing", _("Housing")
    COMMUNITY = "community", _("Community and voluntary support")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")


class Person(models.Model):
    """A citizen. They may or may not have a sign-in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(
        max_length=10, null=True, blank=True, unique=True, validators=[validate_nhs_number]
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.LETTER
    )
    # The language the platform writes to the person in (messaging.message_templates).
    language = models.CharField(
        _("language for messages"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["family_name", "given_name"])]
        constraints = [
            # A message must be deliverable by the channel the person prefers.
            models.CheckConstraint(
                condition=Q(preferred_channel="email", email__gt="")
                | Q(preferred_channel="sms", phone__gt="")
                | Q(preferred_channel="letter", address_line_1__gt="", postcode__gt=""),
                name="person_preferred_channel_has_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Relationship(models.Model):
    """A parent, carer or attorney who may act for a person, within a scope, until an end date."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("Parent")
        CARER = "carer", _("Carer")
        ATTORNEY = "attorney", _("Lasting power of attorney")
        APPOINTEE = "appointee", _("Appointee")

    class Scope(models.TextChoices):
        VIEW = "view", _("See their record")
        MANAGE = "manage", _("See their record and act for them")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proxies")
    proxy = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="acts_for")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.VIEW)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(proxy=F("person")), name="relationship_not_with_oneself"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="relationship_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proxy} ({self.get_kind_display()}) for {self.person}"


class Consent(models.Model):
    """A person lets an organisation see one category of their record.

    At most one consent stands for each person, organisation and category: one that has not
    been revoked or replaced. A consent that has run out still stands until it is given
    again, when the new one replaces it, so the history keeps every consent ever given.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="consents"
    )
    category = models.CharField(max_length=20, choices=RecordCategory.choices)
    purpose = models.CharField(max_length=300, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When a later consent to the same organisation for the same category took its place.
    replaced_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["person", "organisation", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "category"],
                condition=Q(revoked_at__isnull=True, replaced_at__isnull=True),
                name="consent_one_standing_per_organisation_and_category",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("granted_at")),
                name="consent_expires_after_granted",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("granted_at")),
                name="consent_revoked_after_granted",
            ),
            models.CheckConstraint(
                condition=Q(replaced_at__isnull=True) | Q(replaced_at__gte=F("granted_at")),
                name="consent_replaced_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} may see {self.get_category_display()} records"

    def is_current(self, at) -> bool:
        return (
            self.revoked_at is None
            and self.replaced_at is None
            and self.granted_at <= at
            and (self.expires_at is None or self.expires_at > at)
        )


class CareRelationship(models.Model):
    """An organisation is caring for a person: a registered patient, a pupil, a client."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_relationships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="care_relationships"
    )
    category = models.CharField(max_length=20, choices=RecordCategory.choices)
    reason = models.CharField(max_length=200)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "person"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="care_relationship_ends_after_it_starts",
            ),
            # Opening a wait, at the same moment as another, adds no second relationship.
            models.UniqueConstraint(
                fields=["person", "organisation", "category"],
                condition=Q(ends_on__isnull=True),
                name="care_relationship_one_open_ended_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.reason}"


class AuditEventImmutable(Exception):
    def __init__(self) -> None:
        super().__init__("Audit events are append-only: they cannot be changed or deleted.")


class AuditEvent(AppendOnlyModel):
    """Append-only: one row for every read or write of a person's record by someone else.

    PostgreSQL refuses UPDATE and DELETE with a trigger (migration 0002); on SQLite the
    model and its queryset refuse them.
    """

    class Action(models.TextChoices):
        READ = "read", _("Looked at")
        WRITE = "write", _("Changed")

    class Via(models.TextChoices):
        WEB = "web", _("Website")
        API = "api", _("API")
        ADMIN = "admin", _("Back office")
        SYSTEM = "system", _("Automatic")

    occurred_at = models.DateTimeField(default=timezone.now)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="audit_events")
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_token = models.ForeignKey(
        "people.ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=300)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200)
    why = models.CharField(max_length=300)
    via = models.CharField(max_length=10, choices=Via.choices)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = AuditEventImmutable

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.get_action_display().lower()} {self.what}"


class ApiToken(models.Model):
    """A machine client's bearer token, acting for one organisation. Only a hash is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def is_current(self, at) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class ExternalIdentity(models.Model):
    """A sign-in at an OpenID Connect provider (GOV.UK One Login, NHS login) linked to a user.

    The provider's subject identifier, not the email address, is what is matched on every
    later sign-in: an address can change hands, a subject never does.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)
    last_signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="external_identity_unique_subject"
            ),
            # One account at each provider per user, so a second provider account with the
            # same email address cannot quietly take over a linked user.
            models.UniqueConstraint(
                fields=["user", "issuer"], name="external_identity_one_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
