"""Monitoring: programmes (a Questionnaire with its rules, as data), who is enrolled in one
with which care team and thresholds, their daily check-ins (append-only, each scored when it
arrives), the alerts a check-in or a silence raises and every step taken on them.

What a check-in, an alert or a day means is worked out by pure functions (`rules.assess`,
`status`); the rows hold the facts and, for the queues, a few columns kept by the actions
(an alert's current owner, due time and closing), like the guarantees' stage records.
"""

import uuid

from django.conf import settings as django_settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.append_only import AppendOnlyModel, AppendOnlyQuerySet
from coproduce.people.models import Organisation, Person, User

from .programmes import Colour, Scoring


class Programme(models.Model):
    """A monitoring programme: what people are asked each day and how it is scored. Its
    questions, answer options, settings, schedule and response times are the FHIR
    Questionnaire it was built or imported from (`questionnaire`, read by
    queries.programme_definition); `settings` holds the programme's own changes to the
    thresholds' defaults (each change is a SettingChange)."""

    key = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    scoring = models.CharField(max_length=20, choices=[(s.value, s.value) for s in Scoring])
    questionnaire = models.JSONField()
    settings = models.JSONField(default=dict, blank=True)
    # The organisation that imported it; empty for the built-in programmes.
    owner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Which making of the definition the row holds: processes cache definitions by it.
    definition_stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    """A person checks in under a programme, watched by a care team at one organisation.

    The organisation gains a care relationship with the person for their health record while
    they are enrolled (actions.enrol)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="monitoring_enrolments"
    )
    # The person's own thresholds over the programme's (a dry weight, a usual CAT score).
    settings = models.JSONField(default=dict, blank=True)
    # The person's own day: the window and "today" are in their time zone.
    time_zone = models.CharField(max_length=60, default=django_settings.TIME_ZONE)
    window_opens = models.TimeField()
    window_closes = models.TimeField()
    starts_on = models.DateField()
    enrolled_at = models.DateTimeField(default=timezone.now)
    enrolled_by_label = models.CharField(max_length=300)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_label = models.CharField(max_length=300, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        indexes = [models.Index(fields=["organisation", "ended_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=Q(ended_at__isnull=True),
                name="enrolment_one_current_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(window_closes__gt=F("window_opens")),
                name="enrolment_window_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.programme}"


class CareTeamMember(models.Model):
    """A clinician on a person's care team for one enrolment. Alerts go to the member at
    position 1 (the named clinician); an overdue alert goes to the next one."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="monitoring_teams")
    position = models.PositiveSmallIntegerField()
    # What the person reads: "Heart failure nurse", "GP".
    job_title = models.CharField(max_length=200)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "user"],
                condition=Q(removed_at__isnull=True),
                name="care_team_member_once",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "position"],
                condition=Q(removed_at__isnull=True),
                name="care_team_position_once",
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="care_team_position_from_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_title}: {self.user}"


class SettingChangeImmutable(Exception):
    def __init__(self) -> None:
        super().__init__("A threshold change is never altered: record a new change instead.")


