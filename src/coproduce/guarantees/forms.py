"""Forms for the waits pages: GOV.UK date inputs (day, month, year), recording and correcting
a pathway's events, opening a wait, offering care elsewhere and recording treatment there.

The forms only read what was typed; the actions decide what is allowed, and their refusals are
shown on the fields they name (GovukErrorsMixin.add_action_error).
"""

from django import forms
from django.utils.translation import gettext_lazy

from coproduce.people.models import Organisation
from coproduce.web.forms import DATE_PARTS, DatePartsForm, GovukErrorsMixin, OnBehalfForm

from .models import PathwayEvent, Scheme
from .rules import SchemeRules, StageClock, Status

NOTE_MAX = 500

# What staff call each event type; anything else is its code in words.
EVENT_LABELS = {
    "contact": gettext_lazy("Contact with the health centre"),
    "contact_answered": gettext_lazy("Contact answered"),
    "assessment": gettext_lazy("Assessment"),
    "gp_visit": gettext_lazy("GP visit"),
    "referral": gettext_lazy("Referral received"),
    "first_visit": gettext_lazy("First visit to a specialist"),
    "decision_to_treat": gettext_lazy("Decision to treat"),
    "treatment": gettext_lazy("Treatment started"),
    "decision_not_to_treat": gettext_lazy("Decision not to treat"),
    "active_monitoring": gettext_lazy("Active monitoring started"),
    "dna": gettext_lazy("Did not attend"),
    "rebooked": gettext_lazy("Appointment rebooked"),
    "declined_alternative": gettext_lazy("Declined the care offered elsewhere"),
    "patient_wait_start": gettext_lazy("Patient-chosen wait started"),
    "patient_wait_end": gettext_lazy("Patient-chosen wait ended"),
    "medical_wait_start": gettext_lazy("Medical wait started"),
    "medical_wait_end": gettext_lazy("Medical wait ended"),
    "examination_start": gettext_lazy("Examinations started"),
    "examination_end": gettext_lazy("Examinations ended"),
    PathwayEvent.ENTERED_IN_ERROR: gettext_lazy("Entered in error"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type.replace("_", " ").capitalize()


def events_to_offer(
    rules: SchemeRules, clocks: list[StageClock], standing: list[PathwayEvent]
) -> list[str]:
    """The events that can happen next on this wait, by the state of each stage: what starts
    a stage not started yet, what stops, pauses or lapses one that is running, what restarts
    a stopped clock, and the scheme's events outside any stage. The types of the events that
    stand are offered too, to record one again with its right date in place of a wrong one.
    Sorted by their names."""
    names = set(rules.extra_events) | {event.type for event in standing}
    for clock in clocks:
        stage = rules.stage(clock.stage)
        if clock.status == Status.NOT_STARTED:
            names |= stage.start_events
        elif clock.status == Status.NULLIFIED:
            names |= stage.restart_events
        elif clock.end is None:
            names |= stage.stop_events | stage.lapse_events | stage.nullify_events
            names |= {name for name, _ in stage.lapse_on_repeat}
            for exclusion in stage.exclusions:
                names |= {exclusion.start_event, exclusion.end_event}
    return sorted(names, key=event_label)


class RecordEventForm(DatePartsForm):
    """A new fact about the wait, or (with `corrects`) the right version of a wrong one."""

    type = forms.ChoiceField(
        choices=(),
        error_messages={
            "required": gettext_lazy("Select what happened"),
            "invalid_choice": gettext_lazy("Select what happened from the list"),
        },
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": gettext_lazy("Keep the note to 500 characters or fewer")},
    )
    corrects = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        error_messages={"invalid_choice": gettext_lazy("Select an event of this wait")},
    )

    dates = {"occurred_on": (gettext_lazy("the date it happened"), True)}

    def __init__(self, *args, event_types=(), correctable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "")] + [
            (name, event_label(name)) for name in event_types
        ]
        self.fields["corrects"].choices = [("", "")] + [
            (event.pk, str(event.pk)) for event in correctable
        ]
        self.order_fields(["type", *(f"occurred_on_{part}" for part in DATE_PARTS), "note"])


class WithdrawEventForm(GovukErrorsMixin, forms.Form):
    """An event recorded by mistake: withdrawn by an `entered_in_error` event, kept on show."""

    corrects = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        error_messages={
            "required": gettext_lazy("Select the event that was entered in error"),
            "invalid_choice": gettext_lazy("Select an event of this wait from the list"),
        },
    )
    reason = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": gettext_lazy("Keep the reason to 500 characters or fewer")},
    )
    action_fields = {"note": "reason"}

    def __init__(self, *args, correctable=(), **kwargs):
        # Its fields share the page with RecordEventForm's, so their ids are prefixed.
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [(event.pk, str(event.pk)) for event in correctable]


class OpenPathwayForm(GovukErrorsMixin, forms.Form):
    scheme = forms.ModelChoiceField(
        queryset=Scheme.objects.none(),
        to_field_name="code",
        error_messages={
            "required": gettext_lazy("Select the guarantee the wait comes under"),
            "invalid_choice": gettext_lazy("Select a guarantee from the list"),
        },
    )
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        error_messages={
            "required": gettext_lazy("Select where the person is waiting"),
            "invalid_choice": gettext_lazy("Select a provider from the list"),
        },
    )
    service = forms.CharField(
        max_length=100,
        error_messages={
            "required": gettext_lazy("Enter the service or specialty, like Orthopaedics"),
            "max_length": gettext_lazy("Enter the service in 100 characters or fewer"),
        },
    )
    external_id = forms.CharField(
        required=False,
        max_length=100,
        error_messages={
            "max_length": gettext_lazy("Enter the reference in 100 characters or fewer"),
        },
    )

    def __init__(self, *args, schemes, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["provider"].queryset = providers


class OfferForm(DatePartsForm):
    provider = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        error_messages={
            "required": gettext_lazy("Select the provider that can see them"),
            "invalid_choice": gettext_lazy("Select a provider from the list"),
        },
    )
    dates = {"appointment_on": (gettext_lazy("the date of the appointment"), True)}

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "")] + [
            (provider.pk, provider.name) for provider in providers
        ]


class TreatedElsewhereForm(DatePartsForm):
    dates = {"treated_on": (gettext_lazy("the date they were treated"), True)}


class ReplyOnBehalfForm(OnBehalfForm):
    """A person's answer to an offer of care elsewhere, given to staff to record for them."""

    ACCEPT = "accept"
    DECLINE = "decline"
    answer = forms.ChoiceField(
        choices=[
            (ACCEPT, gettext_lazy("They accept the appointment")),
            (DECLINE, gettext_lazy("They decline the appointment")),
        ],
        error_messages={
            "required": gettext_lazy("Select the person's answer"),
            "invalid_choice": gettext_lazy("Select the person's answer"),
        },
    )
    error_anchors = {**OnBehalfForm.error_anchors, "answer": "answer"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["answer", "asked_by", "confirmed"])
