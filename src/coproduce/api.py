"""The HTTP API root: authentication and the one error envelope for every 4xx.

    {"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}

Browsers use their session (with the CSRF token for writes); machine clients send
`Authorization: Bearer <token>`, a token that acts for one organisation.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from coproduce import ratelimit, registry
from coproduce.errors import ActionError, Throttled
from coproduce.people.access import Actor
from coproduce.people.actions import token_for_bearer
from coproduce.people.models import ApiToken, AuditEvent


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
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)

ERROR_RESPONSES: dict[int, Any] = {
    status: ErrorEnvelope for status in (400, 401, 403, 404, 409, 422, 429)
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


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, "not_found", "There is no API endpoint at that address.")


def _mount_routers() -> None:
    for dotted_path, prefix in registry.api_routers():
        api.add_router(prefix, import_string(dotted_path))


_mount_routers()
