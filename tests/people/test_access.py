"""The access rule: staff see a person only through a current consent or care relationship;
citizens see themselves and those they are proxy for; everything else is 'not found'."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.people import actions
from coproduce.people.access import Actor, PersonNotFound, access_person, find_access
from coproduce.people.models import AuditEvent, Relationship
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    OrganisationFactory,
    PersonFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def staff_at(organisation, **role):
    return Actor(user=RoleFactory(organisation=organisation, **role).user)


def citizen(person):
    person.user = UserFactory()
    person.save(update_fields=["user"])
    return Actor(user=person.user)


def test_staff_without_consent_or_care_relationship_get_not_found():
    person = PersonFactory()
    nurse = staff_at(OrganisationFactory())
    with pytest.raises(PersonNotFound):
        access_person(nurse, person.pk)
    assert not AuditEvent.objects.exists()


def test_not_found_is_the_same_for_a_hidden_person_and_no_person():
    nurse = staff_at(OrganisationFactory())
    hidden = PersonFactory()
    errors = []
    for person_id in (hidden.pk, uuid.uuid4()):
        with pytest.raises(PersonNotFound) as raised:
            access_person(nurse, person_id)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]


def test_consent_lets_staff_see_and_the_look_is_audited_then_revocation_ends_it_at_once():
    consent = ConsentFactory()
    nurse = staff_at(consent.organisation)
    access = access_person(nurse, consent.person.pk, what="record")
    assert access.person == consent.person
    event = AuditEvent.objects.get()
    assert event.person == consent.person
    assert event.actor_user == nurse.user
    assert event.organisation == consent.organisation
    assert event.action == AuditEvent.Action.READ
    assert "Consent" in event.why
    assert consent.organisation.name in event.actor_label

    actions.revoke_consent(citizen(consent.person), consent_id=consent.pk)
    with pytest.raises(PersonNotFound):
        access_person(nurse, consent.person.pk)


def test_expired_consent_and_consent_to_another_organisation_give_nothing():
    expired = ConsentFactory(
        granted_at=timezone.now() - dt.timedelta(days=10),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(PersonNotFound):
        access_person(staff_at(expired.organisation), expired.person.pk)
    other = ConsentFactory()
    with pytest.raises(PersonNotFound):
        access_person(staff_at(OrganisationFactory()), other.person.pk)


def test_consent_covers_only_its_category():
    consent = ConsentFactory(category="health")
    nurse = staff_at(consent.organisation)
    assert access_person(nurse, consent.person.pk, category="health")
    with pytest.raises(PersonNotFound):
        access_person(nurse, consent.person.pk, category="education")


def test_care_relationship_gives_access_while_it_lasts():
    care = CareRelationshipFactory()
    doctor = staff_at(care.organisation)
    assert access_person(doctor, care.person.pk).basis.startswith("Care relationship")
    care.ends_on = timezone.localdate() - dt.timedelta(days=1)
    care.save()
    with pytest.raises(PersonNotFound):
        access_person(doctor, care.person.pk)


def test_staff_whose_role_has_ended_see_nothing():
    care = CareRelationshipFactory()
    leaver = staff_at(care.organisation, ends_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(PersonNotFound):
        access_person(leaver, care.person.pk)


def test_citizens_see_themselves_without_an_audit_row_but_not_others():
    me = PersonFactory()
    actor = citizen(me)
    assert access_person(actor, me.pk).is_self
    assert not AuditEvent.objects.exists()
    with pytest.raises(PersonNotFound):
        access_person(actor, PersonFactory().pk)


def test_a_proxy_sees_the_person_and_is_audited_but_a_view_only_proxy_cannot_act():
    relationship = RelationshipFactory(scope=Relationship.Scope.VIEW)
    carer = citizen(relationship.proxy)
    access = access_person(carer, relationship.person.pk)
    assert not access.can_act
    assert AuditEvent.objects.get().why == "Acting as carer"
    with pytest.raises(PersonNotFound):
        access_person(carer, relationship.person.pk, write=True)


def test_an_ended_proxy_relationship_gives_nothing():
    relationship = RelationshipFactory(
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate(),
    )
    with pytest.raises(PersonNotFound):
        access_person(citizen(relationship.proxy), relationship.person.pk)


def test_back_office_superuser_gets_no_special_access_through_the_rule():
    person = PersonFactory()
    admin = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(PersonNotFound):
        access_person(Actor(user=admin), person.pk)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(
    granted_hours_ago=st.integers(-48, 48),
    expires_in_hours=st.none() | st.integers(-48, 48),
    revoked_hours_ago=st.none() | st.integers(-48, 48),
)
def test_the_database_query_and_the_consent_window_agree_on_access(
    granted_hours_ago, expires_in_hours, revoked_hours_ago
):
    now = timezone.now()
    granted = now - dt.timedelta(hours=granted_hours_ago)
    expires = None if expires_in_hours is None else now + dt.timedelta(hours=expires_in_hours)
    revoked = None if revoked_hours_ago is None else now - dt.timedelta(hours=revoked_hours_ago)
    if (expires is not None and expires <= granted) or (revoked is not None and revoked < granted):
        return  # the database refuses these (check constraints)
    consent = ConsentFactory(granted_at=granted, expires_at=expires, revoked_at=revoked)
    nurse = staff_at(consent.organisation)
    found = find_access(nurse, consent.person, at=now)
    assert (found is not None) is consent.is_current(now)
