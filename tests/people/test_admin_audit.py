"""The back office is audited and cannot impersonate: every look at a person's data in /admin/
is on that person's trail (and shown to them on My data), every change is a WRITE row, and
nobody there can set a citizen's password; a reset link goes to the person instead."""

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from coproduce.guarantees import actions as guarantees
from coproduce.guarantees.models import PathwayEvent, Right
from coproduce.messaging.actions import send_message
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Organisation
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    PersonFactory,
    RelationshipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new and long passphrase 42"


@pytest.fixture
def admin_user():
    return UserFactory(
        username="backoffice", first_name="Bea", last_name="Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def back_office(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def citizen():
    """A person who signs in."""
    return PersonFactory(user=UserFactory(username="citizen", email="old@example.org"))


def a_wait(person):
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    pathway = guarantees.open_pathway(
        Actor.system(),
        person_id=person.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    guarantees.record_event(
        Actor.system(),
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
    )
    return pathway


def a_right(person):
    today = timezone.localdate()
    return Right.objects.create(
        pathway=a_wait(person),
        stage="rtt",
        stage_started_on=today - dt.timedelta(days=130),
        breached_on=today - dt.timedelta(days=3),
    )


def a_message(person):
    return send_message(
        Actor.system(),
        person_id=person.pk,
        key=f"test-{person.pk}",
        subject="Your appointment",
        body="See you soon.",
        reason="A test message",
    )


# What each page shows, the object behind it and the person it is about.
PAGES = {
    "person": ("people/person", lambda person: person),
    "consent": ("people/consent", lambda person: ConsentFactory(person=person)),
    "care relationship": (
        "people/carerelationship",
        lambda person: CareRelationshipFactory(person=person),
    ),
    "relationship": ("people/relationship", lambda person: RelationshipFactory(person=person)),
    "message": ("messaging/message", a_message),
    "wait": ("guarantees/pathway", a_wait),
    "wait event": (
        "guarantees/pathwayevent",
        lambda person: PathwayEvent.objects.get(pathway=a_wait(person)),
    ),
    "right": ("guarantees/right", a_right),
}


def back_office_reads(person):
    return AuditEvent.objects.filter(
        person=person, via=AuditEvent.Via.ADMIN, action=AuditEvent.Action.READ
    )


@pytest.mark.parametrize("page", PAGES)
def test_opening_a_persons_data_in_the_back_office_is_on_their_trail(
    page, back_office, admin_user, citizen
):
    model, make = PAGES[page]
    shown = make(citizen)
    before = back_office_reads(citizen).count()
    response = back_office.get(f"/admin/{model}/{shown.pk}/change/")
    assert response.status_code == 200
    rows = back_office_reads(citizen)
    assert rows.count() == before + 1
    row = rows.first()
    assert row.actor_user == admin_user
    assert row.what.endswith("(back office)")
    assert row.why == "Back-office administration"


@pytest.mark.parametrize("page", PAGES)
def test_a_back_office_list_audits_each_person_it_names_once(page, back_office, citizen):
    model, make = PAGES[page]
    make(citizen)
    make(citizen)  # two rows about one person
    before = back_office_reads(citizen).count()
    assert back_office.get(f"/admin/{model}/").status_code == 200
    assert back_office_reads(citizen).count() == before + 1
    assert back_office_reads(citizen).first().what.endswith("list (back office)")


def test_the_history_page_is_a_look_too(back_office, citizen):
    consent = ConsentFactory(person=citizen)
    response = back_office.get(f"/admin/people/consent/{consent.pk}/history/")
    assert response.status_code == 200
    assert back_office_reads(citizen).get().what == "consents change history (back office)"


def test_the_person_sees_the_back_office_look_on_my_data(client, back_office, citizen):
    back_office.get(f"/admin/people/consent/{ConsentFactory(person=citizen).pk}/change/")
    client.force_login(citizen.user)
    page = client.get("/my-data/").content.decode()
    assert "Back office" in page
    assert "Bea Admin" in page
    assert "consents (back office)" in page


def test_a_change_in_the_back_office_is_one_write_row(back_office, citizen):
    response = back_office.post(
        f"/admin/people/user/{citizen.user.pk}/change/",
        {
            "is_active": "",  # switched off
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    citizen.user.refresh_from_db()
    assert not citizen.user.is_active
    rows = AuditEvent.objects.filter(person=citizen, via=AuditEvent.Via.ADMIN)
    assert [(row.action, row.what) for row in rows] == [
        (AuditEvent.Action.WRITE, "sign-in details changed (back office)")
    ]


def test_the_back_office_cannot_set_a_citizens_password(back_office, citizen):
    password_page = f"/admin/people/user/{citizen.user.pk}/password/"
    assert back_office.get(password_page).status_code == 403
    response = back_office.post(
        password_page, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    citizen.user.refresh_from_db()
    assert not citizen.user.check_password(NEW_PASSWORD)
    change_page = back_office.get(f"/admin/people/user/{citizen.user.pk}/change/")
    assert "../password/" not in change_page.content.decode()
    assert 'name="password' not in change_page.content.decode()
    assert 'name="email"' not in change_page.content.decode()


def test_giving_a_role_offers_staff_sign_ins_not_citizens(back_office, citizen):
    UserFactory(username="staffer")
    found = back_office.get(
        "/admin/autocomplete/",
        {"app_label": "people", "model_name": "role", "field_name": "user", "term": ""},
    ).json()["results"]
    names = {row["text"] for row in found}
    assert "staffer" in names
    assert "citizen" not in names


def test_staff_sign_ins_keep_the_password_page(back_office):
    staff = UserFactory(username="staffer")
    assert back_office.get(f"/admin/people/user/{staff.pk}/password/").status_code == 200


def test_a_reset_link_goes_to_the_person_and_lets_only_them_choose_a_password(
    client, back_office, admin_user, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(
            "/admin/people/user/",
            {"action": "send_password_reset_links", "_selected_action": [citizen.user.pk]},
            follow=True,
        )
    assert "A link to set a new password was emailed" in response.content.decode()
    [email] = mail.outbox
    assert email.to == [citizen.email]  # the record's address, not the sign-in's
    assert "Set a new password" in email.subject
    write = AuditEvent.objects.get(person=citizen, action=AuditEvent.Action.WRITE)
    assert (write.via, write.actor_user) == (AuditEvent.Via.ADMIN, admin_user)
    assert "password reset link" in write.what

    link = re.search(r"https?://\S+", email.body).group(0)
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Set a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()
    citizen.user.refresh_from_db()
    assert citizen.user.check_password(NEW_PASSWORD)
    # A link works once.
    again = client.get(link, follow=True)
    assert "This link does not work any more" in again.content.decode()


def test_a_reset_password_page_shows_mismatches_as_govuk_errors(client, citizen):
    uid = urlsafe_base64_encode(force_bytes(citizen.user.pk))
    token = default_token_generator.make_token(citizen.user)
    page = client.get(f"/reset-password/{uid}/{token}/", follow=True)
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "The passwords do not match" in body
    assert "<title>Error:" in body


def test_a_reset_link_is_refused_without_the_right_or_an_address(
    citizen, django_capture_on_commit_callbacks
):
    from coproduce.errors import InvalidInput, NotAllowed
    from coproduce.people.actions import send_password_reset_link

    clinic_user = UserFactory(username="clinic", is_staff=True)  # no change_user permission
    with pytest.raises(NotAllowed), django_capture_on_commit_callbacks(execute=True):
        send_password_reset_link(
            Actor(user=clinic_user), user_id=citizen.user.pk, site_url="https://example.org"
        )
    nobody = PersonFactory(
        user=UserFactory(username="no-address", email=""), email="", preferred_channel="letter"
    )
    admin = UserFactory(username="admin2", is_staff=True, is_superuser=True)
    with pytest.raises(InvalidInput) as refused, django_capture_on_commit_callbacks(execute=True):
        send_password_reset_link(
            Actor(user=admin), user_id=nobody.user.pk, site_url="https://example.org"
        )
    assert "email" in refused.value.fields
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.WRITE).exists()
