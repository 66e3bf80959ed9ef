"""One access rule for one and many: in random worlds of people, organisations (parents and
children), roles, consents (current, run out, revoked, replaced, not yet given), care
relationships (current, ended, not yet begun) and proxies, the check for one person
(find_access, categories_visible) and the lists (people_visible_to,
people_in_organisations_care, and in_organisations_care_among, in SQL of its own) always
agree, as do the two forms of the organisation tree."""

import datetime as dt
import uuid

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.people.access import (
    Actor,
    categories_visible,
    find_access,
    in_organisation_tree,
    in_organisations_care_among,
    organisation_and_children,
    people_in_organisations_care,
    people_visible_to,
)
from coproduce.people.models import ApiToken, Organisation, RecordCategory, Relationship, Role
from tests.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    LocalityFactory,
    OrganisationFactory,
    PersonFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)

PEOPLE = 4
ORGANISATIONS = 3
# Two categories are enough to tell "this category" from "another one".
CATEGORIES = [RecordCategory.HEALTH, RecordCategory.SOCIAL_CARE]

days = st.integers(-30, 30)
person_index = st.integers(0, PEOPLE - 1)
organisation_index = st.integers(0, ORGANISATIONS - 1)
category = st.sampled_from(CATEGORIES)

consents = st.lists(
    st.fixed_dictionaries(
        {
            "person": person_index,
            "organisation": organisation_index,
            "category": category,
            "granted": days,
            "lasts": st.none() | st.integers(1, 40),
            "revoked_after": st.none() | st.integers(0, 40),
            "replaced_after": st.none() | st.integers(0, 40),
        }
    ),
    max_size=6,
)
care_relationships = st.lists(
    st.fixed_dictionaries(
        {
            "person": person_index,
            "organisation": organisation_index,
            "category": category,
            "starts": days,
            "lasts": st.none() | st.integers(0, 40),
        }
    ),
    max_size=5,
)
proxies = st.lists(
    st.fixed_dictionaries(
        {
            "person": person_index,
            "proxy": person_index,
            "scope": st.sampled_from(Relationship.Scope.values),
            "starts": days,
            "lasts": st.integers(1, 40),
        }
    ),
    max_size=3,
)
roles = st.lists(
    st.fixed_dictionaries(
        {
            "organisation": organisation_index,
            "kind": st.sampled_from(Role.Kind.values),
            "starts": days,
            "lasts": st.none() | st.integers(0, 40),
        }
    ),
    max_size=3,
)
actors = st.one_of(
    st.fixed_dictionaries({"kind": st.just("staff"), "roles": roles, "person": st.none()}),
    st.fixed_dictionaries({"kind": st.just("staff"), "roles": roles, "person": person_index}),
    st.fixed_dictionaries({"kind": st.just("token"), "organisation": organisation_index}),
    st.fixed_dictionaries({"kind": st.just("citizen"), "person": person_index}),
)
worlds = st.fixed_dictionaries(
    {
        # Each organisation's parent is an earlier one (or none): a tree, never a loop.
        "parents": st.tuples(st.none(), st.none() | st.just(0), st.none() | st.integers(0, 1)),
        "consents": consents,
        "care": care_relationships,
        "proxies": proxies,
        "actor": actors,
        "category": st.none() | category,
        "at_days": st.sampled_from([0, -10, 10]),
    }
)


