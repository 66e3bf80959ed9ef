"""Signing in with an OpenID Connect provider (GOV.UK One Login, NHS login), against a real
provider running on loopback (tests/oidc/provider.mjs): the whole code flow, not a mock."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from coproduce.people.models import ExternalIdentity, Person, User
from tests import factories
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, JWT_CLIENT_ID, sign_in_at_provider

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/sign-in/oidc/callback/"
PROVIDER_NAME = "GOV.UK One Login"


@pytest.fixture(params=["client_secret_basic", "private_key_jwt"])
def oidc_settings(request, settings, oidc_provider):
    """Sign-in with the loopback provider, authenticating by shared secret or signed JWT."""
    settings.COPRODUCE_OIDC_ISSUER = oidc_provider.issuer
    settings.COPRODUCE_OIDC_NAME = PROVIDER_NAME
    settings.COPRODUCE_OIDC_CLIENT_AUTH = request.param
    if request.param == "private_key_jwt":
        settings.COPRODUCE_OIDC_CLIENT_ID = JWT_CLIENT_ID
        settings.COPRODUCE_OIDC_CLIENT_SECRET = ""
        settings.COPRODUCE_OIDC_PRIVATE_KEY_FILE = str(oidc_provider.private_key_file)
    else:
        settings.COPRODUCE_OIDC_CLIENT_ID = CLIENT_ID
        settings.COPRODUCE_OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.COPRODUCE_OIDC_PRIVATE_KEY_FILE = ""
    return settings


@pytest.fixture
def ada():
    """Ada has an account and a record; the provider's "ada" has her address, verified."""
    user = factories.UserFactory(email="Ada@Example.org")
    factories.PersonFactory(user=user)
    return user


def start(client: Client, next_url: str = "") -> str:
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    response = client.get("/sign-in/oidc/start/" + query)
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, login: str, next_url: str = ""):
    return come_back(client, sign_in_at_provider(start(client, next_url), login, back_to=CALLBACK))


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_first_sign_in_links_the_account_with_the_verified_email(client, oidc_settings, ada):
    response = sign_in(client, "ada")

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert signed_in_user_id(client) == ada.pk
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (
        ada,
        oidc_settings.COPRODUCE_OIDC_ISSUER,
        "ada",
    )
    assert client.get("/home/").status_code == 200


def test_returning_person_gets_the_same_account_by_subject_not_email(client, oidc_settings, ada):
    sign_in(client, "ada")
    client.logout()
    # An address can move to someone else; the provider's subject identifier cannot.
    User.objects.filter(pk=ada.pk).update(email="ada.new@example.org")

    response = sign_in(client, "ada")

    assert response.status_code == 302
    assert signed_in_user_id(client) == ada.pk
    assert ExternalIdentity.objects.count() == 1


def test_start_asks_for_pkce_and_a_nonce(client, oidc_settings):
    query = parse_qs(urlsplit(start(client)).query)

    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"][0] and query["state"][0]
    assert query["redirect_uri"] == [CALLBACK]
    assert "openid" in query["scope"][0].split()


def test_a_wrong_state_is_refused(client, oidc_settings, ada):
    back = sign_in_at_provider(start(client), "ada", back_to=CALLBACK)
    state = parse_qs(urlsplit(back).query)["state"][0]

    response = come_back(client, back.replace(state, "forged-" + state))

    assert response.status_code == 400
    assert f"Signing in with {PROVIDER_NAME} did not work" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not ExternalIdentity.objects.exists()


def test_a_wrong_nonce_is_refused(client, oidc_settings, ada):
    authorize_url = start(client)
    # The provider puts the nonce it was sent in the ID token; make ours expect another.
    session = client.session
    [key] = [key for key, _value in session.items() if key.startswith("_state_oidc_")]
    stored = session[key]
    stored["data"]["nonce"] = "a-different-nonce"
    session[key] = stored
    session.save()

    response = come_back(client, sign_in_at_provider(authorize_url, "ada", back_to=CALLBACK))

    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    assert not ExternalIdentity.objects.exists()


def test_a_code_cannot_be_used_twice(client, oidc_settings, ada):
    back = sign_in_at_provider(start(client), "ada", back_to=CALLBACK)
    come_back(client, back)
    client.logout()

    response = come_back(Client(), back)

    assert response.status_code == 400


def test_an_unverified_email_address_links_nothing(client, oidc_settings):
    factories.UserFactory(email="bo@example.org")

    response = sign_in(client, "bo")

    assert response.status_code == 403
    assert "has not confirmed your email address" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not ExternalIdentity.objects.exists()


def test_someone_without_an_account_is_told_what_to_do_and_no_account_is_made(
    client, oidc_settings
):
    users, people = User.objects.count(), Person.objects.count()

    response = sign_in(client, "cy")

    assert response.status_code == 403
    html = response.content.decode()
    assert "We could not find an account with the email address you use for" in html
    assert "Sign in with your username and password" in html
    assert (User.objects.count(), Person.objects.count()) == (users, people)
    assert signed_in_user_id(client) is None


def test_an_account_linked_to_another_provider_account_is_not_taken_over(
    client, oidc_settings, ada
):
    ExternalIdentity.objects.create(
        user=ada, issuer=oidc_settings.COPRODUCE_OIDC_ISSUER, subject="ada-earlier-account"
    )

    response = sign_in(client, "ada")

    assert response.status_code == 403
    assert "already connected to a different" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_cancelling_at_the_provider_signs_nobody_in(client, oidc_settings):
    start(client)

    response = client.get("/sign-in/oidc/callback/?error=access_denied&state=anything")

    assert response.status_code == 400
    assert "Try signing in again" in response.content.decode()


def test_coming_back_goes_to_the_page_asked_for_but_never_off_site(client, oidc_settings, ada):
    assert sign_in(client, "ada", next_url="/my-data/")["Location"] == "/my-data/"
    client.logout()
    assert sign_in(client, "ada", next_url="https://evil.example/")["Location"] == "/home/"


def test_the_sign_in_page_offers_the_provider_when_configured(client, oidc_settings):
    html = client.get("/sign-in/?next=/my-data/").content.decode()

    assert f"Sign in with {PROVIDER_NAME}" in html
    assert 'href="/sign-in/oidc/start/?next=%2Fmy-data%2F"' in html


def test_without_a_provider_the_pages_are_not_found_and_no_button_shows(client, settings):
    settings.COPRODUCE_OIDC_ISSUER = ""
    settings.COPRODUCE_OIDC_CLIENT_ID = ""

    assert client.get("/sign-in/oidc/start/").status_code == 404
    assert client.get("/sign-in/oidc/callback/?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/sign-in/").content.decode()
