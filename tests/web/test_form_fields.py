"""Form controls are drawn once, by the GOV.UK field templates (web/includes/fields/): no page
hand-writes an input, select, textarea, radio or checkbox; and each kind of field, when in
error, shows what GOV.UK's error pattern promises a person: the error summary's link lands on
the control, the message is on the field after a hidden "Error:", and the control (or its
fieldset) is described by the message, so a screen reader announces it with the field."""

import re
from pathlib import Path

import pytest
from django import forms
from django.template import engines
from django.test.html import Element, parse_html

from coproduce.web.forms import DatePartsField, GovukErrorsMixin

SRC = Path(__file__).resolve().parents[2] / "src" / "coproduce"
FIELD_TEMPLATES = SRC / "web" / "templates" / "web" / "includes" / "fields"

# A control hand-written in a template: an <input> that is not hidden (a form's hidden value,
# its CSRF token) or a submit button, a select, a textarea, or GOV.UK control markup.
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
INPUT_TYPE = re.compile(r"""\btype\s*=\s*["']?(\w+)""", re.IGNORECASE)
OTHER_CONTROLS = re.compile(
    r"<select\b|<textarea\b|\bgovuk-(?:input|select|textarea|radios|checkboxes|date-input)\b",
    re.IGNORECASE,
)


def hand_written_controls(template: str) -> list[str]:
    found = [
        tag
        for tag in INPUT_TAG.findall(template)
        if (match := INPUT_TYPE.search(tag)) is None
        or match.group(1).lower() not in {"hidden", "submit"}
    ]
    return found + OTHER_CONTROLS.findall(template)


def test_the_check_finds_each_kind_of_hand_written_control():
    # Without this, a check that found nothing would pass on every template.
    for control in [
        '<input class="govuk-input" id="name" name="name">',
        '<input type="text" name="q">',
        '<input type="radio" name="answer" value="yes">',
        "<input type=checkbox name=confirmed>",
        '<select name="provider"></select>',
        '<textarea name="note"></textarea>',
        '<div class="govuk-radios" data-module="govuk-radios">',
        '<div class="govuk-date-input" id="occurred_on">',
    ]:
        assert hand_written_controls(f"<form>{control}</form>"), control
    assert not hand_written_controls(
        '<form>{% csrf_token %}<input type="hidden" name="next" value="{{ next }}">'
        "{{ form.name.as_field_group }}<input type='submit' value='Go'></form>"
    )


def test_no_template_hand_writes_a_form_control():
    templates = [
        path for path in SRC.rglob("templates/**/*.html") if FIELD_TEMPLATES not in path.parents
    ]
    assert len(templates) > 30
    written = {
        str(path.relative_to(SRC)): found
        for path in templates
        if (found := hand_written_controls(path.read_text()))
    }
    assert not written, (
        "Draw form controls with {{ form.field.as_field_group }} or {% govuk_field %} "
        f"(web/includes/fields/), not by hand: {written}"
    )


# --- Each kind of field, in error --------------------------------------------------------


class EveryKindForm(GovukErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Full name",
        help_text="As on your passport",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "name"}),
    )
    password = forms.CharField(label="Password", widget=forms.PasswordInput)
    code = forms.CharField(
        label="Code",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}))
    provider = forms.ChoiceField(
        label="Provider",
        choices=[("", "Choose a provider"), ("Nearby", [("1", "Riverside"), ("2", "Quayside")])],
    )
    answer = forms.ChoiceField(
        label="Your answer",
        help_text="Choose one",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )
    days = forms.MultipleChoiceField(
        label="Days",
        choices=[("mon", "Monday"), ("tue", "Tuesday")],
        widget=forms.CheckboxSelectMultiple,
    )
    confirmed = forms.BooleanField(label="I confirm")
    born_on = DatePartsField(words="your date of birth", label="Date of birth")


# field -> (the message, the id the error summary links to, the element with that id)
EXPECTED = {
    "name": ("This field is required.", "name", "input"),
    "password": ("This field is required.", "password", "input"),
    "code": ("This field is required.", "code", "input"),
    "note": ("This field is required.", "note", "textarea"),
    "provider": ("This field is required.", "provider", "select"),
    "answer": ("This field is required.", "answer", "input"),
    "days": ("This field is required.", "days", "input"),
    "confirmed": ("This field is required.", "confirmed", "input"),
    "born_on": ("Your date of birth must include a year", "born_on_year", "input"),
}
ERROR_CLASSES = {"input": "govuk-input--error", "select": "govuk-select--error"}


def elements(node) -> list[Element]:
    found = []
    for child in getattr(node, "children", []):
        if isinstance(child, Element):
            found += [child, *elements(child)]
    return found


def attribute(element: Element, name: str) -> str:
    return dict(element.attributes).get(name) or ""


def by_id(tree: Element, id_: str) -> Element:
    matches = [element for element in [tree, *elements(tree)] if attribute(element, "id") == id_]
    assert len(matches) == 1, f"{len(matches)} elements with id {id_}"
    return matches[0]


def text(element: Element) -> str:
    return " ".join(
        part if isinstance(part, str) else text(part) for part in element.children
    ).strip()


@pytest.fixture
def in_error():
    form = EveryKindForm({"born_on_day": "31", "born_on_month": "2"})
    assert not form.is_valid()
    return form


