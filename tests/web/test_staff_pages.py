"""Pages a new member of staff, organisation admin or platform operator found missing: the
staff header, API tokens in the site, the operator's home, and the honest public pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.guarantees.actions import open_pathway
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, Role
from tests import factories
from tests.factories import HOSTILE_TYPED

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def header(html: str) -> str:
    return html.split('<nav aria-label="Menu"', 1)[1].split("</nav>", 1)[0]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def org_admin():
    return factories.RoleFactory(kind=Role.Kind.ORGANISATION_ADMIN)


# --- the staff header -----------------------------------------------------------------------


def test_staff_header_links_the_waiting_list_statistics_and_person_search():
    role = factories.RoleFactory(kind=Role.Kind.CLINICIAN)
    patient = factories.PersonFactory()
    factories.CareRelationshipFactory(person=patient, organisation=role.organisation)
    open_pathway(
        Actor(user=role.user),
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=role.organisation.pk,
        service="Cardiology",
    )
    nav = header(page(signed_in(role.user).get(reverse("guarantees:statistics"))))
    assert f'href="{reverse("guarantees:worklist")}"' in nav
    assert f'href="{reverse("guarantees:statistics")}"' in nav
    assert f'href="{reverse("web:dashboard")}#caseload"' in nav
    assert "Waiting list" in nav and "Statistics" in nav and "Find a person" in nav


def test_a_citizen_header_has_no_staff_links():
    citizen = factories.PersonFactory(user=factories.UserFactory())
    nav = header(page(signed_in(citizen.user).get(reverse("web:dashboard"))))
    assert "Waiting list" not in nav and "Find a person" not in nav


def test_a_role_that_ended_takes_the_staff_links_away():
    role = factories.RoleFactory(ends_on=timezone.localdate() - timezone.timedelta(days=1))
    nav = header(page(signed_in(role.user).get(reverse("web:home"))))
    assert "Waiting list" not in nav


# --- API tokens -----------------------------------------------------------------------------


def test_an_org_admin_creates_a_token_sees_it_once_then_only_its_name(org_admin):
    client = signed_in(org_admin.user)
    response = client.post(
        reverse("people:api-tokens"),
        {"organisation": org_admin.organisation.pk, "name": "Referral system", "scope": "write"},
    )
    assert response.status_code == 200
    secret = re.search(r'id="token-secret">(cp_[^<]+)<', page(response)).group(1)
    assert "shown only once" in page(response)
    token = ApiToken.objects.get(organisation=org_admin.organisation)
    assert token.name == "Referral system" and token.scope == ApiToken.Scope.WRITE
    # The token works against the API...
    api = Client().get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    # ...and the list shows it again without the secret.
    listed = page(client.get(reverse("people:api-tokens")))
    assert "Referral system" in listed and "Read and write" in listed
    assert secret not in listed and "Not used yet" not in listed
    assert "Last used on" in listed


def test_the_token_form_says_what_is_missing(org_admin):
    response = signed_in(org_admin.user).post(
        reverse("people:api-tokens"), {"organisation": org_admin.organisation.pk, "name": ""}
    )
    html = page(response)
    assert "Name the system that will use this token." in html
    assert "Choose read, or read and write." in html
    assert 'href="#name"' in html and 'href="#scope"' in html
    assert not ApiToken.objects.exists()


def test_an_org_admin_revokes_a_token_after_a_check_step(org_admin):
    client = signed_in(org_admin.user)
    client.post(
        reverse("people:api-tokens"),
        {"organisation": org_admin.organisation.pk, "name": HOSTILE_TYPED, "scope": "read"},
    )
    token = ApiToken.objects.get()
    check = client.get(reverse("people:revoke-api-token", kwargs={"token_id": token.pk}))
    assert "stop connecting at once" in page(check)
    token.refresh_from_db()
    assert token.revoked_at is None
    done = client.post(
        reverse("people:revoke-api-token", kwargs={"token_id": token.pk}), follow=True
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "You revoked the token" in page(done)
    assert "<script>alert(" not in page(done)


def test_an_admin_of_another_organisation_cannot_see_or_revoke_the_token(org_admin):
    other_admin = factories.RoleFactory(kind=Role.Kind.ORGANISATION_ADMIN)
    signed_in(org_admin.user).post(
        reverse("people:api-tokens"),
        {"organisation": org_admin.organisation.pk, "name": "Referral system", "scope": "read"},
    )
    token = ApiToken.objects.get()
    client = signed_in(other_admin.user)
    assert "Referral system" not in page(client.get(reverse("people:api-tokens")))
    url = reverse("people:revoke-api-token", kwargs={"token_id": token.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    # Creating one for an organisation you do not administer is refused on the field.
    response = client.post(
        reverse("people:api-tokens"),
        {"organisation": org_admin.organisation.pk, "name": "Sneaky", "scope": "write"},
    )
    assert "Choose an organisation you are an admin of." in page(response)
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


@pytest.mark.parametrize("kind", [Role.Kind.CLINICIAN, Role.Kind.PROFESSIONAL])
def test_staff_who_are_not_org_admins_get_page_not_found(kind):
    client = signed_in(factories.RoleFactory(kind=kind).user)
    assert client.get(reverse("people:api-tokens")).status_code == 404


def test_the_org_admin_home_links_the_tokens_page(org_admin):
    html = page(signed_in(org_admin.user).get(reverse("web:dashboard")))
    assert f'href="{reverse("people:api-tokens")}"' in html
    clinician = factories.RoleFactory(kind=Role.Kind.CLINICIAN)
    assert reverse("people:api-tokens") not in page(
        signed_in(clinician.user).get(reverse("web:dashboard"))
    )


# --- the operator's home --------------------------------------------------------------------


def test_the_back_office_operator_lands_on_the_back_office_and_statistics():
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    html = page(signed_in(operator).get(reverse("web:dashboard")))
    assert "not linked" not in html
    assert f'href="{reverse("admin:index")}"' in html
    assert f'href="{reverse("guarantees:statistics")}"' in html


def test_a_sign_in_with_nothing_linked_is_still_told_so():
    html = page(signed_in(factories.UserFactory()).get(reverse("web:dashboard")))
    assert "not linked" in html
    assert reverse("admin:index") not in html


# --- honest public pages --------------------------------------------------------------------


def test_the_public_home_lists_the_installed_modules_and_links_the_statistics():
    html = page(Client().get(reverse("web:home")))
    assert "Waiting-time guarantees" in html
    assert f'href="{reverse("guarantees:statistics")}"' in html
    assert "Keeping well at home" in html  # monitoring
    # Nothing that is not built yet is promised.
    for unbuilt in ("Care plans", "Social action", "Participation"):
        assert unbuilt not in html


def test_feedback_and_about_are_real_pages(settings):
    settings.COPRODUCE_FEEDBACK_EMAIL = "feedback@example.gov.uk"
    home = page(Client().get(reverse("web:home")))
    assert f'href="{reverse("web:feedback")}"' in home
    assert f'href="{reverse("web:about")}"' in home
    feedback = page(Client().get(reverse("web:feedback")))
    assert 'href="mailto:feedback@example.gov.uk"' in feedback
    about = Client().get(reverse("web:about"))
    assert about.status_code == 200
    assert "Who runs this site" in page(about) and "Waiting-time guarantees" in page(about)


def test_feedback_without_an_address_says_whom_to_tell(settings):
    settings.COPRODUCE_FEEDBACK_EMAIL = ""
    html = page(Client().get(reverse("web:feedback")))
    assert "mailto:" not in html
    assert "Tell the organisation that gave you your sign-in" in html
