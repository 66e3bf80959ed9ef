"""Every refusal an action gives a person (the message of an ActionError and the words on each
field) is marked for translation, with named %(placeholders)s: read from the source, so a new
refusal written as a plain string or an f-string fails here."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "coproduce"
CHECKED = sorted(
    [SRC / "errors.py", *SRC.glob("*/actions.py")],
)
REFUSALS = {"ActionError", "InvalidInput", "NotAllowed", "Conflict", "RuleViolation", "Throttled"}
PROBLEM_LISTS = {"problems", "errors"}
# Helpers that raise a refusal with the words given them (name: position of the words).
REFUSAL_HELPERS = {"_expect": 2}
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def raw_words(node: ast.AST) -> bool:
    """Words written into the code and not marked: a string, an f-string, or a sum or
    .format() of them. Anything else (a name, a value made elsewhere, Django's own
    translated validation messages) is checked where its words are written."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return raw_words(node.left) or raw_words(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and raw_words(node.func.value)
    return False


def badly_marked(node: ast.AST) -> bool:
    """_() around words that are not one plain string (an f-string inside _ is translated
    by nobody: its words change with every value)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return badly_marked(node.left)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
        words = node.args[:2] if node.func.id.startswith("n") else node.args[:1]
        return not words or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in words
        )
    return False


def marked_wrongly(node: ast.AST) -> bool:
    return raw_words(node) or badly_marked(node)


def field_messages(node: ast.AST) -> list[ast.AST]:
    """The messages in a {field: [message, ...]} dict (or dict comprehension)."""
    if isinstance(node, ast.Dict):
        values = node.values
    elif isinstance(node, ast.DictComp):
        values = [node.value]
    else:
        return [node]
    found = []
    for value in values:
        found += value.elts if isinstance(value, ast.List) else [value]
    return found


def refusal_texts(tree: ast.AST) -> list[ast.AST]:
    """Every expression an action gives as the words of a refusal."""
    texts: list[ast.AST] = []
    refusals = REFUSALS | {  # and the file's own kinds of refusal
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(getattr(base, "id", None) in REFUSALS for base in node.bases)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in refusals and node.args:
                texts.append(node.args[0])
            if name in refusals:
                texts += [
                    m for k in node.keywords if k.arg == "fields" for m in field_messages(k.value)
                ]
            if name in REFUSAL_HELPERS and len(node.args) > REFUSAL_HELPERS[name]:
                texts.append(node.args[REFUSAL_HELPERS[name]])
            if name == "invalid_fields" and node.args:
                texts += field_messages(node.args[0])
            if (
                name == "append"
                and isinstance(node.func.value, ast.Call)
                and getattr(node.func.value.func, "attr", None) == "setdefault"
                and getattr(node.func.value.func.value, "id", None) in PROBLEM_LISTS
            ):
                texts += node.args
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
            texts.append(node)  # wherever it is, _() holds one plain string
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and getattr(target.value, "id", None) in PROBLEM_LISTS
                ):
                    texts += node.value.elts if isinstance(node.value, ast.List) else [node.value]
    return texts


@pytest.mark.parametrize("path", CHECKED, ids=lambda path: str(path.relative_to(SRC)))
def test_every_refusal_is_marked_for_translation(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    untranslated = [
        f"{path.relative_to(SRC)}:{text.lineno}: {ast.unparse(text)[:90]}"
        for text in refusal_texts(tree)
        if marked_wrongly(text)
    ]
    assert not untranslated, "refusals not marked for translation:\n" + "\n".join(untranslated)
