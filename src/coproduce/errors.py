"""Errors an action raises when it refuses a change. Each carries what the API's one error
envelope needs: an HTTP status, a code, a message a person can act on, and field errors.
Messages and field errors are marked for translation where they are written (gettext, with
named %(placeholders)s; tests/test_refusals_translated.py checks the actions)."""

from django.utils.translation import ngettext


class ActionError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = fields or {}


class InvalidInput(ActionError):
    status = 400
    code = "invalid_input"


class NotAllowed(ActionError):
    status = 403
    code = "forbidden"


class Conflict(ActionError):
    status = 409
    code = "conflict"


class RuleViolation(ActionError):
    status = 422
    code = "rule_violation"


class Throttled(ActionError):
    """Too many requests in a short time (coproduce.ratelimit); try again after a wait."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def invalid_fields(fields: dict[str, list[str]]) -> InvalidInput:
    """One InvalidInput for several fields, its message naming the first problem."""
    first = next(iter(fields.values()))[0]
    count = sum(len(messages) for messages in fields.values())
    if count > 1:
        first = ngettext(
            "%(first)s (and %(more)d more problem)",
            "%(first)s (and %(more)d more problems)",
            count - 1,
        ) % {"first": first, "more": count - 1}
    return InvalidInput(first, fields=fields)
