"""Guarantee schemes (data, versioned), pathways with their append-only events, the stored
clock of each stage (a cache of clock.evaluate, for worklists and statistics), and the
right a person gets when a stage breaches.
"""

import uuid
from datetime import date, timedelta
from functools import cached_property

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.append_only import AppendOnlyModel, AppendOnlyQuerySet
from coproduce.people.models import Locality, Organisation, Person, User

from .rules import ExclusionKind, LimitUnit, Status

ONE_DAY = timedelta(days=1)


class SchemeImmutable(Exception):
    def __init__(self) -> None:
        super().__init__(
            "A scheme version is never changed or deleted, so that no wait's clock changes "
            "after the fact. Make a new version with the date it takes effect instead."
        )


class SchemeQuerySet(AppendOnlyQuerySet):
    def in_effect(self, day):
        """The versions in effect on `day`: started, not ended, and not yet replaced by a
        later version of the same guarantee (its family)."""
        replaced = Scheme.objects.filter(
            family=OuterRef("family"),
            effective_from__gt=OuterRef("effective_from"),
            effective_from__lte=day,
        )
        return (
            self.filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .exclude(Exists(replaced))
        )


class SchemeManager(models.Manager.from_queryset(SchemeQuerySet)):
    def get_queryset(self):
        """Each version with the day the next version of its family starts (for ends_on
        without a query per version)."""
        later = (
            super()
            .get_queryset()
            .filter(family=OuterRef("family"), effective_from__gt=OuterRef("effective_from"))
            .order_by("effective_from")
            .values("effective_from")[:1]
        )
        return super().get_queryset().annotate(next_version_from=Subquery(later))


class Scheme(AppendOnlyModel):
    """One version of a guarantee as law sets it, for a period: 0-7-90-90 became 0-3-90-90
    in 2019. Versions of one guarantee share a family. A version is never changed once made
    (PostgreSQL refuses it with a trigger): a change is a new version with the date it takes
    effect (actions.make_scheme_version), which ends the one before. A wait keeps the
    version it was opened under, so no clock ever changes after the fact."""

    code = models.SlugField(max_length=50, unique=True)
    family = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    # The guarantee as people where it applies know it and would look it up, in the words of
    # their own country and service ("NHS Constitution: the right to start treatment within
    # 18 weeks", "vårdgarantin (the care guarantee)"), and what it promises in a few sentences.
    public_name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("What people where it applies call the guarantee, as they would look it up."),
    )
    explanation = models.TextField(
        blank=True, help_text=_("What the guarantee promises, in a few plain sentences.")
    )
    country = models.CharField(max_length=2)
    effective_from = models.DateField()
    # The day the law itself ended, if it did; a later version of the family also ends it.
    effective_to = models.DateField(null=True, blank=True)
    at_risk_percent = models.PositiveSmallIntegerField(
        default=80, help_text=_("A running wait is at risk once this share of its limit is used.")
    )
    response_days = models.PositiveSmallIntegerField(
        default=14,
        help_text=_("Days the region has to offer care elsewhere once the person asks for it."),
    )
    right_on_breach = models.TextField(help_text=_("What the person is owed, in plain words."))
    extra_events = models.JSONField(
        default=list, blank=True, help_text=_("Event types recorded but not named by a stage.")
    )
    # Which making of this version's rules the row holds, read with the row: every process
    # caches rules by it (queries.scheme_rules), so a version made in another process, or
    # made again after a transaction that made it was rolled back, is never read stale.
    rules_stamp = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = SchemeManager()
    immutable_error = SchemeImmutable

    class Meta:
        ordering = ["family", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="scheme_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_percent__gte=1, at_risk_percent__lte=100),
                name="scheme_at_risk_percent_in_range",
            ),
            models.UniqueConstraint(
                fields=["family", "effective_from"], name="scheme_one_version_per_start_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def name_for_person(self) -> str:
        """The guarantee as the person reads it, without its code."""
        return self.public_name or self.title

    @cached_property
    def ends_on(self) -> date | None:
        """The last day this version is in effect: its own end, or the day before the next
        version of its family starts."""
        if hasattr(self, "next_version_from"):
            next_starts = self.next_version_from
        else:
            next_starts = (
                Scheme.objects.filter(family=self.family, effective_from__gt=self.effective_from)
                .order_by("effective_from")
                .values_list("effective_from", flat=True)
                .first()
            )
        ends = [day for day in (self.effective_to, next_starts and next_starts - ONE_DAY) if day]
        return min(ends) if ends else None

    def in_effect_on(self, day) -> bool:
        return self.effective_from <= day and (self.ends_on is None or day <= self.ends_on)


class SchemeStage(AppendOnlyModel):
    """One stage of a scheme version: as immutable as the version it belongs to."""

    # What a stage's rules are made of, as in fixtures/schemes.json (with its code).
    RULE_FIELDS = (
        "title",
        "plain_words",
        "start_events",
        "stop_events",
        "limit",
        "unit",
        "holiday_country",
        "exclusions",
        "lapse_events",
        "lapse_on_repeat",
        "nullify_events",
        "nullify_unless_after",
        "restart_events",
    )

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    plain_words = models.TextField(blank=True)
    start_events = models.JSONField()
    stop_events = models.JSONField()
    limit = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=[(u.value, u.value) for u in LimitUnit])
    holiday_country = models.CharField(max_length=2, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    lapse_events = models.JSONField(default=list, blank=True)
    lapse_on_repeat = models.JSONField(default=dict, blank=True)
    nullify_events = models.JSONField(default=list, blank=True)
    nullify_unless_after = models.JSONField(default=list, blank=True)
    restart_events = models.JSONField(default=list, blank=True)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = SchemeImmutable

    class Meta:
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="stage_code_unique_in_scheme"),
            models.UniqueConstraint(
                fields=["scheme", "position"], name="stage_position_unique_in_scheme"
            ),
            models.CheckConstraint(condition=Q(limit__gt=0), name="stage_limit_positive"),
            models.CheckConstraint(
                condition=Q(unit__in=[u.value for u in LimitUnit]), name="stage_unit_known"
            ),
            models.CheckConstraint(
                condition=~Q(unit="working_days") | Q(holiday_country__gt=""),
                name="stage_working_days_need_a_country",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code}: {self.title}"