class SettingChange(AppendOnlyModel):
    """Who changed a threshold, for a programme or for one person, from what to what, and why."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="changes")
    # Empty for a change to the programme's own settings.
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    key = models.CharField(max_length=50)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    why = models.CharField(max_length=500)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_by_label = models.CharField(max_length=300)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = SettingChangeImmutable

    class Meta:
        ordering = ["-changed_at", "-id"]


class CheckInImmutable(Exception):
    def __init__(self) -> None:
        super().__init__("A check-in is never changed: the person checks in again instead.")


class CheckIn(AppendOnlyModel):
    """One day's answers, scored when they arrived with the thresholds then in force.

    A person checks in once a day; a re-measure that a clinician asked for is a second
    check-in of the same day that names the alert it answers."""

    class Source(models.TextChoices):
        WEB = "web", _("Website")
        API = "api", _("Connected app")
        DEVICE = "device", _("Home device")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="check_ins")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="check_ins")
    # The day in the person's own time zone.
    day = models.DateField()
    submitted_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField()
    colour = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Colour])
    score = models.IntegerField(null=True, blank=True)
    parts = models.JSONField(default=dict)
    response = models.CharField(max_length=20, blank=True)
    reasons = models.JSONField(default=list)
    # The thresholds the rules read, as they were: a later change does not rescore it.
    settings_used = models.JSONField(default=dict)
    remeasure_for = models.ForeignKey(
        "Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="remeasures"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    submitted_by_label = models.CharField(max_length=300)
    # A client's Idempotency-Key (API): a retried submission finds the first one.
    idempotency_key = models.CharField(max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = CheckInImmutable

    class Meta:
        ordering = ["-day", "-submitted_at"]
        indexes = [models.Index(fields=["enrolment", "-day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "day"],
                condition=Q(remeasure_for__isnull=True),
                name="check_in_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="check_in_idempotency_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.day}: {self.colour}"


class CheckInDraft(models.Model):
    """A check-in the person has started on the website: their answers so far, so they can
    stop and come back the same day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="drafts")
    day = models.DateField()
    answers = models.JSONField(default=dict)
    remeasure_for = models.ForeignKey(
        "Alert", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="check_in_draft_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Unfinished check-in of {self.day}"


class MissedDay(models.Model):
    """A day the window closed with no check-in: the person was reminded (once)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="missed")
    day = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    reminded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "day"], name="missed_day_once")]

    def __str__(self) -> str:
        return f"No check-in on {self.day}"


class Alert(models.Model):
    """Something the care team must look at by a due time: an amber or red check-in, the
    person's own words (grey), or a person not heard from for two windows in a row."""

    class Kind(models.TextChoices):
        READING = "reading", _("Warning signs in a check-in")
        REMARK = "remark", _("The person wrote something")
        NOT_HEARD_FROM = "not_heard_from", _("Not heard from")

    class Outcome(models.TextChoices):
        NO_ACTION = "no_action", _("No action needed")
        ADVICE = "advice", _("Advice given")
        MEDICINES_CHANGED = "medicines_changed", _("Medicines changed")
        APPOINTMENT = "appointment", _("Appointment or visit arranged")
        URGENT_CARE = "urgent_care", _("Sent to urgent or emergency care")
        ADMITTED = "admitted", _("Admitted to hospital")
        REPEAT_GREEN = "repeat_green", _("A repeat measurement came back green")
        CONTACTED = "contacted", _("Person contacted and well")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="alerts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="monitoring_alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    colour = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Colour])
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    # For "not heard from": the first day of the silence.
    silent_since = models.DateField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    raised_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # Kept by the actions, for the queues: who has it now, and whether it is closed.
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="monitoring_alerts"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # When a clinician last took it in hand (seen, asked to re-measure, called); emptied when
    # it is passed on, so the next person's due time counts again.
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["assigned_to", "closed_at", "due_at"]),
            models.Index(fields=["enrolment", "closed_at"]),
        ]
        constraints = [
            # One alert per check-in and kind: a retried submission raises nothing more.
            models.UniqueConstraint(
                fields=["check_in", "kind"],
                condition=Q(check_in__isnull=False),
                name="alert_once_per_check_in",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "silent_since"],
                condition=Q(kind="not_heard_from"),
                name="alert_once_per_silence",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | Q(closed_at__isnull=False) & ~Q(outcome=""),
                name="alert_closed_with_outcome",
            ),
            models.CheckConstraint(
                condition=Q(kind="not_heard_from", silent_since__isnull=False)
                | ~Q(kind="not_heard_from") & Q(check_in__isnull=False),
                name="alert_has_its_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.colour}) for {self.person}"


class AlertStepImmutable(Exception):
    def __init__(self) -> None:
        super().__init__("An alert's history is never changed: record a new step instead.")


class AlertStep(AppendOnlyModel):
    """One thing that happened to an alert, in order: its history."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Alert raised")
        ACKNOWLEDGED = "acknowledged", _("Seen by a clinician")
        ASKED_TO_REMEASURE = "asked_to_remeasure", _("Person asked to measure again")
        REMEASURED = "remeasured", _("Person measured again")
        CALLED = "called", _("Person called")
        ESCALATED = "escalated", _("Passed to the next person on the team")
        CLOSED = "closed", _("Closed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=300)
    # Who has the alert after this step (an escalation's new owner).
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, choices=Alert.Outcome.choices, blank=True)

    objects = AppendOnlyQuerySet.as_manager()
    immutable_error = AlertStepImmutable

    class Meta:
        ordering = ["alert", "at", "id"]
