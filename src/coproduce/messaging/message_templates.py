"""Message templates: the words of every message the platform sends, kept apart from the code
that sends them, marked for translation and rendered in the language of the person who reads
them.

A module declares its templates in one file (`<module>/message_templates.py`) and lists them
in its manifest (`ModuleManifest.message_templates`); an action sends one with
`messaging.actions.send_templated_message`. A template has a stable name ("<module>.<what>")
and a subject and body written as `gettext_lazy` strings with GOV.UK Notify's placeholders:

    BREACH = MessageTemplate(
        "waits.breach",
        subject=_("Your wait for ((service)) is longer than the guarantee allows"),
        body=_("Your deadline was ((deadline)) ..."),
    )

Rendering is strict, as Notify's API is: every placeholder needs a value and no value may be
given that the template does not use, or a `TemplateMisuse` (a programming error, never a
person's) says which. Values are plain text, put in as they are: a value that itself looks
like a placeholder is not filled in again. A date is written in the person's language
("3 March 2026", "3 Mawrth 2026"); a lazy translation or a `Phrase` (a few translated words
with placeholders of their own, such as what was done for the person) is rendered in it too.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

# ((name)), as in GOV.UK Notify: letters, digits, spaces, underscores and hyphens.
PLACEHOLDER = re.compile(r"\(\(([A-Za-z0-9_ -]+)\)\)")


class TemplateMisuse(Exception):
    """A template was rendered with the wrong values, or two templates share a name: a mistake
    in the code, raised before anything is sent."""


def placeholders_in(text: str) -> frozenset[str]:
    return frozenset(name.strip() for name in PLACEHOLDER.findall(text))


class Phrase:
    """A few translated words with placeholders of their own, given as the value of a
    template's placeholder: Phrase(_("asked for care elsewhere for your wait for
    ((service))"), service=...). Checked and rendered like a template, in the same language."""

    def __init__(self, text: Any, /, **values: Any) -> None:
        self.text = text
        self.values = values

    def __repr__(self) -> str:
        return f"Phrase({source_text(self.text)!r}, {self.values!r})"

    def render(self) -> str:
        what = f"The phrase {source_text(self.text)!r}"
        check(what, placeholders_in(source_text(self.text)), self.values)
        return fill(what, self.text, self.values)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    language: str


@dataclass(frozen=True)
class MessageTemplate:
    """One message a module sends. `name` never changes once used (tests and logs know a
    message by it); `subject` and `body` are lazy translations with ((placeholders))."""

    name: str
    subject: Any
    body: Any

    @property
    def placeholders(self) -> frozenset[str]:
        """What the sender must give: the placeholders of the source (English) text."""
        return placeholders_in(source_text(self.subject)) | placeholders_in(source_text(self.body))

    def render(self, personalisation: Mapping[str, Any], *, language: str) -> RenderedMessage:
        """The message in `language` (a code of settings.LANGUAGES) with these values."""
        what = f"The message template {self.name}"
        check(what, self.placeholders, personalisation)
        with translation.override(language):
            return RenderedMessage(
                subject=fill(what, self.subject, personalisation),
                body=fill(what, self.body, personalisation),
                language=language,
            )


def source_text(text: Any) -> str:
    """The words as written in the code, before any translation."""
    with translation.override(None):
        return str(text)


def check(what: str, placeholders: frozenset[str], values: Mapping[str, Any]) -> None:
    """Every placeholder has a value and every value a placeholder, or the sender is wrong."""
    missing = sorted(placeholders - set(values))
    unexpected = sorted(set(values) - placeholders)
    problems = []
    if missing:
        problems.append("needs " + ", ".join(f"(({name}))" for name in missing))
    if unexpected:
        problems.append("has no " + ", ".join(f"(({name}))" for name in unexpected))
    if problems:
        raise TemplateMisuse(f"{what} {' and '.join(problems)}.")


def fill(what: str, text: Any, values: Mapping[str, Any]) -> str:
    """The text in the active language with the values put in, in one pass."""
    translated = str(text)
    unknown = placeholders_in(translated) - set(values)
    if unknown:
        # A translation with a placeholder its source text does not have: a mistake in a
        # .po file (tests/messaging/test_message_templates.py checks every translation).
        raise TemplateMisuse(
            f"{what} in {translation.get_language()} has unknown (({', '.join(sorted(unknown))}))."
        )
    return PLACEHOLDER.sub(lambda match: as_text(values[match.group(1).strip()]), translated)


def as_text(value: Any) -> str:
    """A value as the reader reads it, in the active language: a date as "3 March 2026"."""
    if isinstance(value, Phrase):
        return value.render()
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)


# --- the templates every module declares ---------------------------------------------------

_templates: dict[str, MessageTemplate] = {}


def register(templates: Iterable[MessageTemplate]) -> None:
    """Make templates known by name (modules.install does it from each manifest)."""
    for template in templates:
        known = _templates.get(template.name)
        if known is not None and known != template:
            raise TemplateMisuse(f"Two message templates are called {template.name}.")
        _templates[template.name] = template


def get(name: str) -> MessageTemplate:
    try:
        return _templates[name]
    except KeyError:
        raise TemplateMisuse(f"There is no message template called {name}.") from None


def all_templates() -> list[MessageTemplate]:
    return sorted(_templates.values(), key=lambda template: template.name)


def languages() -> list[str]:
    """The languages a message can be written in."""
    return [code for code, _name in settings.LANGUAGES]
