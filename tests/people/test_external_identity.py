"""Which account a provider's identity signs in as (actions.sign_in_with_external_identity)."""

import pytest
from django.db import IntegrityError, transaction

from coproduce.people.actions import ExternalSignInRefused, sign_in_with_external_identity
from coproduce.people.models import ExternalIdentity
from tests import factories

pytestmark = pytest.mark.django_db

ISSUER = "https://oidc.integration.account.gov.uk/"


def sign_in(subject="urn:fdc:gov.uk:2022:abc", email="ada@example.org", verified=True):
    return sign_in_with_external_identity(
        issuer=ISSUER,
        provider_name="GOV.UK One Login",
        subject=subject,
        email=email,
        email_verified=verified,
    )


def test_the_verified_address_matches_whatever_its_case_and_the_link_is_kept():
    user = factories.UserFactory(email="Ada@Example.ORG")

    assert sign_in(email=" ada@example.org") == user
    assert sign_in(email="someone-else@example.org") == user
    assert ExternalIdentity.objects.filter(user=user, issuer=ISSUER).count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda: factories.UserFactory(email="ada@example.org", is_active=False), "no_account"),
        (lambda: factories.UserFactory(email="other@example.org"), "no_account"),
        (
            lambda: [factories.UserFactory(email="ada@example.org") for _ in range(2)],
            "email_shared",
        ),
    ],
    ids=["inactive account", "no account with that address", "address shared by two"],
)
def test_no_single_active_account_with_the_address_means_no_sign_in(setup, code):
    setup()

    with pytest.raises(ExternalSignInRefused) as refusal:
        sign_in()

    assert refusal.value.code == code
    assert not ExternalIdentity.objects.exists()


def test_an_unverified_address_is_never_matched():
    factories.UserFactory(email="ada@example.org")

    with pytest.raises(ExternalSignInRefused) as refusal:
        sign_in(verified=False)

    assert refusal.value.code == "email_not_verified"


def test_a_deactivated_account_cannot_sign_in_through_its_link():
    user = factories.UserFactory(email="ada@example.org")
    sign_in()
    user.is_active = False
    user.save(update_fields=["is_active"])

    with pytest.raises(ExternalSignInRefused):
        sign_in()


def test_the_database_keeps_one_user_per_subject_and_one_subject_per_provider_per_user():
    first, second = factories.UserFactory(), factories.UserFactory()
    ExternalIdentity.objects.create(user=first, issuer=ISSUER, subject="one")

    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalIdentity.objects.create(user=second, issuer=ISSUER, subject="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalIdentity.objects.create(user=first, issuer=ISSUER, subject="two")
    ExternalIdentity.objects.create(user=first, issuer="https://auth.login.nhs.uk", subject="one")
