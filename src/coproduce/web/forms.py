"""Forms for the website, and what every form needs to follow the GOV.UK error pattern: an
error summary at the top of the page linking to each field with a problem."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.text import capfirst
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError
from coproduce.people.access import AskedBy
from coproduce.text import validate_text

DATE_PARTS = ("day", "month", "year")


class GovukErrorsMixin:
    """For a Django form whose fields have ids equal to their names (auto_id="%s"). Its text
    fields refuse characters that cannot be stored or shown safely (coproduce.text).

    `error_anchors` names, for fields whose first input is not the field's own id (radios,
    date inputs), the id the error summary links to.
    """

    error_anchors: dict[str, str] = {}
    # Where an action's field names differ from the form's (organisation_id -> organisation).
    action_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_text)

    def anchor_for(self, name: str) -> str:
        if name in self.error_anchors:
            return self.error_anchors[name]
        field = self[name]
        return field.auto_id

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order the fields appear, as links for the error summary."""
        first_field = next(iter(self.fields))
        summary = [
            {"href": f"#{self.anchor_for(first_field)}", "text": message}
            for message in self.non_field_errors()
        ]
        for name in self.fields:
            for message in self.errors.get(name, []):
                summary.append({"href": f"#{self.anchor_for(name)}", "text": message})
        return summary

    def add_action_error(self, error: ActionError) -> None:
        """Show an action's refusal on the fields it names (or above the form)."""
        placed = False
        for name, messages in error.fields.items():
            field = self.action_fields.get(name, name)
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class SignInForm(GovukErrorsMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Check them and try again."),
        "inactive": _(
            "This sign-in has been switched off. Ask your organisation's administrator for help."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")
        self.fields["password"].strip = False


class NewPasswordForm(GovukErrorsMixin, SetPasswordForm):
    """Choosing a new password from a reset link: Django's checks, GOV.UK's error messages."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password")
        self.fields["new_password2"].error_messages["required"] = _("Enter the new password again")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("The passwords do not match. Enter the same password twice."),
        }


class CaseloadSearchForm(GovukErrorsMixin, forms.Form):
    """The search box over the people a member of staff can see."""

    q = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": _("Search for 100 characters or fewer")},
    )


class OnBehalfForm(GovukErrorsMixin, forms.Form):
    """Staff making one of a person's own choices for them (asking for care elsewhere,
    answering an offer, consent): how the person asked, and that they did. The action needs
    both (people.access.act_for_person); the include web/includes/on_behalf.html shows them."""

    asked_by = forms.ChoiceField(
        choices=[(value, capfirst(label)) for value, label in AskedBy.choices],
        error_messages={
            "required": _("Select how the person asked you to do this"),
            "invalid_choice": _("Select how the person asked you to do this"),
        },
    )
    confirmed = forms.BooleanField(
        error_messages={"required": _("Confirm that the person asked you to do this")},
    )
    error_anchors = {"asked_by": "asked_by"}


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
                self._date_error(name, gettext_now("Enter %(date)s") % {"date": words}, DATE_PARTS)
            return None
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            names = {
                "day": gettext_now("a day"),
                "month": gettext_now("a month"),
                "year": gettext_now("a year"),
            }
            self._date_error(
                name,
                gettext_now("%(date)s must include %(parts)s")
                % {
                    "date": _sentence(words),
                    "parts": gettext_now(" and ").join(names[part] for part in missing),
                },
                missing,
            )
            return None
        if not all(value.isdigit() for value in parts.values()):
            self._date_error(
                name,
                gettext_now("%(date)s must be a real date") % {"date": _sentence(words)},
                DATE_PARTS,
            )
            return None
        if len(parts["year"]) != 4:
            self._date_error(name, gettext_now("Year must include 4 numbers"), ["year"])
            return None
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self._date_error(
                name,
                gettext_now("%(date)s must be a real date") % {"date": _sentence(words)},
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


def _sentence(words: str) -> str:
    """ "the end date" as the start of a sentence."""
    return words[:1].upper() + words[1:]


class AuthenticatorCodeForm(GovukErrorsMixin, forms.Form):
    """A code from an authenticator app (6 numbers). Spaces people type are dropped; at the
    second step of signing in, a recovery code typed here is taken too."""

    code = forms.CharField(
        max_length=40,
        error_messages={
            "required": _("Enter the code from your authenticator app"),
            "max_length": _("The code must be 6 numbers"),
        },
    )

    def clean_code(self) -> str:
        code = _without_spaces(self.cleaned_data["code"])
        if code.isdigit() and len(code) != 6:
            raise forms.ValidationError(_("The code must be 6 numbers"))
        return code


class RecoveryCodeForm(AuthenticatorCodeForm):
    """One of the recovery codes given when the authenticator app was set up."""

    code = forms.CharField(
        max_length=40,
        error_messages={
            "required": _("Enter one of your recovery codes"),
            "max_length": _("A recovery code is 8 letters and numbers"),
        },
    )

    def clean_code(self) -> str:
        return _without_spaces(self.cleaned_data["code"])


def _without_spaces(code: str) -> str:
    """A code as stored: people copy them with spaces or dashes, and in capitals."""
    return "".join(code.split()).replace("-", "").lower()
