"""The "Sign in with <provider>" button, shown on the sign-in page when a provider is set."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from coproduce.web.oidc import configured_provider

register = template.Library()


@register.inclusion_tag("web/includes/oidc_sign_in.html")
def oidc_sign_in_button(next_url: str = "") -> dict:
    provider = configured_provider()
    if provider is None:
        return {"provider_name": None}
    start_url = reverse("web:oidc-start")
    if next_url:
        start_url += "?" + urlencode({"next": next_url})
    return {"provider_name": provider.name, "start_url": start_url}
