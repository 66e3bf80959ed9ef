"""People pages: My data (own and as a proxy), giving and taking back consent, the JSON
download, the staff view of a person's record, and the back office."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from coproduce import registry
from coproduce.messaging.actions import send_message
from coproduce.people.access import Actor, access_person
from coproduce.people.actions import create_api_token
from coproduce.people.models import (
    AuditEvent,
    Consent,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
)
from tests import factories
from tests.factories import HOSTILE

pytestmark = pytest.mark.django_db

ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def page(response) -> str:
    return response.content.decode()


def assert_escaped(html: str) -> None:
    assert "<script>alert(" not in html
    assert ESCAPED in html


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client, url: str) -> str:
    html = page(client.get(url))
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture
def citizen():
    return factories.PersonFactory(user=factories.UserFactory())


@pytest.fixture
def staff_role():
    return factories.RoleFactory()


def staff_looks(role: Role, person: Person, what: str) -> None:
    access_person(Actor(user=role.user, via=AuditEvent.Via.API), person.pk, what=what)


# --- My data --------------------------------------------------------------------------------


def test_my_data_needs_sign_in(client):
    response = client.get("/my-data/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_my_data_is_not_found_for_a_sign_in_without_a_record(client, staff_role):
    client.force_login(staff_role.user)
    assert client.get("/my-data/").status_code == 404
    assert client.get("/my-data/download.json").status_code == 404


def test_my_data_shows_everything_held(client, citizen, staff_role):
    consent = factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    factories.CareRelationshipFactory(person=citizen)
    factories.RelationshipFactory(person=citizen)
    factories.RelationshipFactory(proxy=citizen)
    send_message(
        Actor.system(),
        person_id=citizen.pk,
        key="hello",
        subject=f"Welcome {HOSTILE}",
        body="Hello there",
        reason="Welcome message",
    )
    client.force_login(citizen.user)

    response = client.get("/my-data/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = page(response)
    assert_escaped(html)
    assert "<title>My data" in html
    assert "govuk-summary-list" in html
    assert "NHS number" in html and "Date of birth" in html and "28 February 1950" in html
    assert citizen.email in html
    assert "Who can see the record" in html
    assert "Current" in html and "Health" in html
    for section in registry.personal_data_sections():
        if section.name not in {"consents", "audit_events"}:
            assert section.title.replace("'", "&#x27;") in html
    assert "Hello there" in html
    assert 'href="/my-data/download.json"' in html
    assert f'href="/my-data/consents/{consent.pk}/revoke/"' in html
    # Looking at your own record is not written to your audit trail.
    assert not AuditEvent.objects.filter(person=citizen, action="read").exists()


def test_my_data_revoke_buttons_name_the_organisation_for_screen_readers(client, citizen):
    first = factories.ConsentFactory(person=citizen)
    second = factories.ConsentFactory(person=citizen)
    client.force_login(citizen.user)
    html = page(client.get("/my-data/"))
    hidden = re.findall(r'<span class="govuk-visually-hidden"> consent for (.*?)</span>', html)
    assert len(hidden) == 2
    assert any(first.organisation.name.split()[1] in text for text in hidden)
    assert any(second.organisation.name.split()[1] in text for text in hidden)
    assert hidden[0] != hidden[1]


def test_my_data_lists_every_audit_event_of_the_person(client, citizen, staff_role):
    factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    whats = [f"look number {n} {HOSTILE}" for n in range(7)]
    for what in whats:
        staff_looks(staff_role, citizen, what)
    other = factories.PersonFactory()
    factories.ConsentFactory(person=other, organisation=staff_role.organisation)
    staff_looks(staff_role, other, "someone else's record")
    client.force_login(citizen.user)

    html = page(client.get("/my-data/"))
    events = AuditEvent.objects.filter(person=citizen)
    assert events.count() == 7
    assert "7 times the record was opened or changed" in html
    for what in whats:
        escaped = what.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;")
        assert f"Looked at: {escaped}" in html
    assert "someone else&#x27;s record" not in html
    assert "Consent to see health records" in html
    assert "API" in html


def test_proxy_who_may_act_sees_their_data_and_can_revoke(client, citizen):
    relationship = factories.RelationshipFactory(proxy=citizen)
    cared_for = relationship.person
    consent = factories.ConsentFactory(person=cared_for)
    client.force_login(citizen.user)

    response = client.get(f"/my-data/{cared_for.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert f"{escape(cared_for.full_name)}'s data" in html and "Acting as carer" in html
    assert f'href="/my-data/{cared_for.pk}/consents/{consent.pk}/revoke/"' in html
    assert "Give an organisation consent" in html
    assert f'href="/my-data/{cared_for.pk}/download.json"' in html
    # A proxy's look is someone else's look: it is audited.
    event = AuditEvent.objects.get(person=cared_for)
    assert event.actor_user == citizen.user and event.why == "Acting as carer"


def test_proxy_with_view_scope_sees_everything_but_cannot_change_consent(client, citizen):
    relationship = factories.RelationshipFactory(proxy=citizen, scope=Relationship.Scope.VIEW)
    cared_for = relationship.person
    consent = factories.ConsentFactory(person=cared_for)
    organisation = factories.OrganisationFactory()
    client.force_login(citizen.user)

    html = page(client.get(f"/my-data/{cared_for.pk}/"))
    assert "Who can see the record" in html and "Current" in html
    assert "/revoke/" not in html
    assert "Give an organisation consent" not in html

    client = csrf_client(citizen.user)
    token = csrf_token(client, f"/my-data/{cared_for.pk}/")
    response = client.post(
        f"/my-data/{cared_for.pk}/consents/{consent.pk}/revoke/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 404
    response = client.post(
        f"/my-data/{cared_for.pk}/",
        {"csrfmiddlewaretoken": token, "organisation": organisation.pk, "category": "health"},
    )
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert Consent.objects.filter(person=cared_for).count() == 1


def test_my_data_of_someone_you_do_not_act_for_is_not_found(client, citizen):
    stranger = factories.PersonFactory()
    ended = factories.RelationshipFactory(
        proxy=citizen,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    ).person
    client.force_login(citizen.user)
    for person_id in (stranger.pk, ended.pk, uuid.uuid4()):
        assert client.get(f"/my-data/{person_id}/").status_code == 404
        assert client.get(f"/my-data/{person_id}/download.json").status_code == 404
    assert not AuditEvent.objects.exists()


def test_staff_cannot_use_my_data_for_people_in_their_care(client, citizen, staff_role):
    staff_person = factories.PersonFactory(user=staff_role.user)
    factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    client.force_login(staff_role.user)
    assert client.get(f"/my-data/{citizen.pk}/").status_code == 404
    assert client.get("/my-data/").status_code == 200
    assert staff_person.pk != citizen.pk


# --- The JSON download ----------------------------------------------------------------------


def test_download_contains_every_field_of_everything_held(client, citizen, staff_role):
    factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    factories.CareRelationshipFactory(person=citizen)
    factories.RelationshipFactory(person=citizen)
    factories.RelationshipFactory(proxy=citizen)
    staff_looks(staff_role, citizen, "record")
    send_message(
        Actor.system(),
        person_id=citizen.pk,
        key="download-test",
        subject="Subject",
        body="Body",
        reason="Testing",
    )
    client.force_login(citizen.user)

    response = client.get("/my-data/download.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)

    person_fields = {field.attname for field in Person._meta.concrete_fields}
    assert set(data["person"]) == person_fields
    assert data["person"]["id"] == str(citizen.pk)
    assert data["person"]["given_name"] == citizen.given_name
    assert data["account"]["username"] == citizen.user.username
    # Each later module's own tests check its sections the same way (assert_download_complete).
    core_sections = [
        section
        for section in registry.personal_data_sections()
        if section.model_label.split(".")[0] in ("people", "messaging")
    ]
    assert_download_complete(data, core_sections)


def assert_download_complete(data: dict, sections) -> None:
    """Every concrete field of every row of these sections is in the download, and each
    section has rows (the test made some)."""
    for section in sections:
        model = apps.get_model(section.model_label)
        expected = {
            field.attname
            for field in model._meta.concrete_fields
            if field.name not in section.exclude_fields
        }
        rows = data[section.name]
        assert rows, f"the test made no {section.name}"
        for row in rows:
            assert set(row) == expected, section.name


def test_a_proxy_downloads_the_data_of_the_person_they_act_for(client, citizen):
    cared_for = factories.RelationshipFactory(proxy=citizen, scope="view").person
    client.force_login(citizen.user)
    response = client.get(f"/my-data/{cared_for.pk}/download.json")
    assert response.status_code == 200
    assert json.loads(response.content)["person"]["id"] == str(cared_for.pk)
    assert AuditEvent.objects.filter(person=cared_for, what="personal data (download)").exists()


# --- Taking consent back --------------------------------------------------------------------


def test_revoke_works_by_post_with_the_csrf_token(citizen):
    consent = factories.ConsentFactory(person=citizen)
    client = csrf_client(citizen.user)
    url = f"/my-data/consents/{consent.pk}/revoke/"

    assert client.post(url).status_code == 403  # no CSRF token
    consent.refresh_from_db()
    assert consent.revoked_at is None

    token = csrf_token(client, "/my-data/")
    response = client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0] == "/my-data/#consents"
    html = page(response)
    assert "govuk-notification-banner--success" in html
    assert "can no longer see health records" in html
    assert_escaped(html)
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoked_by == citizen.user
    assert "Revoked" in html
    assert url not in html


def test_revoke_changes_nothing_until_the_check_page_is_answered(client, citizen):
    consent = factories.ConsentFactory(person=citizen)
    client.force_login(citizen.user)
    assert client.get(f"/my-data/consents/{consent.pk}/revoke/").status_code == 200
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_revoking_someone_elses_consent_is_not_found(citizen):
    consent = factories.ConsentFactory()
    client = csrf_client(citizen.user)
    token = csrf_token(client, "/my-data/")
    for url in (
        f"/my-data/consents/{consent.pk}/revoke/",
        f"/my-data/{consent.person_id}/consents/{consent.pk}/revoke/",
        "/my-data/consents/999999/revoke/",
    ):
        assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_revoking_twice_says_it_has_already_ended(client, citizen):
    consent = factories.ConsentFactory(person=citizen, revoked_at=timezone.now())
    client.force_login(citizen.user)
    response = client.post(f"/my-data/consents/{consent.pk}/revoke/", follow=True)
    assert "This consent has already ended." in page(response)


def test_a_proxy_who_may_act_revokes_and_returns_to_their_page(citizen):
    cared_for = factories.RelationshipFactory(proxy=citizen).person
    consent = factories.ConsentFactory(person=cared_for)
    client = csrf_client(citizen.user)
    token = csrf_token(client, f"/my-data/{cared_for.pk}/")
    response = client.post(
        f"/my-data/{cared_for.pk}/consents/{consent.pk}/revoke/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/my-data/{cared_for.pk}/#consents"
    consent.refresh_from_db()
    assert consent.revoked_at is not None


# --- Giving consent -------------------------------------------------------------------------


def test_give_consent(client, citizen):
    organisation = factories.OrganisationFactory()
    client.force_login(citizen.user)
    next_year = timezone.localdate().year + 1
    response = client.post(
        "/my-data/",
        {
            "organisation": organisation.pk,
            "category": RecordCategory.SOCIAL_CARE,
            "expires_day": "5",
            "expires_month": "3",
            "expires_year": str(next_year),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/my-data/#consents"
    consent = Consent.objects.get(person=citizen)
    assert consent.organisation == organisation
    assert consent.category == RecordCategory.SOCIAL_CARE
    assert timezone.localtime(consent.expires_at).date() == dt.date(next_year, 3, 5)
    html = page(client.get("/my-data/"))
    assert "can now see social care records" in html
    assert f"5 March {next_year}" in html


def test_give_consent_without_an_end_date(client, citizen):
    organisation = factories.OrganisationFactory()
    client.force_login(citizen.user)
    response = client.post("/my-data/", {"organisation": organisation.pk, "category": "health"})
    assert response.status_code == 302
    assert Consent.objects.get(person=citizen).expires_at is None


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            {
                "#organisation": "Select the organisation you are giving consent to",
                "#category": "Select which part of the record they can see",
            },
        ),
        (
            {"organisation": "999999", "category": "secrets"},
            {
                "#organisation": "Select an organisation from the list",
                "#category": "Select which part of the record they can see",
            },
        ),
        (
            {"category": "health", "expires_day": "31", "expires_month": "2"},
            {"#expires_year": "The end date must include a year"},
        ),
        (
            {
                "category": "health",
                "expires_day": "31",
                "expires_month": "2",
                "expires_year": "2030",
            },
            {"#expires_day": "The end date must be a real date"},
        ),
        (
            {"category": "health", "expires_day": "1", "expires_month": "2", "expires_year": "30"},
            {"#expires_year": "Year must include 4 numbers"},
        ),
        (
            {
                "category": "health",
                "expires_day": "1",
                "expires_month": "1",
                "expires_year": "2001",
            },
            {"#expires_day": "The end of the consent must be in the future."},
        ),
    ],
)
def test_giving_consent_with_bad_input_shows_field_errors_and_changes_nothing(
    client, citizen, data, errors
):
    organisation = factories.OrganisationFactory()
    data = {"organisation": organisation.pk, **data} if "expires_day" in data else data
    client.force_login(citizen.user)

    response = client.post("/my-data/", data)
    assert response.status_code == 200
    html = page(response)
    assert "<title>Error: My data" in html
    assert "govuk-error-summary" in html
    for href, message in errors.items():
        assert f'<a href="{href}">{message}</a>' in html
        assert "govuk-error-message" in html and message in html
    assert not Consent.objects.exists()
    assert_escaped(html)


def test_giving_consent_that_already_exists_is_shown_as_an_error(client, citizen):
    consent = factories.ConsentFactory(person=citizen)
    client.force_login(citizen.user)
    response = client.post(
        "/my-data/", {"organisation": consent.organisation_id, "category": consent.category}
    )
    assert response.status_code == 200
    html = page(response)
    assert "can already see these records." in html
    assert '<a href="#organisation">' in html
    assert Consent.objects.count() == 1
    assert_escaped(html)


def test_giving_consent_keeps_what_was_entered(client, citizen):
    organisation = factories.OrganisationFactory()
    client.force_login(citizen.user)
    html = page(
        client.post(
            "/my-data/",
            {"organisation": organisation.pk, "category": "housing", "expires_day": "40"},
        )
    )
    assert f'<option value="{organisation.pk}" selected>' in html
    assert 'value="housing" checked' in html
    assert 'name="expires_day" type="text" inputmode="numeric" value="40"' in html


# --- The staff view of a person -------------------------------------------------------------


def test_person_page_is_not_found_without_consent_or_care(client, citizen, staff_role):
    client.force_login(staff_role.user)
    response = client.get(f"/people/{citizen.pk}/")
    assert response.status_code == 404
    assert "Page not found" in page(response)
    assert not AuditEvent.objects.exists()


def test_person_page_with_consent_is_shown_and_audited_until_revoked(client, citizen, staff_role):
    consent = factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    send_message(
        Actor.system(),
        person_id=citizen.pk,
        key="m1",
        subject=f"Appointment {HOSTILE}",
        body="Body",
        reason="Testing",
    )
    client.force_login(staff_role.user)

    response = client.get(f"/people/{citizen.pk}/")
    assert response.status_code == 200
    html = page(response)
    assert_escaped(html)
    assert "Why you can see this" in html
    assert "Consent to see health records" in html
    assert "Appointment" in html and "1 message" in html
    event = AuditEvent.objects.get(person=citizen, actor_user__isnull=False)
    assert event.actor_user == staff_role.user
    assert event.via == AuditEvent.Via.WEB
    assert event.organisation == staff_role.organisation
    assert event.action == AuditEvent.Action.READ

    citizen_client = csrf_client(citizen.user)
    token = csrf_token(citizen_client, "/my-data/")
    citizen_client.post(f"/my-data/consents/{consent.pk}/revoke/", {"csrfmiddlewaretoken": token})
    assert client.get(f"/people/{citizen.pk}/").status_code == 404


def test_person_page_with_a_care_relationship(client, citizen, staff_role):
    factories.CareRelationshipFactory(
        person=citizen, organisation=staff_role.organisation, reason="Registered patient"
    )
    client.force_login(staff_role.user)
    html = page(client.get(f"/people/{citizen.pk}/"))
    assert "Care relationship: Registered patient" in html
    # Staff writing to the person know which language to write in.
    assert "Language for messages" in html and "English" in html
    assert "There are no messages to this person in the parts of their record you can see." in html


def test_staff_who_cannot_see_a_message_are_not_told_that_none_was_sent(client, citizen):
    send_message(
        Actor.system(),
        person_id=citizen.pk,
        key="health-1",
        subject="Your wait for cardiology",
        body="Details",
        reason="A test of categories",
        category=RecordCategory.HEALTH,
    )
    school = factories.OrganisationFactory(kind="school")
    factories.ConsentFactory(person=citizen, organisation=school, category=RecordCategory.EDUCATION)
    teacher = factories.RoleFactory(organisation=school)
    client.force_login(teacher.user)
    html = page(client.get(f"/people/{citizen.pk}/"))
    assert "Your wait for cardiology" not in html
    assert "No messages have been sent" not in html
    assert "in the parts of their record you can see" in html


def test_not_found_looks_the_same_whether_the_person_exists_or_not(client, citizen, staff_role):
    client.force_login(staff_role.user)

    def body(url):
        response = client.get(url)
        assert response.status_code == 404
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page(response))

    assert body(f"/people/{citizen.pk}/") == body(f"/people/{uuid.uuid4()}/")
    assert str(citizen.pk) not in body(f"/people/{citizen.pk}/")


def test_person_page_needs_sign_in(client, citizen):
    response = client.get(f"/people/{citizen.pk}/")
    assert response.status_code == 302


# --- The back office ------------------------------------------------------------------------


@pytest.fixture
def superuser():
    return factories.UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_admin_person_view_is_audited(client, superuser, citizen):
    client.force_login(superuser)
    response = client.get(f"/admin/people/person/{citizen.pk}/change/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(person=citizen)
    assert event.via == AuditEvent.Via.ADMIN
    assert event.why == "Back-office administration"
    assert event.actor_user == superuser
    assert event.action == AuditEvent.Action.READ
    # The back office shows a record; changes go through the actions.
    assert client.get("/admin/people/person/add/").status_code == 403


def test_admin_audit_trail_is_read_only(client, superuser, citizen, staff_role):
    factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    staff_looks(staff_role, citizen, "record")
    event = AuditEvent.objects.get()
    client.force_login(superuser)
    assert client.get("/admin/people/auditevent/").status_code == 200
    assert client.get("/admin/people/auditevent/add/").status_code == 403
    assert client.get(f"/admin/people/auditevent/{event.pk}/delete/").status_code == 403
    response = client.get(f"/admin/people/auditevent/{event.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in page(response)
    response = client.post(f"/admin/people/auditevent/{event.pk}/change/", {"what": "changed"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.what == "record"


def test_admin_api_tokens_never_show_the_hash(client, superuser):
    organisation = factories.OrganisationFactory()
    token, raw = create_api_token(
        Actor(user=superuser), organisation_id=organisation.pk, name="Partner system"
    )
    client.force_login(superuser)
    listing = page(client.get("/admin/people/apitoken/"))
    detail = page(client.get(f"/admin/people/apitoken/{token.pk}/change/"))
    for html in (listing, detail):
        assert token.token_hash not in html
        assert raw not in html
        assert token.prefix in html
    assert "Scope" in listing and "Expires at" in listing and "Revoked at" in listing
    assert client.get("/admin/people/apitoken/add/").status_code == 403


def test_admin_lists_render(client, superuser, citizen):
    factories.ConsentFactory(person=citizen)
    factories.CareRelationshipFactory(person=citizen)
    factories.RelationshipFactory(person=citizen)
    factories.RoleFactory()
    send_message(
        Actor.system(), person_id=citizen.pk, key="a", subject="S", body="B", reason="Testing"
    )
    client.force_login(superuser)
    for name in (
        "people/user",
        "people/locality",
        "people/organisation",
        "people/role",
        "people/person",
        "people/relationship",
        "people/consent",
        "people/carerelationship",
        "people/auditevent",
        "people/apitoken",
        "messaging/message",
    ):
        response = client.get(f"/admin/{name}/")
        assert response.status_code == 200, name
        assert "<script>alert(" not in page(response)
    assert Organisation.objects.exists()


@pytest.mark.parametrize("rows", [2, 20])
def test_my_data_query_count_does_not_grow_with_the_data(
    client, citizen, staff_role, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        factories.ConsentFactory(person=citizen)
        factories.CareRelationshipFactory(person=citizen)
        factories.RelationshipFactory(proxy=citizen)
    factories.ConsentFactory(person=citizen, organisation=staff_role.organisation)
    for n in range(rows):
        staff_looks(staff_role, citizen, f"look {n}")
    client.force_login(citizen.user)
    # A query or so for each module's sections of the data, none for each row.
    with django_assert_max_num_queries(25):
        response = client.get("/my-data/")
    assert response.status_code == 200


def test_a_proxy_reads_about_the_person_they_act_for_not_about_themself(client, citizen):
    cared_for = factories.RelationshipFactory(proxy=citizen).person
    send_message(
        Actor.system(),
        person_id=cared_for.pk,
        key="proxy-words",
        subject="Subject",
        body="Body",
        reason="Testing",
    )
    client.force_login(citizen.user)

    html = page(client.get(f"/my-data/{cared_for.pk}/"))
    name = escape(cared_for.full_name)
    for section in registry.personal_data_sections():
        assert str(section.title) not in html  # "Your waits", "Messages we have sent you"...
    assert f"Messages we have sent {name}" in html
    assert f"People who can act for {name}" in html
    assert "Download my data" not in html and f"Download {name}'s data (JSON)" in html
    # How the platform tells its messages apart is not something said to the person.
    assert "Namespace" not in html and "proxy-words" not in html

    own = page(client.get("/my-data/"))
    assert "Messages we have sent you" in own and "Download my data" in own
