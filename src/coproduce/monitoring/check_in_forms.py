"""The website's check-in, one question a page: each question of a programme as one GOV.UK
field (a number with its unit after it, radios with large targets, yes or no side by side, a
box for the person's own words).

The form only turns what was typed or chosen into the value the rules read (82.4, 7, True,
"more_than_usual"); it refuses nothing itself. Whether an answer can be used is the rules'
to say, in their words, through the action (actions.save_check_in_answer uses
rules.clean_answers), so a page and the API can never disagree about a range.
"""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduce.web.forms import GovukErrorsMixin

from .programmes import AnswerKind, Question

WHOLE_NUMBER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
YES, NO = "yes", "no"


def typed_number(text: str, *, whole: bool) -> object:
    """A number as the rules read it, from what was typed ("82.4", "82,4", " 7 "): an int for
    a whole number, a float otherwise; None when nothing was typed; the text itself when it
    is no number at all (the rules then say how to write it)."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if NUMBER.fullmatch(text):
        return float(Decimal(text.replace(",", ".")))
    return text


class AnswerField(forms.Field):
    """One question's answer, turned into the value the rules read and checked by them alone.

    `suffix` is a measurement's unit, drawn after the box; `large_targets` and `inline` say
    how radios are drawn (web/includes/fields/options.html)."""

    def __init__(self, *, convert, suffix="", large_targets=False, inline=False, **kwargs):
        super().__init__(required=False, **kwargs)
        self.convert = convert
        self.suffix = suffix
        self.large_targets = large_targets
        self.inline = inline

    def to_python(self, value):
        return self.convert(value)


def _yes_or_no(value) -> object:
    if value in (None, ""):
        return None
    return {YES: True, NO: False}.get(value, value)


def _chosen(value) -> object:
    return None if value in (None, "") else value


def answer_field(question: Question) -> forms.Field:
    """The GOV.UK field for one question of a check-in."""
    shown = {"label": question.text, "help_text": question.hint}
    if question.kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL) and not question.options:
        whole = question.kind is AnswerKind.INTEGER
        return AnswerField(
            convert=lambda text: typed_number(text, whole=whole),
            suffix=question.unit_text,
            widget=forms.TextInput(
                attrs={
                    "class": "govuk-input--width-5",
                    "inputmode": "numeric" if whole else "decimal",
                    "spellcheck": "false",
                    "autocomplete": "off",
                }
            ),
            **shown,
        )
    if question.kind is AnswerKind.BOOLEAN:
        return AnswerField(
            convert=_yes_or_no,
            large_targets=True,
            inline=True,
            widget=forms.RadioSelect(choices=[(YES, _("Yes")), (NO, _("No"))]),
            **shown,
        )
    if question.options:
        return AnswerField(
            convert=lambda value: (
                typed_number(value, whole=True)
                if question.kind is AnswerKind.INTEGER
                else _chosen(value)
            ),
            large_targets=True,
            widget=forms.RadioSelect(
                choices=[(option.code, option.text) for option in question.options]
            ),
            **shown,
        )
    return forms.CharField(
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": "5"}),
        **shown,
    )


def shown_value(question: Question, value: object) -> str:
    """A stored answer as its field shows it again: the text typed, or the option's code."""
    if value is None:
        return ""
    if question.kind is AnswerKind.BOOLEAN:
        return YES if value else NO
    if question.kind is AnswerKind.DECIMAL and isinstance(value, float):
        return f"{value:.{question.decimals}f}"
    return str(value)


class AnswerForm(GovukErrorsMixin, forms.Form):
    """One question of today's check-in: its answer so far shown again, what is sent turned
    into the value the rules read (`cleaned_data[question.key]`)."""

    label_size = "l"

    def __init__(self, question: Question, data=None, *, answered=None):
        initial = {question.key: shown_value(question, answered)}
        super().__init__(data, initial=initial)
        self.question = question
        self.fields[question.key] = answer_field(question)

    @property
    def field(self):
        return self[self.question.key]


class SendForm(GovukErrorsMixin, forms.Form):
    """The button on "Check your answers": nothing to type. A refusal of the check-in as a
    whole (outside the window, already sent) goes above the page; a refused answer names its
    question, and the page for that question shows it."""

    def __init__(self, questions, data=None):
        super().__init__(data)
        for question in questions:
            self.fields[question.key] = forms.Field(required=False)

    def answer_errors(self) -> dict[str, list[str]]:
        return {key: list(errors) for key, errors in self.errors.items() if key != "__all__"}
