"""What monitoring's FHIR R4 mappings share: the media type, the code system of a question's
answers, the value[x] of each kind of answer, and checking a resource with its R4B model, its
paths written as FHIRPath-like text (`item[3].text`). Pure functions of plain data."""

from collections.abc import Sequence

import pydantic

from ..programmes import AnswerKind

FHIR_JSON = "application/fhir+json"
# The value[x] that carries an answer, or a setting's default, of each kind.
VALUE_KEYS = {
    AnswerKind.INTEGER: "valueInteger",
    AnswerKind.DECIMAL: "valueDecimal",
    AnswerKind.BOOLEAN: "valueBoolean",
    AnswerKind.CHOICE: "valueCoding",
    AnswerKind.TEXT: "valueString",
}
MODIFIER_EXTENSION_REFUSAL = "Modifier extensions cannot be taken: they may change the meaning."


def answer_system(base_url: str, programme_key: str, question_key: str) -> str:
    """The code system of one question's answer options."""
    return f"{base_url.rstrip('/')}/fhir/CodeSystem/{programme_key}-{question_key}"


def validate(model, data, error_class, within: str = "") -> None:
    """Validate with the R4B model; its first complaint becomes our error with a path."""
    if type(data) is not dict:
        raise error_class(within, f"Give a {model.__name__} (a JSON object).")
    try:
        model.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        path = join_path(within, _path(first["loc"]))
        message = "This is required." if first["type"].endswith("missing") else first["msg"]
        raise error_class(path, message.removeprefix("Value error, ")) from None


def refuse_modifiers(element, path: str, error_class) -> None:
    """Modifier extensions change what an element means; not knowing them, we must refuse."""
    if isinstance(element, dict):
        if "modifierExtension" in element:
            raise error_class(join_path(path, "modifierExtension"), MODIFIER_EXTENSION_REFUSAL)
        for key, value in element.items():
            refuse_modifiers(value, join_path(path, key), error_class)
    elif isinstance(element, list):
        for index, value in enumerate(element):
            refuse_modifiers(value, f"{path}[{index}]", error_class)


def _path(loc: Sequence) -> str:
    """A pydantic error location as a path: ("item", 3, "text") -> "item[3].text"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + ("" if path.startswith("[") else ".") + path
