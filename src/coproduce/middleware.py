"""Rules every response follows, whatever view made it: a sign-in does not last for ever, and
nothing that can carry personal data is kept in a browser's or a proxy's cache."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

SIGNED_IN_AT = "coproduce_signed_in_at"


def stamp_sign_in_time(sender, request: HttpRequest, user, **kwargs) -> None:
    """Connected to Django's user_logged_in signal (coproduce.web.apps)."""
    request.session[SIGNED_IN_AT] = int(time.time())


def _signed_in(request: HttpRequest) -> bool:
    # The session alone answers this: no query for the user.
    return SESSION_KEY in request.session


class SessionLifetimeMiddleware:
    """Sign out a session signed in longer than settings.COPRODUCE_SESSION_MAX_AGE ago, however
    active it is. (The idle timeout is Django's own: SESSION_COOKIE_AGE, moved on by every
    request with SESSION_SAVE_EVERY_REQUEST.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request):
            # A session from before this rule has no stamp: its lifetime starts now.
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, int(time.time()))
            if time.time() - signed_in_at > settings.COPRODUCE_SESSION_MAX_AGE:
                logout(request)
        return self.get_response(request)


class PersonalDataNotCachedMiddleware:
    """`Cache-Control: no-store` (with Django's other never-cache headers) on every answer that
    can carry personal data: any answer to a signed-in browser or a request with a token, and
    every /api/ answer. Public pages for anonymous visitors (the statistics) stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in_before = _signed_in(request)
        response = self.get_response(request)
        if (
            signed_in_before
            or _signed_in(request)
            or "HTTP_AUTHORIZATION" in request.META
            or request.path_info.startswith("/api/")
        ):
            add_never_cache_headers(response)
        return response