class Pathway(models.Model):
    """One person's journey under a scheme at a provider, for one service (specialty)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pathways")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="pathways")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="pathways")
    service = models.CharField(max_length=100, help_text=_("The service or specialty."))
    # The provider's own reference (its patient administration system), for imports.
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=300)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=Q(external_id__gt=""),
                name="pathway_external_id_unique_per_provider",
            ),
        ]
        indexes = [models.Index(fields=["person", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.service} at {self.provider} ({self.scheme.code})"

    @property
    def name_for_person(self) -> str:
        return f"{self.service} at {self.provider.name}"


class EventImmutable(Exception):
    def __init__(self) -> None:
        super().__init__(
            "Pathway events are facts: they cannot be changed or deleted. "
            "Record a correcting event instead."
        )


class PathwayEvent(AppendOnlyModel):
    """A fact about a pathway. Append-only: a mistake is put right by a later event that
    `corrects` it (type `entered_in_error` to withdraw it, or the right type and date to
    replace it). PostgreSQL refuses UPDATE and DELETE with a trigger."""

    ENTERED_IN_ERROR = "entered_in_error"

    class Source(models.TextChoices):
        WEB = "web", _("Website")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        SYSTEM = "system", _("Automatic")

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField(help_text=_("Order of recording in the pathway."))
    type = models.SlugField(max_length=50)
    occurred_on = models.DateField()
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices)
    # What an import called this event, so that importing the same file again adds nothing.
    source_key = models.CharField(max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = EventImmutable

    class Meta:
        ordering = ["pathway", "occurred_on", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "sequence"], name="event_sequence_unique_in_pathway"
            ),
            models.UniqueConstraint(
                fields=["pathway", "source_key"],
                condition=Q(source_key__gt=""),
                name="event_source_key_unique_in_pathway",
            ),
            models.CheckConstraint(
                condition=~Q(corrects=F("id")), name="event_does_not_correct_itself"
            ),
            models.CheckConstraint(
                condition=~Q(type="entered_in_error") | Q(corrects__isnull=False),
                name="event_entered_in_error_names_the_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} on {self.occurred_on}"

    @property
    def name_for_person(self) -> str:
        """ "Referral received, 3 March 2026": what a correction corrects, in words."""
        from django.utils.formats import date_format

        from .forms import event_label

        return f"{event_label(self.type)}, {date_format(self.occurred_on, 'j F Y')}"


STATUS_CHOICES = [(s.value, s.value.replace("_", " ")) for s in Status]
EXCLUSION_CHOICES = [(k.value, k.value) for k in ExclusionKind]


class StageRecord(models.Model):
    """The clock of one stage of one pathway as last evaluated: a cache of clock.evaluate,
    rewritten whenever the pathway's events change, so that worklists and statistics can
    be queried. The live pages evaluate the clock themselves."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="stage_records")
    stage = models.SlugField(max_length=50)
    position = models.PositiveSmallIntegerField()
    # Copied from the pathway so that statistics group without joins.
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    days_waited = models.IntegerField(null=True, blank=True)
    limit = models.PositiveIntegerField()
    days_excluded = models.PositiveIntegerField(default=0)
    patient_days = models.PositiveIntegerField(default=0)
    medical_days = models.PositiveIntegerField(default=0)
    paused_by = models.CharField(max_length=20, choices=EXCLUSION_CHOICES, blank=True)
    # The day a running stage becomes at risk (unless something changes before then).
    at_risk_on = models.DateField(null=True, blank=True)
    evaluated_on = models.DateField()

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "stage"], name="stage_record_unique"),
        ]
        indexes = [
            models.Index(fields=["provider", "status", "deadline"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {self.status}"

    @property
    def is_open(self) -> bool:
        return (
            self.start is not None
            and self.end is None
            and self.status
            in (
                Status.RUNNING,
                Status.BREACHED,
            )
        )


class Right(models.Model):
    """The right to care elsewhere, owed when a stage breaches: one per breached clock.

    Its state is derived from the dates below (queries.right_status), never stored as a flag.
    """

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="rights")
    stage = models.SlugField(max_length=50)
    # Which clock of the stage breached: an RTT clock can restart on a new date.
    stage_started_on = models.DateField()
    # The first day past the deadline; pages say the deadline itself (missed_deadline).
    breached_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by_label = models.CharField(max_length=300, blank=True)
    respond_by = models.DateField(null=True, blank=True)
    offered_provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    offered_appointment_on = models.DateField(null=True, blank=True)
    reply_by = models.DateField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    # Who accepted or declined: the person, their proxy, or staff on the person's behalf.
    answered_by_label = models.CharField(max_length=300, blank=True)
    treated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "stage", "stage_started_on"], name="right_once_per_breach"
            ),
            models.CheckConstraint(
                condition=Q(offered_at__isnull=True)
                | (Q(requested_at__isnull=False) & Q(offered_provider__isnull=False)),
                name="right_offer_follows_request",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(declined_at__isnull=True),
                name="right_accepted_or_declined_not_both",
            ),
            models.CheckConstraint(
                condition=(Q(accepted_at__isnull=True) & Q(declined_at__isnull=True))
                | Q(offered_at__isnull=False),
                name="right_reply_follows_offer",
            ),
            models.CheckConstraint(
                condition=Q(treated_on__isnull=True) | Q(accepted_at__isnull=False),
                name="right_treated_after_accepting",
            ),
        ]

    def __str__(self) -> str:
        return f"Right to care elsewhere: {self.stage} ({self.pathway_id})"

    @property
    def missed_deadline(self) -> date:
        """The deadline the stage missed: the date every page shows as its deadline."""
        return self.breached_on - timedelta(days=1)