@pytest.mark.parametrize("name", EXPECTED)
def test_a_field_in_error_is_linked_from_the_summary_and_announced_with_its_message(in_error, name):
    message, anchor, tag = EXPECTED[name]
    field = in_error[name]
    tree = parse_html(f"<div>{field.as_field_group()}</div>")

    group = elements(tree)[0]
    assert "govuk-form-group--error" in attribute(group, "class").split()
    # The summary's link for this field lands on its control.
    assert {"href": f"#{anchor}", "text": message} in in_error.error_summary()
    assert by_id(tree, anchor).name == tag
    # The message, with the hidden "Error:" a screen reader reads first.
    error = by_id(tree, f"{field.auto_id}-error")
    assert "govuk-error-message" in attribute(error, "class")
    assert text(error) == f"Error: {message}"
    hidden = [e for e in elements(error) if "govuk-visually-hidden" in attribute(e, "class")]
    assert [text(e) for e in hidden] == ["Error:"]
    # The control, or the fieldset around radios, checkboxes and a date, is described by the
    # hint (when there is one) and the message.
    described = next(
        (e for e in [group, *elements(group)] if e.name == "fieldset"), by_id(tree, anchor)
    )
    expected = ([f"{field.auto_id}-hint"] if field.help_text else []) + [f"{field.auto_id}-error"]
    assert attribute(described, "aria-describedby").split() == expected


@pytest.mark.parametrize("name", ["name", "code", "provider"])
def test_a_control_in_error_is_marked_and_keeps_its_label_and_attributes(in_error, name):
    _message, anchor, tag = EXPECTED[name]
    tree = parse_html(f"<div>{in_error[name].as_field_group()}</div>")
    control = by_id(tree, anchor)
    assert ERROR_CLASSES[tag] in attribute(control, "class").split()
    labels = [e for e in elements(tree) if e.name == "label"]
    assert [attribute(label, "for") for label in labels] == [anchor]
    for name_, value in in_error[name].field.widget.attrs.items():
        if name_ in {"autocomplete", "inputmode"}:
            assert attribute(control, name_) == value


def test_only_the_parts_of_a_date_in_error_are_marked(in_error):
    tree = parse_html(f"<div>{in_error['born_on'].as_field_group()}</div>")
    marked = {
        part: "govuk-input--error" in attribute(by_id(tree, f"born_on_{part}"), "class").split()
        for part in ("day", "month", "year")
    }
    assert marked == {"day": False, "month": False, "year": True}
    # What was typed stays, to be corrected.
    assert attribute(by_id(tree, "born_on_day"), "value") == "31"


def test_a_field_without_errors_shows_no_error_state():
    form = EveryKindForm()
    for name in EXPECTED:
        html = form[name].as_field_group()
        assert "govuk-form-group--error" not in html
        assert "govuk-error-message" not in html
        assert "-error" not in html, name


def test_radios_and_select_keep_what_was_chosen():
    form = EveryKindForm({"answer": "no", "provider": "2", "days": ["tue"]})
    form.is_valid()
    tree = parse_html(
        "<div>"
        + "".join(form[name].as_field_group() for name in ("answer", "provider", "days"))
        + "</div>"
    )
    # GOV.UK Frontend's ids: the first option has the field's id, then -2, -3...
    assert attribute(by_id(tree, "answer-2"), "checked") is not None
    assert dict(by_id(tree, "answer").attributes).get("checked", "absent") == "absent"
    assert attribute(by_id(tree, "days-2"), "value") == "tue"
    chosen = [e for e in elements(by_id(tree, "provider")) if "selected" in dict(e.attributes)]
    assert [text(option) for option in chosen] == ["Quayside"]


def test_the_page_can_word_the_label_and_make_it_the_heading():
    form = EveryKindForm()
    html = (
        engines["django"]
        .from_string(
            "{% load govuk_fields %}{% govuk_field form.code label=label size='l' heading='h1' %}"
        )
        .render({"form": form, "label": "Enter the code for <Margaret>"})
    )
    tree = parse_html(f"<div>{html}</div>")
    heading = next(e for e in elements(tree) if e.name == "h1")
    label = elements(heading)[0]
    assert label.name == "label" and "govuk-label--l" in attribute(label, "class")
    assert text(label) == "Enter the code for <Margaret>"
    assert "&lt;Margaret&gt;" in html


class _ChoiceWithHint:
    def __init__(self, label: str, hint: str) -> None:
        self.label, self.hint = label, hint

    def __str__(self) -> str:
        return self.label


def test_a_choice_with_a_hint_shows_it_under_its_label_and_is_described_by_it():
    class ProgrammeForm(GovukErrorsMixin, forms.Form):
        programme = forms.ChoiceField(
            widget=forms.RadioSelect,
            choices=[
                ("hf", _ChoiceWithHint("Heart failure", "Weigh yourself each morning")),
                ("copd", "COPD"),
            ],
        )

    tree = parse_html(f"<div>{ProgrammeForm()['programme'].as_field_group()}</div>")

    hint = by_id(tree, "programme-item-hint")
    assert text(hint) == "Weigh yourself each morning"
    assert attribute(by_id(tree, "programme"), "aria-describedby") == "programme-item-hint"
    assert dict(by_id(tree, "programme-2").attributes).get("aria-describedby") is None
