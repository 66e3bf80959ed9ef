"""Two-factor sign-in for staff: after their password (or an OpenID Connect provider), a code
from an authenticator app (TOTP, django-otp), or one of ten single-use recovery codes.

On when settings.COPRODUCE_REQUIRE_STAFF_2FA is (the default in production). It applies to
staff — anyone with a current Role, or with back office access — and never to citizens. Until
a staff member's sign-in has passed this step (django-otp's `request.user.is_verified()`),
they can open only the pages in OPEN_VIEWS: every other page sends them to enter a code (or to
set up an app if they have none), and the API answers their session 401
`two_factor_required`. API tokens are not sessions and are not affected.

Signing in with a provider never passes this step: only a code checked here does.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coproduce import modules
from coproduce.api import error_response
from coproduce.people.access import current_roles

from .actions import (
    Verified,
    authenticator_to_set_up,
    confirm_authenticator,
    verify_second_factor,
)
from .form_path import posted, submit
from .forms import AuthenticatorCodeForm, RecoveryCodeForm

# The new recovery codes, kept only until the page showing them has been shown once.
NEW_RECOVERY_CODES_SESSION_KEY = "two_factor_new_recovery_codes"

# What a staff member who has not yet entered a code may open: the public pages, signing in
# and out, and this step itself; and every module's public pages (their manifests).
OPEN_VIEWS = frozenset(
    {
        "web:home",
        "web:about",
        "web:feedback",
        "web:security-txt",
        "web:sign-in",
        "web:oidc-start",
        "web:oidc-callback",
        "web:sign-out",
        "web:password-reset-confirm",
        "web:password-reset-complete",
        "web:two-factor-setup",
        "web:two-factor-verify",
        "web:two-factor-recovery",
        "api:openapi-view",
        "api:openapi-json",
    }
)


def two_factor_required(user) -> bool:
    """Whether this user must enter a code after signing in."""
    if not settings.COPRODUCE_REQUIRE_STAFF_2FA or not user.is_authenticated:
        return False
    return user.is_staff or current_roles(user).exists()


def confirmed_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return reverse(url_name) + "?" + urlencode({"next": next_url})


class StaffTwoFactorMiddleware:
    """Keep a staff member's unfinished sign-in to OPEN_VIEWS (after OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.COPRODUCE_REQUIRE_STAFF_2FA or SESSION_KEY not in request.session:
            return None
        view_name = request.resolver_match.view_name
        if view_name in OPEN_VIEWS or view_name in modules.public_views():
            return None
        user = request.user
        if user.is_verified() or not two_factor_required(user):
            return None
        if request.path_info.startswith("/api/"):
            if "HTTP_AUTHORIZATION" in request.META:
                # A token speaks for itself; this unfinished sign-in must not stand in for it.
                request.user = AnonymousUser()
                return None
            return error_response(
                401,
                "two_factor_required",
                "Finish signing in: enter the code from your authenticator app on the website "
                "before using the API with this session.",
            )
        next_url = request.get_full_path() if request.method == "GET" else ""
        if confirmed_authenticator(user) is None:
            return redirect(_with_next("web:two-factor-setup", next_url))
        return redirect(_with_next("web:two-factor-verify", next_url))


def _staff_only(request: HttpRequest) -> None:
    """These pages exist only while the requirement is on, and only for staff."""
    if not two_factor_required(request.user):
        raise Http404


def _finish_sign_in(request: HttpRequest, device) -> None:
    # A new session key for the more trusted sign-in, as at any change of privilege.
    request.session.cycle_key()
    otp_login(request, device)


def _qr_code(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG image (a data: address, which the
    Content-Security-Policy allows for images), dark on white whatever the page behind."""
    return segno.make(device.config_url, error="m").svg_data_uri(
        scale=5, dark="#0b0c0c", light="#ffffff"
    )


def _typed_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then enter a code."""
    _staff_only(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_verified():
        return redirect(next_url)
    if confirmed_authenticator(request.user) is not None:
        # Replacing an app needs the old one first (or the back office removing it).
        return redirect(_with_next("web:two-factor-verify", next_url))
    device = authenticator_to_set_up(request.user)
    form = AuthenticatorCodeForm(posted(request))

    def set_up(data: dict) -> None:
        confirmed, codes = confirm_authenticator(user=request.user, code=data["code"])
        _finish_sign_in(request, confirmed)
        request.session[NEW_RECOVERY_CODES_SESSION_KEY] = codes

    done = submit(
        request,
        form,
        set_up,
        success=None,
        redirect_to=_with_next("web:two-factor-recovery-codes", next_url),
    )
    if done:
        return done
    return render(
        request,
        "web/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": _qr_code(device),
            "secret": _typed_secret(device),
            "has_errors": bool(form.errors),
        },
    )


@login_required
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once."""
    _staff_only(request)
    next_url = _safe_next(request, request.GET.get("next"))
    codes = request.session.pop(NEW_RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(next_url)
    return render(request, "web/two_factor_recovery_codes.html", {"codes": codes, "next": next_url})


def _verify(request: HttpRequest, form_class, template: str) -> HttpResponse:
    _staff_only(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_verified():
        return redirect(next_url)
    if confirmed_authenticator(request.user) is None:
        return redirect(_with_next("web:two-factor-setup", next_url))
    form = form_class(posted(request))

    def verified(data: dict) -> None:
        second_factor = verify_second_factor(user=request.user, code=data["code"])
        _finish_sign_in(request, second_factor.device)
        if second_factor.recovery_codes_left is not None:
            messages.warning(request, _recovery_codes_left_message(second_factor))

    done = submit(request, form, verified, success=None, redirect_to=next_url)
    if done:
        return done
    return render(
        request, template, {"form": form, "next": next_url, "has_errors": bool(form.errors)}
    )


def _recovery_codes_left_message(verified: Verified) -> str:
    left = verified.recovery_codes_left
    if left == 0:
        return _(
            "You have used your last recovery code. If you lose your authenticator app, ask "
            "your organisation's administrator to reset your two-factor sign-in."
        )
    return ngettext(
        "You used a recovery code: it will not work again. You have %(count)d code left.",
        "You used a recovery code: it will not work again. You have %(count)d codes left.",
        left,
    ) % {"count": left}


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the authenticator app."""
    return _verify(request, AuthenticatorCodeForm, "web/two_factor_verify.html")


@login_required
def recovery(request: HttpRequest) -> HttpResponse:
    """The second step with a recovery code, for someone who cannot use their app."""
    return _verify(request, RecoveryCodeForm, "web/two_factor_recovery.html")
