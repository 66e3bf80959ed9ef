"""Forms for the waits pages: recording and correcting a pathway's events, opening a wait,
offering care elsewhere and recording treatment there, answering an offer for the person, and
the filters of the waiting list and of the statistics pages.

The forms only read what was typed; the actions decide what is allowed, and their refusals are
shown on the fields they name (GovukErrorsMixin.add_action_error). Each field is drawn as its
GOV.UK component (web.forms.GovukBoundField), with the label and hint said here.
"""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy, ngettext

from coproduce.people.models import Organisation
from coproduce.web.forms import DatePartsField, GovukErrorsMixin, OnBehalfForm, RecordChoiceField

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


def _event_choice(event: PathwayEvent) -> tuple[int, str]:
    return event.pk, f"{event_label(event.type)}, {date_format(event.occurred_on, 'j F Y')}"


class RecordEventForm(GovukErrorsMixin, forms.Form):
    """A new fact about the wait, or (with `corrects`) the right version of a wrong one."""

    type = forms.ChoiceField(
        choices=(),
        label=gettext_lazy("What happened"),
        error_messages={
            "required": gettext_lazy("Select what happened"),
            "invalid_choice": gettext_lazy("Select what happened from the list"),
        },
    )
    occurred_on = DatePartsField(
        words=gettext_lazy("the date it happened"),
        label=gettext_lazy("When did it happen?"),
        help_text=gettext_lazy("For example, 27 3 2026"),
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label=gettext_lazy("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("Keep the note to 500 characters or fewer")},
    )
    corrects = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        label=gettext_lazy("Does this replace an event recorded wrongly? (optional)"),
        help_text=gettext_lazy(
            "Choose the wrong event to record the right type or date in its place."
        ),
        error_messages={"invalid_choice": gettext_lazy("Select an event of this wait")},
    )

    def __init__(self, *args, event_types=(), correctable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", gettext_lazy("Choose an event"))] + [
            (name, event_label(name)) for name in event_types
        ]
        self.fields["corrects"].choices = [("", gettext_lazy("No, this is a new event"))] + [
            _event_choice(event) for event in correctable
        ]


class WithdrawEventForm(GovukErrorsMixin, forms.Form):
    """An event recorded by mistake: withdrawn by an `entered_in_error` event, kept on show."""

    corrects = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        label=gettext_lazy("Event entered in error"),
        error_messages={
            "required": gettext_lazy("Select the event that was entered in error"),
            "invalid_choice": gettext_lazy("Select an event of this wait from the list"),
        },
    )
    reason = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label=gettext_lazy("Why was it wrong? (optional)"),
        error_messages={"max_length": gettext_lazy("Keep the reason to 500 characters or fewer")},
    )
    action_fields = {"note": "reason"}

    def __init__(self, *args, correctable=(), **kwargs):
        # Its fields share the page with RecordEventForm's, so their ids are prefixed.
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [("", gettext_lazy("Choose an event"))] + [
            _event_choice(event) for event in correctable
        ]


