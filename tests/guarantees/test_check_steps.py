"""Check steps: asking for care elsewhere and taking back a consent each show an "Are you
sure?" page saying what happens, and change nothing until its button is pressed."""

import pytest

from coproduce.guarantees.queries import RightStatus, right_status
from coproduce.people.models import AuditEvent, Relationship
from tests import factories
from tests.guarantees.test_views import logged_in, page

pytestmark = pytest.mark.django_db


def test_asking_for_care_elsewhere_has_a_check_step(patient, breached):
    client = logged_in(patient.user)
    my_waits = page(client.get("/waits/"))
    ask_url = f"/waits/ask/{breached.pk}/rtt/"
    assert f'href="{ask_url}"' in my_waits
    assert f'action="{ask_url}"' not in my_waits

    check = client.get(ask_url)
    assert check.status_code == 200
    html = page(check)
    assert "Are you sure you want to ask for care elsewhere?" in html
    assert "The region must offer an appointment with another provider by" in html
    assert "(missed)" in html
    assert f'action="{ask_url}"' in html
    assert "<script>alert(" not in html
    assert not breached.rights.exclude(requested_at=None).exists()

    response = client.post(ask_url)
    assert response.status_code == 302
    assert right_status(breached.rights.get()) == RightStatus.REQUESTED
    # Once asked, the check page sends them back to their waits with a reason.
    again = client.get(ask_url, follow=True)
    assert "Care elsewhere cannot be asked for on this wait now." in page(again)


def test_a_carer_checks_in_words_about_the_person(patient, breached):
    carer = factories.RelationshipFactory(
        person=patient, scope=Relationship.Scope.MANAGE, proxy__user=factories.UserFactory()
    ).proxy
    html = page(logged_in(carer.user).get(f"/waits/ask/{breached.pk}/rtt/"))
    assert f"ask for care elsewhere for {patient.given_name[:4]}" in html
    assert AuditEvent.objects.filter(person=patient, what__contains="asking").count() == 1


def test_taking_back_a_consent_has_a_check_step():
    person = factories.PersonFactory(user=factories.UserFactory())
    consent = factories.ConsentFactory(person=person)
    client = logged_in(person.user)
    url = f"/my-data/consents/{consent.pk}/revoke/"
    assert f'href="{url}"' in page(client.get("/my-data/"))

    html = page(client.get(url))
    assert "Are you sure you want to take back this consent?" in html
    assert "will no longer be able to see your health records" in html
    assert "<script>alert(" not in html
    consent.refresh_from_db()
    assert consent.revoked_at is None

    response = client.post(url)
    assert response["Location"] == "/my-data/#consents"
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    ended = client.get(url, follow=True)
    assert "This consent has already ended." in page(ended)


def test_someone_elses_consent_has_no_check_page():
    consent = factories.ConsentFactory()
    stranger = factories.PersonFactory(user=factories.UserFactory())
    client = logged_in(stranger.user)
    assert client.get(f"/my-data/consents/{consent.pk}/revoke/").status_code == 404
    other = f"/my-data/{stranger.pk}/consents/{consent.pk}/revoke/"
    assert client.get(other).status_code == 404
