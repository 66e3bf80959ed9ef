"""What a Welsh reader receives is what the translators wrote: every compiled catalogue (.mo,
which Django reads) holds exactly the translations in its .po file. A .po edited without
compiling it again fails here, not in a person's inbox."""

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "src" / "coproduce" / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def translations_in(po_file: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (the entries Coproduce writes: no plurals or contexts)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    field = None
    for line in po_file.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if line.startswith(("msgctxt", "msgid_plural")):
            raise AssertionError(f"{po_file}: plurals and contexts need this test extended")
        if line.startswith(("msgid ", "msgstr ")):
            field, _space, quoted = line.partition(" ")
            current[field] = ast.literal_eval(quoted)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line or line.startswith("#"):
            if current.get("msgid") and current.get("msgstr"):
                entries[current["msgid"]] = current["msgstr"]
            current, field = {}, None
    return entries


def test_there_is_a_catalogue_to_check():
    assert CATALOGUES


@pytest.mark.parametrize("po_file", CATALOGUES, ids=lambda path: path.parts[-3])
def test_the_compiled_catalogue_matches_what_the_translators_wrote(po_file):
    with po_file.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    compiled_entries = {key: value for key, value in catalogue.items() if key}
    assert compiled_entries == translations_in(po_file), (
        f"Compile {po_file} again: django-admin compilemessages (needs gettext's msgfmt)"
    )
