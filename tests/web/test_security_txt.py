"""Someone who finds a vulnerability can tell the operator: /.well-known/security.txt
(RFC 9116) names the contacts the operator set, with an expiry less than a year ahead."""

from datetime import datetime, timedelta

import pytest
from django.core import checks
from django.test import Client
from django.utils import timezone

from coproduce.web.security_txt import check_security_contacts


def fields(text: str) -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in text.splitlines() if line]


def test_security_txt_names_the_operators_contacts_and_expires_within_a_year(settings):
    settings.COPRODUCE_SECURITY_CONTACT = (
        "mailto:security@example.gov.uk, https://example.gov.uk/report"
    )
    settings.COPRODUCE_SECURITY_POLICY = "https://example.gov.uk/vulnerability-disclosure"
    response = Client().get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    answer = fields(response.content.decode())
    assert ("Contact", "mailto:security@example.gov.uk") in answer
    assert ("Contact", "https://example.gov.uk/report") in answer
    assert ("Policy", "https://example.gov.uk/vulnerability-disclosure") in answer
    assert ("Canonical", "http://testserver/.well-known/security.txt") in answer
    [expires] = [value for name, value in answer if name == "Expires"]
    expires_at = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    assert timezone.now() < expires_at < timezone.now() + timedelta(days=365)


def test_without_a_contact_there_is_no_security_txt(settings):
    settings.COPRODUCE_SECURITY_CONTACT = ""
    assert Client().get("/.well-known/security.txt").status_code == 404


@pytest.mark.parametrize("contact", ["security@example.gov.uk", "http://example.gov.uk/report"])
def test_a_contact_that_is_not_an_address_a_reporter_can_use_is_a_check_error(settings, contact):
    settings.COPRODUCE_SECURITY_CONTACT = contact
    [problem] = check_security_contacts(None)
    assert problem.level == checks.ERROR
    assert contact in problem.msg
