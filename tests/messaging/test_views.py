"""The Messages pages: a person reads every message we have sent them, list then message, and
a proxy reads those sent to the person they act for, in words about that person."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.messaging.models import Message
from coproduce.messaging.views import MESSAGES_PAGE_SIZE
from coproduce.people.models import AuditEvent, Relationship
from tests import factories
from tests.factories import HOSTILE

pytestmark = pytest.mark.django_db


def _message(person, n: int = 0, **fields) -> Message:
    return Message.objects.create(
        key=f"k{person.pk}-{n}",
        namespace="platform",
        person=person,
        channel="email",
        recipient=person.email,
        subject=fields.pop("subject", f"Your appointment {n} {HOSTILE}"),
        body=fields.pop("body", f"First line {HOSTILE}\nSecond line"),
        **fields,
    )


@pytest.fixture
def person():
    return factories.PersonFactory(user=factories.UserFactory(), given_name="Margaret")


def _signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_a_person_opens_their_messages_from_home_and_reads_one_in_full(person):
    message = _message(person, body=f"Please ring us {HOSTILE}.\nWe are open from 9.")
    client = _signed_in(person)

    home = client.get("/home/").content.decode()
    assert 'href="/messages/"' in home and "Read your messages" in home
    assert "We have sent you 1 message." in home

    listing = client.get("/messages/").content.decode()
    assert "Every message we have sent you" in listing
    assert f'href="/messages/{message.pk}/"' in listing
    assert "<script>alert(" not in listing

    shown = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Please ring us" in shown and "We are open from 9." in shown
    assert "<br>" in shown  # The body keeps its lines.
    assert "<script>alert(" not in shown
    assert "A message we sent you" in shown
    assert not AuditEvent.objects.exists()


def test_messages_are_in_the_navigation_of_a_person_with_a_record(person):
    html = _signed_in(person).get("/home/").content.decode()
    assert 'href="/messages/"' in html


def test_the_list_is_paged_newest_first(person):
    for n in range(MESSAGES_PAGE_SIZE + 3):
        _message(person, n, subject=f"Message number {n:02d}")
    client = _signed_in(person)

    first = client.get("/messages/").content.decode()
    assert f"{MESSAGES_PAGE_SIZE + 3} messages" in first
    assert "Message number 22" in first and "Message number 00" not in first
    assert "?page=2" in first
    second = client.get("/messages/?page=2").content.decode()
    assert "Message number 00" in second and "Message number 22" not in second


def test_a_carer_reads_about_the_person_never_you_and_the_look_is_audited(person):
    message = _message(person)
    carer = factories.RelationshipFactory(
        person=person, scope=Relationship.Scope.VIEW, proxy__user=factories.UserFactory()
    ).proxy
    client = _signed_in(carer)

    own = client.get("/messages/").content.decode()
    assert f'href="/messages/for/{person.pk}/"' in own

    listing = client.get(f"/messages/for/{person.pk}/").content.decode()
    assert "Messages we have sent Margaret" in listing
    assert "we have sent you" not in listing.lower()
    assert f'href="/messages/{message.pk}/"' in listing

    shown = client.get(f"/messages/{message.pk}/").content.decode()
    assert "A message we sent Margaret" in shown
    assert "Back to the messages we have sent Margaret" in shown
    assert "we sent you" not in shown.lower()
    looks = AuditEvent.objects.filter(person=person).values_list("what", flat=True)
    assert sorted(looks) == ["a message (Messages page)", "messages (Messages page)"]


def test_someone_elses_message_is_not_found_and_not_audited(person):
    message = _message(person)
    stranger = factories.PersonFactory(user=factories.UserFactory())
    staff = factories.CareRelationshipFactory(person=person).organisation
    clinician = factories.RoleFactory(organisation=staff).user
    for user in (stranger.user, clinician):
        client = Client()
        client.force_login(user)
        assert client.get(f"/messages/{message.pk}/").status_code == 404
        assert client.get(f"/messages/for/{person.pk}/").status_code == 404
    assert client.get(reverse("messaging:message", args=[10**12])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_carer_whose_relationship_ended_cannot_read_the_messages(person):
    message = _message(person)
    ended = factories.RelationshipFactory(
        person=person,
        proxy__user=factories.UserFactory(),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    client = _signed_in(ended.proxy)
    assert client.get(f"/messages/{message.pk}/").status_code == 404
