"""The HTTP API root: authentication, what every input may hold, and the one error envelope
for every answer that is not a success (4xx and 5xx alike):

    {"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

Browsers use their session (with the CSRF token for writes); machine clients send
`Authorization: Bearer <token>`, a token that acts for one organisation.
"""

import logging
from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle
from pydantic import AfterValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from coproduce import ratelimit, registry
from coproduce.api_docs import SwaggerUIFromOurStaticFiles
from coproduce.errors import ActionError, NotAllowed, Throttled
from coproduce.people.access import Actor
from coproduce.people.actions import token_for_bearer
from coproduce.people.models import ApiToken, AuditEvent
from coproduce.text import UNSAFE_TEXT_MESSAGE, has_unsafe_characters

logger = logging.getLogger(__name__)

# The largest id a database row can have (a 64-bit key): anything larger is bad input (400),
# never a database error (500).
MAX_ID = 2**63 - 1


def _safe_text(value: str) -> str:
    if has_unsafe_characters(value):
        raise PydanticCustomError("unsafe_characters", str(UNSAFE_TEXT_MESSAGE))
    return value


def _storable(value: Any) -> Any:
    """Refuse text no database should hold and integers no database key can be."""
    if isinstance(value, str):
        _safe_text(value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
        raise PydanticCustomError("number_too_large", "This number is too large.")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    return value


# Query and path parameters: ids of rows, and text.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_safe_text)]


class InputSchema(Schema):
    """Every API input: unknown fields are refused, and so is text with characters that
    cannot be stored or shown safely (coproduce.text) and numbers beyond any id."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _storable_values(cls, value: Any) -> Any:
        return _storable(value)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorEnvelope(Schema):
    error: ErrorBody


class BearerToken(HttpBearer):
    openapi_description = "An organisation's API token: `Authorization: Bearer cp_...`"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = token_for_bearer(token)
        if api_token is not None:
            # Every request a token makes counts, whatever the operation's own throttles.
            ratelimit.enforce("api-token", f"token:{api_token.pk}")
        return api_token


class Session(SessionAuth):
    """The browser's sign-in; writes need the CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            # No sign-in to protect: the answer is 401 (not authenticated), not a CSRF 403.
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise NotAllowed(
                "Send the CSRF token (the X-CSRFToken header, from the "
                f"{settings.CSRF_COOKIE_NAME} cookie) with every change made with a signed-in "
                "session.",
                code="csrf_failed",
            ) from None


def actor_for(request: HttpRequest) -> Actor:
    if isinstance(request.auth, ApiToken):
        return Actor(token=request.auth, via=AuditEvent.Via.API)
    return Actor(user=request.user, via=AuditEvent.Via.API)


class RateLimit(BaseThrottle):
    """A Ninja throttle over coproduce.ratelimit: counts each request of one scope per API
    token or signed-in user, and answers 429 (code "throttled") over the rate."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def allow_request(self, request: HttpRequest) -> bool:
        key = ratelimit.key_for(actor_for(request))
        if key is None:
            return True
        return ratelimit.count(self.scope, key) <= ratelimit.rate_for(self.scope).count

    def wait(self) -> float:
        return ratelimit.retry_after(self.scope)


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


api = NinjaAPI(
    title="Coproduce API",
    version="1",
    description=(
        "People-powered public services. Every 4xx answer has one shape: "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    auth=[BearerToken(), Session()],
    docs=SwaggerUIFromOurStaticFiles(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)

ERROR_RESPONSES: dict[int, Any] = {
    status: ErrorEnvelope for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


def _field_name(location: tuple[Any, ...]) -> str:
    # pydantic names where a problem is: ("body", "payload", "email") or ("query", "limit").
    parts = [str(part) for part in location]
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _plain_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "This value is not valid."))
    if error.get("type") == "missing":
        return "This field is required."
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(
            _plain_message(error)
        )
    first_field, messages = next(iter(fields.items()), ("body", ["The request is not valid."]))
    return error_response(400, "invalid_input", f"{first_field}: {messages[0]}", fields)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    response = error_response(exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "Nothing was found at that address.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401, "not_authenticated", "Sign in, or send a valid API token as a Bearer token."
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 403: "forbidden", 405: "method_not_allowed", 429: "throttled"}
    message = exc.message
    if exc.status_code == 429:
        message = "There have been too many requests. Wait a minute and try again."
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), message)


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        413, "too_large", "The request is too large. Send less data in one request."
    )


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Internal Server Error: %s", request.path, exc_info=exc)
    return server_error_response()


def server_error_response() -> JsonResponse:
    return error_response(
        500, "server_error", "Sorry, something went wrong on our side. Try again later."
    )


# Error answers Django or Ninja make before or around our handlers (405 method not
# allowed, a 400 for a malformed request, a 500 in a middleware) get the envelope too.
STATUS_CODES = {
    400: ("bad_request", "The request is not valid."),
    401: ("not_authenticated", "Sign in, or send a valid API token as a Bearer token."),
    403: ("forbidden", "You cannot do this."),
    404: ("not_found", "There is no API endpoint at that address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("too_large", "The request is too large. Send less data in one request."),
    500: ("server_error", "Sorry, something went wrong on our side. Try again later."),
}
KEPT_HEADERS = {"content-type", "content-length"}


class ApiErrorEnvelopeMiddleware:
    """Every error answer under /api/ is JSON in the one envelope (first in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith("/api/")
            or "json" in response.get("Content-Type", "")
        ):
            return response
        code, message = STATUS_CODES.get(
            response.status_code,
            ("server_error", STATUS_CODES[500][1])
            if response.status_code >= 500
            else ("error", "The request could not be answered."),
        )
        enveloped = error_response(response.status_code, code, message)
        for header, value in response.items():
            if header.lower() not in KEPT_HEADERS:
                enveloped[header] = value
        return enveloped


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, "not_found", "There is no API endpoint at that address.")


def _mount_routers() -> None:
    for dotted_path, prefix in registry.api_routers():
        api.add_router(prefix, import_string(dotted_path))


_mount_routers()
