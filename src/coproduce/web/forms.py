"""Forms for the website, drawn as GOV.UK Frontend components and following its error pattern.

Every field of a form with GovukErrorsMixin renders as its GOV.UK component with
`{{ form.name.as_field_group }}` (GovukBoundField picks the template in
web/includes/fields/ by the field's widget), or with `{% govuk_field form.name label=... %}`
(web.templatetags.govuk_fields) where the page words the label. The form says the label, the
hint (help_text) and the control's attributes (widget attrs: a width class, autocomplete,
inputmode); the error summary at the top of the page links to each field with a problem, and
the same message is shown on the field, announced with it.
"""

from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError
from coproduce.people.access import AskedBy
from coproduce.text import validate_text

DATE_PARTS = ("day", "month", "year")
FIELD_TEMPLATES = "web/includes/fields"
# The widget attributes a control carries over. maxlength and required are left out on
# purpose: GOV.UK forms say what is wrong in words once the form is sent.
CONTROL_ATTRIBUTES = ("autocomplete", "inputmode", "spellcheck", "autocapitalize", "rows")


class DatePartsWidget(forms.MultiWidget):
    """The three boxes of a GOV.UK date input, sent as <name>_day, <name>_month, <name>_year."""

    def __init__(self, attrs=None):
        super().__init__({part: forms.TextInput() for part in DATE_PARTS}, attrs)

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class DatePartsField(forms.MultiValueField):
    """A date typed as day, month and year (GOV.UK's date input); cleaned, a `date` (or None
    when optional and left empty). `words` names it in the error messages ("the date it
    happened"); each error says which parts are wrong, so only those are marked and the error
    summary links to the first of them."""

    widget = DatePartsWidget

    def __init__(self, *, words, required=True, **kwargs):
        self.words = words
        parts = [forms.CharField(required=False) for _part in DATE_PARTS]
        super().__init__(parts, required=required, require_all_fields=False, **kwargs)

    def compress(self, data_list):  # clean() below reads the parts itself
        raise NotImplementedError

    def clean(self, value) -> date | None:
        typed = value if isinstance(value, list | tuple) else self.widget.decompress(value)
        parts = {part: str(typed[i] or "").strip() for i, part in enumerate(DATE_PARTS)}
        words = str(self.words)
        if not any(parts.values()):
            if self.required:
                raise _date_error(gettext_now("Enter %(date)s") % {"date": words}, DATE_PARTS)
            return None
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            names = {
                "day": gettext_now("a day"),
                "month": gettext_now("a month"),
                "year": gettext_now("a year"),
            }
            raise _date_error(
                gettext_now("%(date)s must include %(parts)s")
                % {
                    "date": _sentence(words),
                    "parts": gettext_now(" and ").join(names[part] for part in missing),
                },
                missing,
            )
        not_real = _date_error(
            gettext_now("%(date)s must be a real date") % {"date": _sentence(words)}, DATE_PARTS
        )
        if not all(value.isdigit() for value in parts.values()):
            raise not_real
        if len(parts["year"]) != 4:
            raise _date_error(gettext_now("Year must include 4 numbers"), ["year"])
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except (ValueError, OverflowError):
            raise not_real from None


def _date_error(message: str, parts) -> ValidationError:
    # The parts travel with the error, for the template to mark (GovukBoundField.parts).
    return ValidationError(message, code="date", params={"parts": tuple(parts)})


def _sentence(words: str) -> str:
    """ "the end date" as the start of a sentence."""
    return words[:1].upper() + words[1:]


class RecordChoiceField(forms.ModelChoiceField):
    """A choice of records (organisations, schemes), each shown by one of its attributes
    (`shown_by`: its name, its title) rather than by how the back office names it."""

    def __init__(self, *args, shown_by: str = "name", **kwargs):
        self.shown_by = shown_by
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return str(getattr(obj, self.shown_by))


# Which GOV.UK component draws a field, by its widget: the first that matches (checkboxes
# before radios: Django's CheckboxSelectMultiple is a RadioSelect). Anything else is a text
# input of the widget's type.
KINDS = (
    (DatePartsWidget, "date"),
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Select, "select"),
    (forms.Textarea, "textarea"),
    (forms.PasswordInput, "password"),
)
# Components that are a group of controls, under a legend in a fieldset.
FIELDSET_KINDS = frozenset({"date", "checkboxes", "radios"})


