"""Forms for the waits pages: GOV.UK date inputs (day, month, year), recording and correcting
a pathway's events, opening a wait, offering care elsewhere and recording treatment there.

The forms only read what was typed; the actions decide what is allowed, and their refusals are
shown on the fields they name (GovukErrorsMixin.add_action_error).
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.errors import ActionError
from coproduce.people.models import Organisation
from coproduce.web.forms import GovukErrorsMixin

from .models import PathwayEvent, Scheme

DATE_PARTS = ("day", "month", "year")
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


@dataclass(frozen=True)
class DateInput:
    """What the date input template needs for one date: its typed parts and its errors."""

    name: str
    day: str
    month: str
    year: str
    errors: list[str]
    parts_in_error: frozenset[str]


class DatePartsForm(GovukErrorsMixin, forms.Form):
    """A form with GOV.UK date inputs. For each name in `dates` (name -> the date in words,
    "the date it happened"), the form has `<name>_day`, `<name>_month` and `<name>_year`
    fields; cleaned_data[name] is the date (or None when optional and left empty). Errors
    are on `<name>_day`, and the error summary links to the first part in error."""

    # name -> (the date in words, required)
    dates: dict[str, tuple[str, bool]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.dates:
            for part in DATE_PARTS:
                self.fields[f"{name}_{part}"] = forms.CharField(required=False, max_length=10)
        self.parts_in_error: dict[str, set[str]] = {name: set() for name in self.dates}
        self.action_fields = {**self.action_fields, **{name: f"{name}_day" for name in self.dates}}

    def anchor_for(self, name: str) -> str:
        for date_name in self.dates:
            if name == f"{date_name}_day":
                for part in DATE_PARTS:
                    if part in self.parts_in_error[date_name]:
                        return f"{date_name}_{part}"
        return super().anchor_for(name)

    def _date_error(self, name: str, message: str, parts) -> None:
        self.parts_in_error[name].update(parts)
        self.add_error(f"{name}_day", message)

    def clean(self):
        cleaned = super().clean()
        for name, (words, required) in self.dates.items():
            cleaned[name] = self._clean_date(cleaned, name, str(words), required)
        return cleaned

    def _clean_date(self, cleaned: dict, name: str, words: str, required: bool) -> date | None:
        parts = {part: (cleaned.get(f"{name}_{part}") or "").strip() for part in DATE_PARTS}
        if not any(parts.values()):
            if required:
                self._date_error(name, _("Enter %(date)s") % {"date": words}, DATE_PARTS)
            return None
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            names = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
            self._date_error(
                name,
                _("%(date)s must include %(parts)s")
                % {
                    "date": words[:1].upper() + words[1:],
                    "parts": _(" and ").join(names[part] for part in missing),
                },
                missing,
            )
            return None
        if not all(value.isdigit() for value in parts.values()):
            self._date_error(
                name,
                _("%(date)s must be a real date") % {"date": words[:1].upper() + words[1:]},
                DATE_PARTS,
            )
            return None
        if len(parts["year"]) != 4:
            self._date_error(name, _("Year must include 4 numbers"), ["year"])
            return None
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self._date_error(
                name,
                _("%(date)s must be a real date") % {"date": words[:1].upper() + words[1:]},
                DATE_PARTS,
            )
            return None

    def add_action_error(self, error: ActionError) -> None:
        for name in self.dates:
            if name in error.fields:
                self.parts_in_error[name].update(DATE_PARTS)
        super().add_action_error(error)

    @property
    def date_inputs(self) -> dict[str, DateInput]:
        def typed(field: str) -> str:
            value = self[field].value()
            return "" if value is None else str(value)

        return {
            name: DateInput(
                name=name,
                day=typed(f"{name}_day"),
                month=typed(f"{name}_month"),
                year=typed(f"{name}_year"),
                errors=list(self.errors.get(f"{name}_day", [])),
                parts_in_error=frozenset(self.parts_in_error[name]),
            )
            for name in self.dates
        }


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
