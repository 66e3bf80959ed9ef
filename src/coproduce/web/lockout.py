"""Pausing sign-in after repeated failures (django-axes), in the service's words: whose
address a failure counts against, until when signing in is paused, and the page that says so."""

from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext


def client_address(request: HttpRequest) -> str | None:
    """The address a failure counts against. Behind proxies, each proxy appends the address it
    saw to X-Forwarded-For, so the entry the outermost proxy wrote is the client's; anything
    to its left was written by the client and is not trusted."""
    proxies = settings.COPRODUCE_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= proxies:
            return entries[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_ends(request: HttpRequest, credentials: dict | None) -> datetime:
    """When signing in is allowed again: for each username or address at the limit, the moment
    enough of its recorded failures pass the cool-off for the rest to fall under the limit."""
    cool_off: timedelta = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    ends = []
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        rows = attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start")
        remaining = sum(failures for _, failures in rows)
        for attempt_time, failures in rows:
            if remaining < limit:
                break
            remaining -= failures
            ends.append(attempt_time + cool_off)
    return max(ends, default=timezone.now() + cool_off)


def clock_time(moment: datetime) -> str:
    """A time as GOV.UK writes it (7:45pm, midday, midnight), in the service's time zone,
    rounded up to the minute so "after" it holds."""
    local = timezone.localtime(moment + timedelta(seconds=59))
    if local.minute == 0 and local.hour in (0, 12):
        return gettext("midnight") if local.hour == 0 else gettext("midday")
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page shown instead of signing in while the account or address is paused (429)."""
    ends = lockout_ends(request, credentials)
    response = render(
        request,
        "web/locked_out.html",
        {
            "try_again_at": clock_time(ends),
            "tomorrow": timezone.localdate(ends) != timezone.localdate(),
        },
        status=429,
    )
    wait = max(0, int((ends - timezone.now()).total_seconds()) + 1)
    response["Retry-After"] = str(wait)
    return response