class GovukBoundField(BoundField):
    """A form field as a GOV.UK component. The templates read what is here: the kind of
    component, the ids the hint, the error and the error summary use, and the control's
    value, options or parts."""

    @property
    def kind(self) -> str:
        widget = self.field.widget
        return next((kind for cls, kind in KINDS if isinstance(widget, cls)), "input")

    @property
    def template_name(self) -> str:
        if self.field.template_name:
            return self.field.template_name
        if self.kind == "checkbox":
            return f"{FIELD_TEMPLATES}/checkbox.html"
        if self.kind in FIELDSET_KINDS:
            return f"{FIELD_TEMPLATES}/fieldset.html"
        return f"{FIELD_TEMPLATES}/group.html"

    @property
    def control_template(self) -> str:
        if self.kind in {"radios", "checkboxes"}:
            return f"{FIELD_TEMPLATES}/options.html"
        return f"{FIELD_TEMPLATES}/{self.kind}.html"

    @property
    def option_type(self) -> str:
        """The input type of each of its radios or checkboxes."""
        return "checkbox" if self.kind == "checkboxes" else "radio"

    def get_context(self) -> dict:
        return self.context()

    def context(self, **page) -> dict:
        """What the template draws: the field with its label (or legend), hint, size ("s",
        "m", "l" or none) and heading (a label or legend that is the page's h1), as the form
        says unless the page says otherwise (`page`, from the govuk_field tag); the ids the
        control is described by (hint, then error), and its attributes from the widget."""
        shown = {
            "label": self.label,
            "hint": self.help_text,
            "size": self.form.label_size,
            "heading": "",
            **{name: value for name, value in page.items() if value is not None},
        }
        described_by = [f"{self.auto_id}-hint"] if shown["hint"] else []
        if self.errors:
            described_by.append(f"{self.auto_id}-error")
        attributes = [
            (name, value)
            for name, value in self.field.widget.attrs.items()
            if name in CONTROL_ATTRIBUTES
        ]
        if described_by and self.kind not in FIELDSET_KINDS:
            attributes.append(("aria-describedby", " ".join(described_by)))
        return {
            "field": self,
            **shown,
            # On the fieldset of a group of controls; on the control itself otherwise.
            "described_by": " ".join(described_by),
            "attributes": format_html_join("", ' {}="{}"', attributes),
        }

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the control, the first option of radios or
        checkboxes, or the first part of a date in error."""
        if self.kind == "date":
            return f"{self.auto_id}_{(self.parts_in_error or DATE_PARTS)[0]}"
        return self.auto_id

    @property
    def classes(self) -> str:
        """The form's own classes for the control (a width, like govuk-input--width-10)."""
        return self.field.widget.attrs.get("class", "")

    @property
    def input_type(self) -> str:
        return getattr(self.field.widget, "input_type", "text")

    @property
    def text(self) -> str:
        """The value as typed (or as it starts), for a text input or textarea."""
        shown = self.field.widget.format_value(self.value())
        return "" if shown is None else shown

    @property
    def checked(self) -> bool:
        return self.field.widget.check_test(self.value())

    @property
    def optgroups(self) -> list:
        """The options of a select, radios or checkboxes, in Django's groups (name, options,
        index); an option says its value, label and whether it is chosen."""
        widget = self.field.widget
        return widget.optgroups(self.html_name, widget.format_value(self.value()))

    @property
    def items(self) -> list[dict]:
        """Each radio or checkbox: its id (the first is the field's, which the error summary
        links to; then -2, -3..., as GOV.UK Frontend numbers them), value, label, checked,
        and the hint under it when the choice's label has one (a label object with `hint`)."""
        options = [option for _name, group, _index in self.optgroups for option in group]
        return [
            {
                "id": self.auto_id if number == 1 else f"{self.auto_id}-{number}",
                "value": str(option["value"]),
                "label": option["label"],
                "hint": getattr(option["label"], "hint", ""),
                "checked": option["selected"],
            }
            for number, option in enumerate(options, start=1)
        ]

    @property
    def parts_in_error(self) -> list[str]:
        """The parts of a date to mark: those its error names, or all three (a refusal by an
        action is about the date as a whole)."""
        marked = set()
        for error in self.errors.as_data():
            marked.update((error.params or {}).get("parts", DATE_PARTS))
        return [part for part in DATE_PARTS if part in marked]

    @property
    def parts(self) -> list[dict]:
        """A date input's day, month and year: id, name, label, width, typed value, and
        whether it is marked in error."""
        typed = self.value()
        if not isinstance(typed, list | tuple):
            typed = self.field.widget.decompress(typed)
        in_error = self.parts_in_error
        labels = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
        return [
            {
                "id": f"{self.auto_id}_{part}",
                "name": f"{self.html_name}_{part}",
                "label": labels[part],
                "width": 4 if part == "year" else 2,
                "value": "" if typed[index] is None else str(typed[index]),
                "in_error": part in in_error,
            }
            for index, part in enumerate(DATE_PARTS)
        ]