def _on(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def _build(world: dict):
    now = timezone.now()
    locality = LocalityFactory()
    organisations: list[Organisation] = []
    for parent in world["parents"]:
        organisations.append(
            OrganisationFactory(
                locality=locality,
                parent=None if parent is None else organisations[parent],
            )
        )
    people = [PersonFactory() for _ in range(PEOPLE)]

    standing = set()  # at most one standing consent per person, organisation and category
    for row in world["consents"]:
        key = (row["person"], row["organisation"], row["category"])
        revoked = row["revoked_after"]
        replaced = row["replaced_after"]
        if revoked is None and replaced is None:
            if key in standing:
                continue
            standing.add(key)
        granted = now + dt.timedelta(days=row["granted"])
        ConsentFactory(
            person=people[row["person"]],
            organisation=organisations[row["organisation"]],
            category=row["category"],
            granted_at=granted,
            expires_at=None if row["lasts"] is None else granted + dt.timedelta(days=row["lasts"]),
            revoked_at=None if revoked is None else granted + dt.timedelta(days=revoked),
            replaced_at=None if replaced is None else granted + dt.timedelta(days=replaced),
        )

    open_ended = set()  # at most one open-ended care relationship per key
    for row in world["care"]:
        key = (row["person"], row["organisation"], row["category"])
        if row["lasts"] is None:
            if key in open_ended:
                continue
            open_ended.add(key)
        CareRelationshipFactory(
            person=people[row["person"]],
            organisation=organisations[row["organisation"]],
            category=row["category"],
            starts_on=_on(row["starts"]),
            ends_on=None if row["lasts"] is None else _on(row["starts"] + row["lasts"]),
        )

    for row in world["proxies"]:
        if row["person"] == row["proxy"]:
            continue
        RelationshipFactory(
            person=people[row["person"]],
            proxy=people[row["proxy"]],
            scope=row["scope"],
            starts_on=_on(row["starts"]),
            ends_on=_on(row["starts"] + row["lasts"]),
        )

    wanted = world["actor"]
    if wanted["kind"] == "token":
        token = ApiToken.objects.create(
            organisation=organisations[wanted["organisation"]],
            name="Patient administration system",
            prefix=uuid.uuid4().hex[:16],
            token_hash="0" * 64,
            created_by=UserFactory(),
        )
        actor = Actor(token=token, via="api")
    else:
        user = UserFactory()
        if wanted["person"] is not None:
            person = people[wanted["person"]]
            person.user = user
            person.save(update_fields=["user"])
        held = set()
        for row in wanted.get("roles", []):
            if (row["organisation"], row["kind"]) in held:
                continue
            held.add((row["organisation"], row["kind"]))
            RoleFactory(
                user=user,
                organisation=organisations[row["organisation"]],
                kind=row["kind"],
                starts_on=_on(row["starts"]),
                ends_on=None if row["lasts"] is None else _on(row["starts"] + row["lasts"]),
            )
        actor = Actor(user=user)
    return actor, people, organisations


@pytest.mark.django_db
@settings(max_examples=50, deadline=None)
@given(world=worlds)
def test_the_check_for_one_person_and_the_lists_always_agree(world):
    with transaction.atomic():
        actor, people, organisations = _build(world)
        wanted = world["category"]
        at = timezone.now() + dt.timedelta(days=world["at_days"])
        listed = set(people_visible_to(actor, wanted, at).values_list("pk", flat=True))
        in_care = set(people_in_organisations_care(actor, wanted, at).values_list("pk", flat=True))
        for person in people:
            seen = find_access(actor, person, category=wanted, at=at) is not None
            assert (person.pk in listed) is seen
            visible = categories_visible(actor, person, at=at)
            assert (wanted in visible if wanted else bool(visible)) is seen
        # The organisations' side alone: all of it for an actor with no record of their own.
        assert in_care <= listed
        if actor.own_person is None:
            assert in_care == listed
        # Asked among these people only (a device's check-ins), the same people.
        assert in_organisations_care_among(actor, [p.pk for p in people], wanted, at) == in_care

        tree = set(organisation_and_children(actor.organisation_ids).values_list("pk", flat=True))
        for organisation in organisations:
            assert (organisation.pk in tree) is in_organisation_tree(
                organisation, actor.organisation_ids
            )
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_consent_to_a_hospital_is_not_a_consent_to_its_trust():
    """The organisation tree chooses whose waits a list covers, never whom staff may see:
    a hospital's patient is not listed for a member of staff at its parent trust."""
    trust = OrganisationFactory(kind=Organisation.Kind.NHS_TRUST)
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL, parent=trust)
    patient = ConsentFactory(organisation=hospital).person
    at_trust = Actor(user=RoleFactory(organisation=trust).user)

    assert set(organisation_and_children(at_trust.organisation_ids)) == {trust, hospital}
    assert find_access(at_trust, patient) is None
    assert not people_visible_to(at_trust).filter(pk=patient.pk).exists()


@pytest.mark.django_db
def test_among_these_people_care_and_consent_count_to_their_last_day_and_moment():
    """The edges of "current", where hand-written SQL could drift from the querysets: a care
    relationship counts on its last day and not the day after or before it starts; a consent
    counts until the moment it expires, and not once revoked."""
    hospital = OrganisationFactory()
    at_hospital = Actor(user=RoleFactory(organisation=hospital).user)
    today = timezone.localdate()
    now = timezone.now()
    ends_today = CareRelationshipFactory(organisation=hospital, ends_on=today).person
    ended_yesterday = CareRelationshipFactory(
        organisation=hospital, starts_on=today - dt.timedelta(days=9), ends_on=_on(-1)
    ).person
    starts_tomorrow = CareRelationshipFactory(organisation=hospital, starts_on=_on(1)).person
    consent_running = ConsentFactory(
        organisation=hospital, expires_at=now + dt.timedelta(minutes=1)
    ).person
    consent_run_out = ConsentFactory(
        organisation=hospital,
        granted_at=now - dt.timedelta(days=1),
        expires_at=now - dt.timedelta(seconds=1),
    ).person
    consent_revoked = ConsentFactory(organisation=hospital, revoked_at=now).person
    everyone = [
        ends_today,
        ended_yesterday,
        starts_tomorrow,
        consent_running,
        consent_run_out,
        consent_revoked,
    ]

    found = in_organisations_care_among(at_hospital, [p.pk for p in everyone], at=now)

    assert found == {ends_today.pk, consent_running.pk}
    assert found == set(
        people_in_organisations_care(at_hospital, at=now).values_list("pk", flat=True)
    )
