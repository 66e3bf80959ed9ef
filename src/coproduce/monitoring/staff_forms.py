"""Forms for the care team's pages: enrolling a person (the programme, then the care team,
the person's own thresholds and the window), changing one threshold with why, and the steps
on an alert.

The forms only read what was typed and turn it into what the actions take (JSON numbers for
thresholds, actions.TeamMember for the care team); the actions decide, and their refusals are
shown on the fields they name (GovukErrorsMixin.add_action_error, through `action_fields`).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy

from coproduce.web.forms import DatePartsField, GovukErrorsMixin

from . import actions
from .models import Alert
from .programmes import AnswerKind, Setting

NOTE_MAX = 2000
WHY_MAX = 500
TEAM_SIZE = 3
# How far ahead check-ins may start (the equipment posted, a discharge date).
LATEST_START_DAYS = 90
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]
# Each member's job title is asked for after their name: the labels say whose it is.
TITLE_LABELS = (
    gettext_lazy("The named clinician's job title, as the person will read it"),
    gettext_lazy("The next person's job title"),
    gettext_lazy("Job title of the person after them"),
)


@dataclass(frozen=True)
class ProgrammeChoice:
    """A programme as a radio: its title, with what it asks of the person under it."""

    title: str
    description: str

    def __str__(self) -> str:
        return self.title

    @property
    def hint(self) -> str:
        return self.description


class EnrolStartForm(GovukErrorsMixin, forms.Form):
    """The programme, and the organisation whose care team watches (when the clinician works
    as one at more than one)."""

    programme = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=gettext_lazy("Which programme?"),
        error_messages={
            "required": gettext_lazy("Select a programme"),
            "invalid_choice": gettext_lazy("Select one of the programmes shown"),
        },
    )
    organisation = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label=gettext_lazy("Which organisation's care team will watch the check-ins?"),
        error_messages={
            "required": gettext_lazy("Select the organisation"),
            "invalid_choice": gettext_lazy("Select one of the organisations shown"),
        },
    )

    def __init__(self, *args, programmes=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        programme = self.fields["programme"]
        programme.choices = [
            (row.key, ProgrammeChoice(definition.title, definition.description))
            for row, definition in programmes
        ]
        self.fields["organisation"].choices = [(org.pk, org.name) for org in organisations]
        if len(organisations) == 1 and not self.is_bound:
            self.initial.setdefault("organisation", organisations[0].pk)


def _number_words(setting: Setting) -> str:
    low, high = setting.minimum, setting.maximum
    if low is not None and high is not None:
        return gettext_now("Enter a number from %(low)s to %(high)s") % {"low": low, "high": high}
    return gettext_now("Enter a number")


def shown_value(setting: Setting, value) -> str:
    """A threshold's value as staff read it: the option's words, or the number."""
    if value is None or value == "":
        return gettext_now("Not set")
    option = next((o for o in setting.options if o.code == str(value)), None)
    if option is not None:
        return option.text
    if setting.kind == AnswerKind.BOOLEAN:
        return gettext_now("Yes") if value else gettext_now("No")
    if setting.kind == AnswerKind.DECIMAL:
        return f"{Decimal(str(value)):.{setting.decimals}f}"
    return str(value)


def setting_field(setting: Setting, default, *, label=None) -> forms.Field:
    """One threshold as a GOV.UK field, the programme's default in its hint; cleaned, the
    JSON value the rules read (int, float, str, bool, or None when left empty)."""
    hint = " ".join(
        part
        for part in (
            setting.hint,
            gettext_now("The programme's default is %(value)s.")
            % {"value": shown_value(setting, default)}
            if default is not None
            else gettext_now("The programme has no default."),
        )
        if part
    )
    common = {"label": label or setting.label, "help_text": hint, "required": default is not None}
    if setting.options:
        coerce = int if setting.kind == AnswerKind.INTEGER else str
        return forms.TypedChoiceField(
            choices=[(option.code, option.text) for option in setting.options],
            coerce=coerce,
            widget=forms.RadioSelect,
            error_messages={
                "required": gettext_now("Select %(what)s") % {"what": setting.label.lower()},
                "invalid_choice": gettext_now("Select one of the options shown"),
            },
            **common,
        )
    if setting.kind == AnswerKind.BOOLEAN:
        return forms.TypedChoiceField(
            choices=[("yes", gettext_now("Yes")), ("no", gettext_now("No"))],
            coerce=lambda value: value == "yes",
            widget=forms.RadioSelect,
            error_messages={"required": gettext_now("Select yes or no")},
            **common,
        )
    if setting.kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL):
        words = _number_words(setting)
        messages = {
            key: words
            for key in ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits")
        }
        messages["required"] = words
        decimals = setting.decimals if setting.kind == AnswerKind.DECIMAL else 0
        messages["max_decimal_places"] = gettext_now(
            "Enter the number with %(places)d decimal place at most"
        ) % {"places": decimals}
        return ThresholdNumberField(
            min_value=setting.minimum,
            max_value=setting.maximum,
            decimal_places=decimals,
            as_integer=setting.kind == AnswerKind.INTEGER,
            error_messages=messages,
            widget=forms.TextInput(
                attrs={
                    "class": "govuk-input--width-5",
                    "inputmode": "numeric" if decimals == 0 else "decimal",
                    "spellcheck": "false",
                }
            ),
            **common,
        )
    return forms.CharField(max_length=200, **common)


class ThresholdNumberField(forms.DecimalField):
    """A threshold typed as a number; cleaned, an int (whole-number settings) or a float."""

    def __init__(self, *, as_integer: bool, **kwargs):
        self.as_integer = as_integer
        super().__init__(**kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number is None:
            return None
        return int(number) if self.as_integer else float(number)


def setting_initial(setting: Setting, value):
    """What a field shows for a stored value."""
    if value is None:
        return None
    if setting.kind == AnswerKind.BOOLEAN and not setting.options:
        return "yes" if value else "no"
    if setting.kind == AnswerKind.DECIMAL:
        return f"{Decimal(str(value)):.{setting.decimals}f}"
    return str(value)


def _setting_name(key: str) -> str:
    return f"setting_{key}"


class EnrolDetailsForm(GovukErrorsMixin, forms.Form):
    """The care team (the named clinician first, then who an overdue alert goes to next),
    the person's own thresholds and the check-in window."""

    window_opens = forms.TimeField(
        input_formats=TIME_FORMATS,
        label=gettext_lazy("The check-in window opens at"),
        help_text=gettext_lazy("In the 24-hour clock, for example 06:00."),
        error_messages={
            "required": gettext_lazy("Enter when the window opens, for example 06:00"),
            "invalid": gettext_lazy("Enter a time in the 24-hour clock, for example 06:00"),
        },
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input--width-5"}),
    )
    window_closes = forms.TimeField(
        input_formats=TIME_FORMATS,
        label=gettext_lazy("The check-in window closes at"),
        help_text=gettext_lazy(
            "In the 24-hour clock, for example 12:00. A person who has not checked in by then "
            "is reminded."
        ),
        error_messages={
            "required": gettext_lazy("Enter when the window closes, for example 12:00"),
            "invalid": gettext_lazy("Enter a time in the 24-hour clock, for example 12:00"),
        },
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input--width-5"}),
    )

    starts_on = DatePartsField(
        words=gettext_lazy("the first day of check-ins"),
        required=False,
        label=gettext_lazy("First day of check-ins"),
        help_text=gettext_lazy(
            "For example, 27 3 2026. A later day gives time for the equipment to arrive; "
            "no check-in is missed before it. Empty: today."
        ),
    )

    def __init__(self, *args, definition, colleagues, defaults, today, **kwargs):
        """`colleagues`: (user, job title) of everyone with a current role at the
        organisation; `defaults`: the programme's thresholds (its own changes included);
        `today`: the first day offered."""
        super().__init__(*args, **kwargs)
        self.today = today
        self.definition = definition
        self.defaults = defaults
        choices = [(str(user.pk), _colleague_label(user, title)) for user, title in colleagues]
        titles = {str(user.pk): title for user, title in colleagues}
        self.job_titles = titles
        team_fields = {}
        for position in range(1, TEAM_SIZE + 1):
            first = position == 1
            team_fields[_member(position)] = forms.ChoiceField(
                choices=[("", gettext_lazy("Choose a person"))] + choices,
                required=first,
                label=gettext_now("Named clinician")
                if first
                else gettext_now("Next on the care team (optional)")
                if position == 2
                else gettext_now("After them (optional)"),
                help_text=gettext_now("They get the alerts first.")
                if first
                else gettext_now("An alert nobody has taken in hand by its due time goes on here."),
                error_messages={
                    "required": gettext_now("Choose the named clinician"),
                    "invalid_choice": gettext_now("Choose someone who works at the organisation"),
                },
            )
            team_fields[_title(position)] = forms.CharField(
                required=False,
                max_length=200,
                label=TITLE_LABELS[position - 1],
                help_text=gettext_now(
                    "For example, Heart failure nurse. Leave it empty to use the job title "
                    "shown with their name."
                ),
                error_messages={
                    "max_length": gettext_now("Keep the job title to 200 characters or fewer")
                },
            )
        setting_fields = {
            _setting_name(setting.key): setting_field(setting, defaults.get(setting.key))
            for setting in definition.settings
        }
        window = self.fields.copy()
        self.fields = {**team_fields, **setting_fields, **window}
        if not self.is_bound:
            for setting in definition.settings:
                self.initial.setdefault(
                    _setting_name(setting.key),
                    setting_initial(setting, defaults.get(setting.key)),
                )
            self.initial.setdefault("window_opens", definition.schedule.window_opens)
            self.initial.setdefault("window_closes", definition.schedule.window_closes)
            self.initial.setdefault("starts_on", today)
        self.action_fields = {"team": _member(1)} | {
            f"settings.{setting.key}": _setting_name(setting.key) for setting in definition.settings
        }

    def clean_starts_on(self):
        """A clinician starts someone today or on a coming day (the demo and imports may
        back-date an enrolment through the action; a person being enrolled cannot have
        checked in already)."""
        starts_on = self.cleaned_data.get("starts_on") or self.today
        if starts_on < self.today:
            raise forms.ValidationError(
                gettext_now("The first day of check-ins must be today or later")
            )
        if starts_on > self.today + timedelta(days=LATEST_START_DAYS):
            raise forms.ValidationError(
                gettext_now("The first day of check-ins must be within %(days)s days")
                % {"days": LATEST_START_DAYS}
            )
        return starts_on

    def team_fields(self):
        return [(self[_member(p)], self[_title(p)]) for p in range(1, TEAM_SIZE + 1)]

    def setting_fields(self):
        return [self[_setting_name(setting.key)] for setting in self.definition.settings]

    def clean(self):
        data = super().clean()
        for position in range(1, TEAM_SIZE + 1):
            member = data.get(_member(position))
            if member and not (data.get(_title(position)) or "").strip():
                known = self.job_titles.get(member, "")
                if known:
                    data[_title(position)] = known
                else:
                    self.add_error(
                        _title(position),
                        gettext_now("Enter their job title, such as Heart failure nurse"),
                    )
        return data

    def team(self) -> list[actions.TeamMember]:
        """The members chosen, in order; the action's refusals of `team[i]` are placed on
        the i-th one chosen."""
        members = []
        for position in range(1, TEAM_SIZE + 1):
            user_id = self.cleaned_data.get(_member(position))
            if not user_id:
                continue
            index = len(members)
            self.action_fields[f"team[{index}]"] = _member(position)
            self.action_fields[f"team[{index}].job_title"] = _title(position)
            members.append(
                actions.TeamMember(int(user_id), self.cleaned_data[_title(position)].strip())
            )
        return members

    def settings(self) -> dict:
        """The person's own thresholds: those typed that differ from the programme's."""
        own = {}
        for setting in self.definition.settings:
            value = self.cleaned_data.get(_setting_name(setting.key))
            if not _same(value, self.defaults.get(setting.key)):
                own[setting.key] = value
        return own


