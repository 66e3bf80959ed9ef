"""Signing in with an OpenID Connect provider: GOV.UK One Login, NHS login, or any other.

Off unless COPRODUCE_OIDC_ISSUER and COPRODUCE_OIDC_CLIENT_ID are set (the pages are then
"Page not found"). The provider is found by discovery; the client authenticates with a signed
JWT (private_key_jwt, which One Login and NHS login require) or a shared secret
(client_secret_basic). authlib checks the state, the nonce and the PKCE verifier; the people
module decides which account the identity signs in as.

Starting is a link (GET) rather than a form: the browser follows an ordinary redirect to the
provider, so the Content-Security-Policy's form-action can stay 'self'.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError

from coproduce.people.actions import ExternalSignInRefused, sign_in_with_external_identity

PRIVATE_KEY_JWT = "private_key_jwt"
BASIC_AUTH = "client_secret_basic"
PROVIDER_TIMEOUT_SECONDS = 10
NEXT_SESSION_KEY = "oidc_next"
# Users signed in by a provider keep Django's ordinary session; the backend only names how.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    private_key_file: str
    client_auth: str
    assertion_alg: str
    scopes: str
    name: str


def configured_provider() -> Provider | None:
    """The provider the settings name, or None when sign-in with a provider is off."""
    issuer = settings.COPRODUCE_OIDC_ISSUER
    client_id = settings.COPRODUCE_OIDC_CLIENT_ID
    if not issuer or not client_id:
        return None
    private_key_file = settings.COPRODUCE_OIDC_PRIVATE_KEY_FILE
    client_auth = settings.COPRODUCE_OIDC_CLIENT_AUTH or (
        PRIVATE_KEY_JWT if private_key_file else BASIC_AUTH
    )
    if client_auth not in (PRIVATE_KEY_JWT, BASIC_AUTH):
        raise ImproperlyConfigured(
            f"COPRODUCE_OIDC_CLIENT_AUTH must be {PRIVATE_KEY_JWT} or {BASIC_AUTH}."
        )
    return Provider(
        issuer=issuer,
        client_id=client_id,
        client_secret=settings.COPRODUCE_OIDC_CLIENT_SECRET,
        private_key_file=private_key_file,
        client_auth=client_auth,
        assertion_alg=settings.COPRODUCE_OIDC_CLIENT_ASSERTION_ALG,
        # "openid" makes it OpenID Connect: an ID token, checked with a nonce.
        scopes=" ".join(dict.fromkeys(["openid", *settings.COPRODUCE_OIDC_SCOPES.split()])),
        name=settings.COPRODUCE_OIDC_NAME,
    )


@lru_cache(maxsize=4)
def _client(provider: Provider) -> DjangoOAuth2App:
    """One client per configuration; it keeps the provider's discovery document and keys."""
    if provider.client_auth == PRIVATE_KEY_JWT:
        credential = Path(provider.private_key_file).read_text()
        auth_methods = [PrivateKeyJWT(alg=provider.assertion_alg)]
    else:
        credential = provider.client_secret
        auth_methods = None
    return DjangoOAuth2App(
        DjangoIntegration("oidc"),
        name="oidc",
        client_id=provider.client_id,
        client_secret=credential,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_auth_methods=auth_methods,
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": provider.client_auth,
            "default_timeout": PROVIDER_TIMEOUT_SECONDS,
        },
    )


def _provider_or_404() -> Provider:
    provider = configured_provider()
    if provider is None:
        raise Http404
    return provider


@require_GET
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider, remembering where to come back to."""
    provider = _provider_or_404()
    client = _client(provider)
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT_SESSION_KEY] = next_url
    else:
        request.session.pop(NEXT_SESSION_KEY, None)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        return _refused(request, provider, _unavailable(provider), status=503)
    if metadata.get("issuer", "").rstrip("/") != provider.issuer.rstrip("/"):
        # Discovery must describe the issuer we were configured with (OpenID Connect
        # Discovery 4.3); otherwise its tokens would be checked against the wrong issuer.
        return _refused(request, provider, _unavailable(provider), status=503)
    callback = request.build_absolute_uri(reverse("web:oidc-callback"))
    return client.authorize_redirect(request, callback)


@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code: exchange it, check, sign in."""
    provider = _provider_or_404()
    client = _client(provider)
    try:
        token = client.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise AuthlibBaseError(description="no ID token")
        if "userinfo_endpoint" in client.load_server_metadata():
            # One Login and NHS login give the email address here, not in the ID token.
            userinfo = client.userinfo(token=token)
            if userinfo.get("sub") != claims["sub"]:
                raise AuthlibBaseError(description="userinfo is for someone else")
            claims = {**claims, **userinfo}
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError):
        return _refused(request, provider, _did_not_work(provider), status=400)
    try:
        user = sign_in_with_external_identity(
            issuer=provider.issuer,
            provider_name=provider.name,
            subject=claims["sub"],
            email=claims.get("email") or "",
            email_verified=claims.get("email_verified") in (True, "true"),
        )
    except ExternalSignInRefused as refusal:
        return _refused(request, provider, refusal.message, status=403)
    next_url = request.session.pop(NEXT_SESSION_KEY, "")
    login(request, user, backend=SESSION_BACKEND)
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect(next_url)


def _did_not_work(provider: Provider) -> str:
    return _(
        "Signing in with %(name)s did not work. This can happen if you took a long time, "
        "went back a page, or chose not to continue. Try signing in again."
    ) % {"name": provider.name}


def _unavailable(provider: Provider) -> str:
    return _("You cannot sign in with %(name)s at the moment. Try again later.") % {
        "name": provider.name
    }


def _refused(request: HttpRequest, provider: Provider, message: str, *, status: int):
    return render(
        request,
        "web/oidc_refused.html",
        {"provider_name": provider.name, "message": message},
        status=status,
    )