class OpenPathwayForm(GovukErrorsMixin, forms.Form):
    scheme = RecordChoiceField(
        shown_by="title",
        queryset=Scheme.objects.none(),
        to_field_name="code",
        label=gettext_lazy("Guarantee"),
        empty_label=gettext_lazy("Choose a guarantee"),
        error_messages={
            "required": gettext_lazy("Select the guarantee the wait comes under"),
            "invalid_choice": gettext_lazy("Select a guarantee from the list"),
        },
    )
    provider = RecordChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("Provider"),
        empty_label=gettext_lazy("Choose a provider"),
        error_messages={
            "required": gettext_lazy("Select where the person is waiting"),
            "invalid_choice": gettext_lazy("Select a provider from the list"),
        },
    )
    service = forms.CharField(
        max_length=100,
        label=gettext_lazy("Service or specialty"),
        help_text=gettext_lazy("For example, Orthopaedics"),
        error_messages={
            "required": gettext_lazy("Enter the service or specialty, like Orthopaedics"),
            "max_length": gettext_lazy("Enter the service in 100 characters or fewer"),
        },
    )
    external_id = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Provider's reference (optional)"),
        help_text=gettext_lazy(
            "The reference in the provider's patient administration system, if it has one"
        ),
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-20",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
        error_messages={
            "max_length": gettext_lazy("Enter the reference in 100 characters or fewer"),
        },
    )

    def __init__(self, *args, schemes, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["provider"].queryset = providers


class OfferForm(GovukErrorsMixin, forms.Form):
    """Care elsewhere to offer: the providers meeting the guarantee now first (`suggested`,
    each with its median wait in days), then every other provider of care (`others`)."""

    provider = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        label=gettext_lazy("Provider that can see them"),
        help_text=gettext_lazy(
            "Providers meeting the guarantee now come first, with the wait half of their "
            "patients have had."
        ),
        error_messages={
            "required": gettext_lazy("Select the provider that can see them"),
            "invalid_choice": gettext_lazy("Select a provider from the list"),
        },
    )
    appointment_on = DatePartsField(
        words=gettext_lazy("the date of the appointment"),
        label=gettext_lazy("Date of the appointment"),
        help_text=gettext_lazy("Today or later. For example, 27 3 2027"),
    )

    def __init__(self, *args, suggested=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("Choose a provider"))]
        if suggested:
            choices.append(
                (
                    gettext_lazy("Meeting the guarantee now"),
                    [
                        (
                            provider.pk,
                            ngettext(
                                "%(name)s (median wait %(days)d day)",
                                "%(name)s (median wait %(days)d days)",
                                days,
                            )
                            % {"name": provider.name, "days": days},
                        )
                        for provider, days in suggested
                    ],
                )
            )
        choices.append(
            (
                gettext_lazy("Other providers"),
                [(provider.pk, provider.name) for provider in others],
            )
        )
        self.fields["provider"].choices = choices


class TreatedElsewhereForm(GovukErrorsMixin, forms.Form):
    treated_on = DatePartsField(
        words=gettext_lazy("the date they were treated"),
        label=gettext_lazy("When were they treated?"),
        help_text=gettext_lazy("Not in the future. For example, 27 3 2026"),
    )
    label_size = "m"


class ReplyOnBehalfForm(OnBehalfForm):
    """A person's answer to an offer of care elsewhere, given to staff to record for them."""

    ACCEPT = "accept"
    DECLINE = "decline"
    answer = forms.ChoiceField(
        choices=[
            (ACCEPT, gettext_lazy("They accept the appointment")),
            (DECLINE, gettext_lazy("They decline the appointment")),
        ],
        widget=forms.RadioSelect,
        label=gettext_lazy("What is the person's answer?"),
        error_messages={
            "required": gettext_lazy("Select the person's answer"),
            "invalid_choice": gettext_lazy("Select the person's answer"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["answer", "asked_by", "confirmed"])


class ProviderFilterForm(GovukErrorsMixin, forms.Form):
    """Which of the actor's organisations' waiting list to show (a GET form)."""

    provider = forms.ChoiceField(choices=(), label=gettext_lazy("Organisation"))

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(org.pk, org.name) for org in providers]


class StatisticsFilterForm(GovukErrorsMixin, forms.Form):
    """The statistics pages' filters (a GET form): the scheme, its stage and the month. The
    page reads the query string itself and never fails on it (statistics_views.read_choice);
    this form only draws the choices, with what is shown chosen."""

    scheme = forms.ChoiceField(choices=(), label=gettext_lazy("Guarantee"))
    stage = forms.ChoiceField(
        choices=(),
        label=gettext_lazy("Stage of the wait"),
        help_text=gettext_lazy(
            "If you choose another guarantee, its first stage is shown. You can then choose "
            "another stage."
        ),
    )
    month = forms.ChoiceField(choices=(), label=gettext_lazy("Month the waits ended"))

    def __init__(self, choice, **kwargs):
        initial = {
            "scheme": choice.scheme.code if choice.scheme else "",
            "stage": choice.stage.code if choice.stage else "",
            "month": choice.month.strftime("%Y-%m"),
        }
        super().__init__(initial=initial, **kwargs)
        self.fields["scheme"].choices = [(s.code, s.title) for s in choice.schemes]
        self.fields["stage"].choices = [(s.code, s.title) for s in choice.stages]
        self.fields["month"].choices = [
            (month.strftime("%Y-%m"), date_format(month, "F Y")) for month in choice.months
        ]