def _same(value, default) -> bool:
    if value is None or default is None:
        return value is None and default is None
    if isinstance(value, bool) or isinstance(default, bool):
        return value == default
    if isinstance(value, int | float | Decimal) and isinstance(default, int | float | Decimal):
        return Decimal(str(value)) == Decimal(str(default))
    return str(value) == str(default)


def _member(position: int) -> str:
    return f"member_{position}"


def _title(position: int) -> str:
    return f"member_{position}_title"


def _colleague_label(user, title: str) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({title})" if title else name


class ThresholdChangeForm(GovukErrorsMixin, forms.Form):
    """A new value for one of the person's thresholds, and why (it goes in the history)."""

    why = forms.CharField(
        max_length=WHY_MAX,
        label=gettext_lazy("Why are you changing it?"),
        help_text=gettext_lazy("Your colleagues read this in the history of changes."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy("Say why you are changing the threshold"),
            "max_length": gettext_lazy("Keep the reason to 500 characters or fewer"),
        },
    )

    def __init__(self, *args, setting: Setting, default, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.setting = setting
        value = setting_field(setting, default, label=gettext_now("New value"))
        self.fields = {"value": value, "why": self.fields["why"]}
        if not self.is_bound:
            self.initial.setdefault("value", setting_initial(setting, current))
        self.action_fields = {setting.key: "value"}


class AlertStepForm(GovukErrorsMixin, forms.Form):
    """A note on a step taken on an alert; its ids carry the step's name, as the page holds
    one form for each step."""

    note = forms.CharField(
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("Keep the note to 2000 characters or fewer")},
    )

    def __init__(self, *args, step: str, label, required: bool, hint="", **kwargs):
        kwargs.setdefault("auto_id", f"{step}_%s")
        super().__init__(*args, **kwargs)
        note = self.fields["note"]
        note.label = label
        note.help_text = hint
        note.required = required
        note.error_messages["required"] = gettext_now("Write a note of what was said or done")


class CloseAlertForm(AlertStepForm):
    """What happened, from the outcomes a clinician can record, with a note."""

    outcome = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=gettext_lazy("What happened?"),
        error_messages={
            "required": gettext_lazy("Select what happened"),
            "invalid_choice": gettext_lazy("Select what happened"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (value, label)
            for value, label in Alert.Outcome.choices
            if value != Alert.Outcome.REPEAT_GREEN
        ]
        self.fields = {"outcome": self.fields["outcome"], "note": self.fields["note"]}

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Alert.Outcome.OTHER and not data.get("note"):
            self.add_error("note", gettext_now("Say what happened"))
        return data


class EndEnrolmentForm(GovukErrorsMixin, forms.Form):
    reason = forms.CharField(
        max_length=300,
        label=gettext_lazy("Why does monitoring stop?"),
        help_text=gettext_lazy("For example, admitted to hospital, or moved to another service."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy("Say why monitoring stops"),
            "max_length": gettext_lazy("Keep the reason to 300 characters or fewer"),
        },
    )
