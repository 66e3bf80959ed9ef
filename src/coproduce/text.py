"""Text people and systems send us: the characters Coproduce refuses to store.

A NUL byte cannot be stored in PostgreSQL; a lone surrogate cannot be encoded at all; and
the bidirectional controls (U+202A-202E, U+2066-2069) make a name or a note read differently
on screen from what it holds ("Trojan Source"). Every text input is checked here once: API
schemas (coproduce.api.InputSchema) and website forms (web.forms.GovukErrorsMixin).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNSAFE_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

UNSAFE_TEXT_MESSAGE = _(
    "Remove the hidden characters from this text (such as a null character or a "
    "text direction mark), then try again"
)


def has_unsafe_characters(value: str) -> bool:
    return UNSAFE_CHARACTERS.search(value) is not None


def validate_text(value: object) -> None:
    """A Django validator: refuses text with a character that cannot be stored or shown."""
    if isinstance(value, str) and has_unsafe_characters(value):
        raise ValidationError(UNSAFE_TEXT_MESSAGE, code="unsafe_characters")
