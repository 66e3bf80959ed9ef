"""`/.well-known/security.txt` (RFC 9116): where someone who finds a vulnerability in this
deployment reports it. The operator names the contacts (`COPRODUCE_SECURITY_CONTACT`); a
production deployment without one is a deploy-check warning, because the NCSC's
vulnerability disclosure guidance expects every public service to publish one."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

# RFC 9116 2.5.5: Expires is required and should be less than a year ahead. The file is made
# per request, so it stays fresh for as long as the operator keeps the contacts set.
VALID_FOR = timedelta(days=180)
CONTACT_SCHEMES = ("mailto", "https", "tel")


def security_contacts() -> list[str]:
    return [
        contact.strip()
        for contact in settings.COPRODUCE_SECURITY_CONTACT.split(",")
        if contact.strip()
    ]


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    contacts = security_contacts()
    if not contacts:
        raise Http404("No security contact is set for this site.")
    expires = (timezone.now() + VALID_FOR).replace(microsecond=0)
    lines = [f"Contact: {contact}" for contact in contacts]
    lines.append(f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if settings.COPRODUCE_SECURITY_POLICY:
        lines.append(f"Policy: {settings.COPRODUCE_SECURITY_POLICY}")
    lines.append("Preferred-Languages: en")
    lines.append(f"Canonical: {request.build_absolute_uri()}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def check_security_contacts(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for contact in security_contacts():
        if urlsplit(contact).scheme not in CONTACT_SCHEMES:
            problems.append(
                checks.Error(
                    f"COPRODUCE_SECURITY_CONTACT: {contact!r} is not a mailto:, https: or "
                    "tel: address.",
                    id="coproduce.E001",
                )
            )
    policy = settings.COPRODUCE_SECURITY_POLICY
    if policy and urlsplit(policy).scheme != "https":
        problems.append(
            checks.Error(
                "COPRODUCE_SECURITY_POLICY must be an https: address.", id="coproduce.E002"
            )
        )
    return problems


def check_security_contact_is_published(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if security_contacts():
        return []
    return [
        checks.Warning(
            "No security contact: /.well-known/security.txt answers 404, so someone who "
            "finds a vulnerability cannot tell you.",
            hint="Set COPRODUCE_SECURITY_CONTACT, e.g. mailto:security@example.gov.uk.",
            id="coproduce.W001",
        )
    ]