class GovukErrorsMixin:
    """For a Django form drawn with GOV.UK components: fields have ids equal to their names
    (auto_id="%s"), each renders as its component (GovukBoundField), and the error summary
    links to each field in error. Its text fields refuse characters that cannot be stored or
    shown safely (coproduce.text)."""

    bound_field_class = GovukBoundField
    # Where an action's field names differ from the form's (organisation_id -> organisation).
    action_fields: dict[str, str] = {}
    # The size of the labels and legends ("s", "m", "l", or "" for body text): staff forms
    # are small and bold.
    label_size = "s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_text)

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order the fields appear, as links for the error summary."""
        first_field = next(iter(self.fields))
        summary = [
            {"href": f"#{self[first_field].anchor}", "text": message}
            for message in self.non_field_errors()
        ]
        for name in self.fields:
            for message in self.errors.get(name, []):
                summary.append({"href": f"#{self[name].anchor}", "text": message})
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
    label_size = ""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username, password = self.fields["username"], self.fields["password"]
        username.label = _("Username")
        username.error_messages["required"] = _("Enter your username")
        username.widget.attrs.update({"class": "govuk-!-width-two-thirds", "spellcheck": "false"})
        password.label = _("Password")
        password.error_messages["required"] = _("Enter your password")
        password.strip = False


class NewPasswordForm(GovukErrorsMixin, SetPasswordForm):
    """Choosing a new password from a reset link: Django's checks, GOV.UK's error messages."""

    label_size = ""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        new, again = self.fields["new_password1"], self.fields["new_password2"]
        new.label = _("New password")
        new.help_text = _(
            "Use at least 8 characters. Do not use a common password, only numbers, or "
            "something like your name."
        )
        new.error_messages["required"] = _("Enter a new password")
        again.label = _("Enter the new password again")
        again.help_text = ""
        again.error_messages["required"] = _("Enter the new password again")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("The passwords do not match. Enter the same password twice."),
        }


class CaseloadSearchForm(GovukErrorsMixin, forms.Form):
    """The search box over the people a member of staff can see."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search by name or NHS number"),
        widget=forms.SearchInput(attrs={"class": "govuk-!-width-one-half", "spellcheck": "false"}),
        error_messages={"max_length": _("Search for 100 characters or fewer")},
    )


class OnBehalfForm(GovukErrorsMixin, forms.Form):
    """Staff making one of a person's own choices for them (asking for care elsewhere,
    answering an offer, consent): how the person asked, and that they did. The action needs
    both (people.access.act_for_person); the include web/includes/on_behalf.html shows them,
    worded with the person's name."""

    asked_by = forms.ChoiceField(
        choices=[(value, capfirst(label)) for value, label in AskedBy.choices],
        widget=forms.RadioSelect,
        label=_("How did the person ask you to do this?"),
        help_text=_(
            "This is their choice. You can only make it for them when they have asked you to."
        ),
        error_messages={
            "required": _("Select how the person asked you to do this"),
            "invalid_choice": _("Select how the person asked you to do this"),
        },
    )
    confirmed = forms.BooleanField(
        label=_("The person asked me to do this for them."),
        error_messages={"required": _("Confirm that the person asked you to do this")},
    )


def _code_input(width: str, **attrs: str) -> forms.TextInput:
    """A box for a code read off a screen or paper: no spell check, no capitals added."""
    return forms.TextInput(
        attrs={"class": width, "spellcheck": "false", "autocapitalize": "none", **attrs}
    )


class AuthenticatorCodeForm(GovukErrorsMixin, forms.Form):
    """A code from an authenticator app (6 numbers). Spaces people type are dropped; at the
    second step of signing in, a recovery code typed here is taken too. Its page words the
    label (the page's heading) and the hint."""

    label_size = ""
    code = forms.CharField(
        max_length=40,
        widget=_code_input(
            "govuk-input--width-5", inputmode="numeric", autocomplete="one-time-code"
        ),
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
        widget=_code_input("govuk-input--width-10", autocomplete="off"),
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