class Dimension(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    LOCALITY = "locality", _("Locality")


class CompletedCell(models.Model):
    """Statistics, kept incrementally: how many stages ended in a month with a given outcome
    after a given number of days, per provider (each service, and all services as "") or per
    locality of residence (service ""). A histogram by day gives exact medians and
    percentiles without reading every pathway. Each month also has total rows (days_waited
    -1): one per outcome, and one "completed" row for met and breached together that holds
    their median and 92nd percentile. Kept by compliance.apply_change."""

    # No indexes of their own: the key's index (below) starts with them.
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="+", db_index=False)
    stage = models.SlugField(max_length=50, db_index=False)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    unit_code = models.CharField(max_length=32, help_text=_("Organisation or locality code."))
    service = models.CharField(
        max_length=100, blank=True, help_text=_('The service; "" counts every service.')
    )
    month = models.DateField(help_text=_("First day of the month the stage ended."))
    outcome = models.CharField(max_length=20, choices=STATUS_CHOICES)
    days_waited = models.IntegerField()
    count = models.IntegerField(default=0)
    patient_count = models.IntegerField(default=0)
    patient_days = models.IntegerField(default=0)
    medical_count = models.IntegerField(default=0)
    medical_days = models.IntegerField(default=0)
    # Only on a month's "completed" row (days_waited -1): worked out from the day histogram
    # whenever it changes, so that a month's figures are read without reading the histogram.
    median_days = models.FloatField(null=True, blank=True)
    percentile_92_days = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # Also the read path's index: a scheme's stage, one dimension, all services ("")
            # or one, a range of months; then the units and the day histogram.
            models.UniqueConstraint(
                fields=[
                    "scheme",
                    "stage",
                    "dimension",
                    "service",
                    "month",
                    "unit_code",
                    "outcome",
                    "days_waited",
                ],
                name="completed_cell_key",
            ),
        ]
        indexes = [
            # A month's total rows only (a few per unit and month), for reading month figures
            # without walking the day histogram.
            models.Index(
                fields=["scheme", "stage", "dimension", "service", "month"],
                condition=Q(days_waited=-1),
                name="completed_cell_month_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.unit_code} {self.month:%Y-%m}: {self.count}"


class OpenCell(models.Model):
    """Statistics, kept incrementally: stages still open, by the date their clock counts from
    (start plus closed excluded days) and whether an excluded period is open now."""

    # No indexes of their own: the key's index (below) starts with them.
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="+", db_index=False)
    stage = models.SlugField(max_length=50, db_index=False)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    unit_code = models.CharField(max_length=32)
    service = models.CharField(
        max_length=100, blank=True, help_text=_('The service; "" counts every service.')
    )
    counts_from = models.DateField()
    paused_by = models.CharField(max_length=20, choices=EXCLUSION_CHOICES, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "scheme",
                    "stage",
                    "dimension",
                    "service",
                    "unit_code",
                    "counts_from",
                    "paused_by",
                ],
                name="open_cell_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.unit_code} from {self.counts_from}: {self.count}"


class ContactCell(models.Model):
    """The 0 of 0-7-90-90: contacts per practice and month, and how many were answered the
    same day."""

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    contacts = models.IntegerField(default=0)
    answered_same_day = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="contact_cell_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}: {self.answered_same_day}/{self.contacts}"
