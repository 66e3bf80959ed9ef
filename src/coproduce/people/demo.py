"""The people of Riverside, the demo region: places, organisations, staff, residents and the
fixed demo sign-ins.

The bulk rows (thousands to millions of people, their care relationships and consents, the
staff) go in with bulk_create, deliberately outside actions.py: one action call per person
would take hours for a million people, and they are made-up people nobody is looking at. The
few rows that involve the fixed sign-in accounts go through actions.py and access.py, so what
a demo user sees (registrations, consents, messages, who looked at their record) is written
exactly as the live platform writes it, audit rows included.
"""

import bisect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from django.contrib.auth.hashers import make_password

from coproduce.messaging.actions import send_message

from .access import Actor, access_person
from .actions import grant_consent, register_person, revoke_consent
from .demo_context import DemoContext
from .demo_names import (
    NamePools,
    NhsNumberSequence,
    account_name,
    email_address,
    name_pools,
    phone_number,
    postcode,
)
from .demo_region import (
    COUNCIL_CODE,
    NEIGHBOURHOODS,
    NHS_TRUST_CODE,
    ORGANISATIONS,
    TOWNS,
    create_localities,
    create_organisations,
)
from .models import (
    AuditEvent,
    CareRelationship,
    Channel,
    Consent,
    Locality,
    Organisation,
    Person,
    RecordCategory,
    Relationship,
    Role,
    User,
)

# Printed for anyone to use: the demo holds made-up people only.
DEMO_PASSWORD = "riverside-demo"  # noqa: S105
FIXED_SIGN_INS = ("citizen", "carer", "clinician", "socialworker", "orgadmin", "admin")
# The fixed sign-ins' people (the citizen, the carer and the carer's mother) count towards
# the people asked for.
FIXED_PEOPLE = 3
CHUNK_SIZE = 2500
STREETS_PER_NEIGHBOURHOOD = 25
RESIDENT_SIGN_INS = 10

# (youngest, oldest, share of the population): roughly the age profile of an English region.
AGE_BANDS = (
    (0, 4, 5.5),
    (5, 17, 15.5),
    (18, 29, 15.0),
    (30, 44, 20.0),
    (45, 64, 25.0),
    (65, 79, 13.5),
    (80, 99, 5.5),
)
PRIMARY_AGES = range(4, 11)
SECONDARY_AGES = range(11, 18)
# Younger children are reached through their family's address.
OWN_CONTACT_DETAILS_AGE = 16
OUTPATIENT_CLINICS = (
    "Cardiology",
    "Diabetes",
    "Respiratory medicine",
    "Orthopaedics",
    "Ophthalmology",
    "Dermatology",
    "Rheumatology",
)
COMMUNITY_REASONS = ("Member", "Volunteer", "Receives support")

OrganisationKind = Organisation.Kind
RoleKind = Role.Kind
# For each kind of organisation: (role, job title, how many) of its staff.
STAFFING = {
    OrganisationKind.COUNCIL: (
        (RoleKind.ORGANISATION_ADMIN, "Digital services manager", 1),
        (RoleKind.LEAD_PROFESSIONAL, "Social worker", 6),
        (RoleKind.PROFESSIONAL, "Occupational therapist", 3),
        (RoleKind.PROFESSIONAL, "Housing officer", 4),
        (RoleKind.PROFESSIONAL, "Care navigator", 3),
    ),
    OrganisationKind.NHS_TRUST: (
        (RoleKind.ORGANISATION_ADMIN, "Information governance lead", 1),
        (RoleKind.PROFESSIONAL, "Care co-ordinator", 2),
    ),
    OrganisationKind.HOSPITAL: (
        (RoleKind.ORGANISATION_ADMIN, "Hospital systems manager", 1),
        (RoleKind.CLINICIAN, "Consultant", 4),
        (RoleKind.CLINICIAN, "Staff nurse", 4),
        (RoleKind.PROFESSIONAL, "Discharge co-ordinator", 1),
    ),
    OrganisationKind.GP_PRACTICE: (
        (RoleKind.ORGANISATION_ADMIN, "Practice manager", 1),
        (RoleKind.CLINICIAN, "GP", 3),
        (RoleKind.CLINICIAN, "Practice nurse", 1),
        (RoleKind.PROFESSIONAL, "Social prescriber", 1),
    ),
    OrganisationKind.SCHOOL: (
        (RoleKind.ORGANISATION_ADMIN, "School business manager", 1),
        (RoleKind.PROFESSIONAL, "Teacher", 3),
        (RoleKind.LEAD_PROFESSIONAL, "Special educational needs co-ordinator", 1),
    ),
}
COMMUNITY_STAFFING = (
    (RoleKind.ORGANISATION_ADMIN, "Co-ordinator", 1),
    (RoleKind.PROFESSIONAL, "Support worker", 2),
)


def generate(context: DemoContext) -> None:
    context.localities |= create_localities()
    context.organisations |= create_organisations(context.localities)
    pools = name_pools(context.seed)
    nhs_numbers = NhsNumberSequence(context.random_for("nhs-numbers"))
    # Generated accounts share one hash: hashing the password is slow on purpose, and every
    # demo account has the same password anyway.
    shared_password_hash = make_password(DEMO_PASSWORD)
    staff = create_staff(context, pools, shared_password_hash)
    create_fixed_sign_ins(context, nhs_numbers)
    residents = Residents(context, pools, nhs_numbers)
    resident_sign_ins = create_residents(context, residents, shared_password_hash)
    context.stdout.write(
        f"Riverside: {len(context.localities)} localities, "
        f"{len(context.organisations)} organisations, {len(staff):,} staff, "
        f"{context.people:,} people. Staff sign in as first.last (like {staff[0].username}) "
        f"and {resident_sign_ins} residents as resident01 to resident{resident_sign_ins:02d}, "
        "with the same password as the accounts below.\n"
    )


def create_staff(context: DemoContext, pools: NamePools, password_hash: str) -> list[User]:
    """Staff with roles in every organisation; they sign in as first.last (same password)."""
    rng = context.random_for("staff")
    users: list[User] = []
    roles: list[tuple[User, Organisation, str, str]] = []
    usernames: set[str] = set()
    for provider in ORGANISATIONS:
        organisation = context.organisations[provider.code]
        for kind, job_title, count in STAFFING.get(provider.kind, COMMUNITY_STAFFING):
            for _ in range(count):
                names = pools.female_given_names if rng.random() < 0.5 else pools.male_given_names
                given, family = rng.choice(names), rng.choice(pools.family_names)
                username = unused_username(account_name(given, family), usernames)
                usernames.add(username)
                user = User(
                    username=username,
                    first_name=given,
                    last_name=family,
                    email=f"{username}@riverside.example",
                    password=password_hash,
                )
                users.append(user)
                roles.append((user, organisation, kind, job_title))
    User.objects.bulk_create(users)
    Role.objects.bulk_create(
        Role(
            user=user,
            organisation=organisation,
            kind=kind,
            job_title=job_title,
            starts_on=context.today - timedelta(days=rng.randrange(30, 3650)),
        )
        for user, organisation, kind, job_title in roles
    )
    return users


def unused_username(wanted: str, taken: set[str]) -> str:
    """The wanted username (mary.smith), or the first of mary.smith2, mary.smith3... free."""
    username, number = wanted, 1
    while username in taken:
        number += 1
        username = f"{wanted}{number}"
    return username


def create_fixed_sign_ins(context: DemoContext, nhs_numbers: NhsNumberSequence) -> None:
    """The accounts printed at the end of `coproduce demo`, and the story around them.

    Alex Morgan (citizen) and Sam Morgan (carer) are registered at Millbrook Surgery, as is
    their mother Margaret, whom Sam cares for. Their registrations, consents, messages and
    the staff's looks at their records all go through the actions, as in live use.
    """
    surgery = context.organisations["Y90001"]
    council = context.organisations[COUNCIL_CODE]
    hospital = context.organisations["R9V01"]
    befriending = context.organisations["RV-VOL-04"]
    millbrook = context.localities["E05900003"]
    three_years_ago = context.today - timedelta(days=3 * 365)

    def staff_member(username, first_name, last_name, kind, organisation, job_title) -> User:
        user = sign_in(username, first_name, last_name)
        Role.objects.create(
            user=user,
            organisation=organisation,
            kind=kind,
            job_title=job_title,
            starts_on=three_years_ago,
        )
        return user

    clinician = staff_member("clinician", "Priya", "Shah", RoleKind.CLINICIAN, surgery, "GP")
    social_worker = staff_member(
        "socialworker", "Tom", "Evans", RoleKind.LEAD_PROFESSIONAL, council, "Social worker"
    )
    organisation_admin = staff_member(
        "orgadmin",
        "Grace",
        "Okafor",
        RoleKind.ORGANISATION_ADMIN,
        council,
        "Digital services manager",
    )
    admin = sign_in("admin", "Robin", "Ellis", is_staff=True, is_superuser=True)

    clinician_at_surgery = Actor(user=clinician, via=AuditEvent.Via.WEB)

    def patient(given_name, family_name, date_of_birth, contact) -> Person:
        return register_person(
            clinician_at_surgery,
            details={
                "given_name": given_name,
                "family_name": family_name,
                "date_of_birth": date_of_birth,
                "nhs_number": next(nhs_numbers),
                "address_line_2": millbrook.name,
                "town": TOWNS[millbrook.parent.code],
                **contact,
            },
            care_category=RecordCategory.HEALTH,
            care_reason="Registered patient",
            locality_code=millbrook.code,
        )

    citizen = patient(
        "Alex",
        "Morgan",
        date(1986, 4, 12),
        {
            "email": "alex.morgan@example.org",
            "phone": "07700 900123",
            "address_line_1": "14 Millbrook Road",
            "postcode": "RV3 4HP",
            "preferred_channel": Channel.EMAIL,
        },
    )
    carer = patient(
        "Sam",
        "Morgan",
        date(1982, 9, 3),
        {
            "phone": "07700 900456",
            "address_line_1": "3 Weir Close",
            "postcode": "RV3 2LU",
            "preferred_channel": Channel.SMS,
        },
    )
    mother = patient(
        "Margaret",
        "Morgan",
        date(1944, 1, 20),
        {"address_line_1": "27 Millbrook Road", "postcode": "RV3 4HR"},
    )
    citizen_user = link_sign_in(citizen, "citizen")
    carer_user = link_sign_in(carer, "carer")

    # No action yet makes a care relationship with someone already registered, or a carer
    # relationship, so these two rows are written directly.
    CareRelationship.objects.create(
        person=mother,
        organisation=council,
        category=RecordCategory.SOCIAL_CARE,
        reason="Adult social care: home care",
        starts_on=context.today - timedelta(days=400),
    )
    Relationship.objects.create(
        person=mother,
        proxy=carer,
        kind=Relationship.Kind.CARER,
        scope=Relationship.Scope.MANAGE,
        starts_on=context.today - timedelta(days=200),
        ends_on=context.today + timedelta(days=365),
    )

    as_citizen = Actor(user=citizen_user, via=AuditEvent.Via.WEB)
    grant_consent(
        as_citizen,
        person_id=citizen.pk,
        organisation_id=council.pk,
        category=RecordCategory.SOCIAL_CARE,
        purpose="Planning support with the council's adult social care team",
    )
    grant_consent(
        as_citizen,
        person_id=citizen.pk,
        organisation_id=hospital.pk,
        category=RecordCategory.HEALTH,
        purpose="Follow-up after my knee operation",
        expires_at=context.now + timedelta(days=180),
    )
    withdrawn = grant_consent(
        as_citizen,
        person_id=citizen.pk,
        organisation_id=befriending.pk,
        category=RecordCategory.COMMUNITY,
        purpose="Matching me with a befriender",
    )
    revoke_consent(as_citizen, consent_id=withdrawn.pk)
    grant_consent(
        Actor(user=carer_user, via=AuditEvent.Via.WEB),
        person_id=mother.pk,
        organisation_id=council.pk,
        category=RecordCategory.HEALTH,
        purpose="So her social worker can see her medicines and hospital letters",
    )

    access_person(clinician_at_surgery, citizen.pk, what="record")
    access_person(clinician_at_surgery, citizen.pk, what="test results")
    access_person(
        Actor(user=social_worker, via=AuditEvent.Via.WEB),
        citizen.pk,
        what="social care record",
        category=RecordCategory.SOCIAL_CARE,
    )

    for person in (citizen, carer):
        send_message(
            Actor.system(),
            person_id=person.pk,
            key=f"demo:welcome:{person.pk}",
            subject="Welcome to Coproduce",
            body=(
                f"Dear {person.given_name},\n\nYou can now see your record, choose who may see "
                "it and see everyone who has looked at it."
            ),
            reason="Welcome message for a new sign-in",
        )
    send_message(
        Actor.system(),
        person_id=citizen.pk,
        key=f"demo:gp-registration:{citizen.pk}",
        subject=f"You are registered at {surgery.name}",
        body=(
            f"Dear {citizen.given_name},\n\n{surgery.name} is now your GP practice. "
            "You can book appointments and see your test results online."
        ),
        reason="Confirming a GP registration",
        category=RecordCategory.HEALTH,
    )

    for user, description in (
        (citizen_user, "Alex Morgan, a resident (patient at Millbrook Surgery, two messages)"),
        (carer_user, "Sam Morgan, carer for their mother, Margaret Morgan"),
        (clinician, "Priya Shah, GP, Millbrook Surgery (Alex Morgan's GP)"),
        (social_worker, "Tom Evans, social worker (lead professional), Riverside Council"),
        (organisation_admin, "Grace Okafor, organisation admin, Riverside Council"),
        (admin, "Robin Ellis, site administrator: the back office at /admin/"),
    ):
        context.add_sign_in(user, description)


def sign_in(username: str, first_name: str, last_name: str, **flags) -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, **flags)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def link_sign_in(person: Person, username: str) -> User:
    # No action links a sign-in to a person yet (in live use that is the identity provider's
    # job), so the demo sets the link itself.
    user = sign_in(username, person.given_name, person.family_name, email=person.email)
    person.user = user
    person.save(update_fields=["user"])
    return user


@dataclass(frozen=True)
class Neighbourhood:
    """What a resident of one neighbourhood is near: streets and the services they use."""

    locality_id: int
    name: str
    town: str
    postcode_district: int
    streets: tuple[str, ...]
    gp_practice_id: int
    primary_school_id: int
    secondary_school_id: int
    hospital_id: int


@dataclass
class ResidentsChunk:
    people: list[Person] = field(default_factory=list)
    care_relationships: list[CareRelationship] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)


class Residents:
    """Draws residents, their care relationships and consents from the seed, a chunk at a time,
    so memory stays the same for a million people as for a thousand."""

    def __init__(
        self, context: DemoContext, pools: NamePools, nhs_numbers: NhsNumberSequence
    ) -> None:
        self.context = context
        self.pools = pools
        self.nhs_numbers = nhs_numbers
        self.rng = context.random_for("people")
        self.neighbourhoods = self._plan_neighbourhoods()
        self.neighbourhood_weights = list(accumulate(p.population_weight for p in NEIGHBOURHOODS))
        self.age_weights = list(accumulate(share for _, _, share in AGE_BANDS))
        self.council = context.organisations[COUNCIL_CODE]
        self.nhs_trust = context.organisations[NHS_TRUST_CODE]
        self.community_organisations = [
            org
            for kind in (
                OrganisationKind.MUTUAL,
                OrganisationKind.USER_LED,
                OrganisationKind.VOLUNTARY_GROUP,
                OrganisationKind.SOCIAL_ENTERPRISE,
            )
            for org in context.organisations_of_kind(kind)
        ]
        today = context.today
        self.school_year_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
        self.birthdays = [_years_before(today, age) for age in range(AGE_BANDS[-1][1] + 1)]

    def _plan_neighbourhoods(self) -> list[Neighbourhood]:
        street_rng = self.context.random_for("streets")
        # A school serving a neighbourhood is a primary school; one serving a district is a
        # secondary school (neighbourhood and district codes never clash).
        serving = {
            (provider.kind, area_code): self.context.organisations[provider.code].pk
            for provider in ORGANISATIONS
            for area_code in provider.serves
        }
        plans = []
        for number, place in enumerate(NEIGHBOURHOODS, start=1):
            locality: Locality = self.context.localities[place.code]
            district_code = place.parent_code
            plans.append(
                Neighbourhood(
                    locality_id=locality.pk,
                    name=place.name,
                    town=TOWNS[district_code],
                    postcode_district=number,
                    streets=tuple(
                        street_rng.sample(self.pools.street_names, STREETS_PER_NEIGHBOURHOOD)
                    ),
                    gp_practice_id=serving[(OrganisationKind.GP_PRACTICE, place.code)],
                    primary_school_id=serving[(OrganisationKind.SCHOOL, place.code)],
                    secondary_school_id=serving[(OrganisationKind.SCHOOL, district_code)],
                    hospital_id=serving[(OrganisationKind.HOSPITAL, district_code)],
                )
            )
        return plans

    def chunks(self, count: int) -> Iterator[ResidentsChunk]:
        for start in range(0, count, CHUNK_SIZE):
            chunk = ResidentsChunk()
            for _ in range(min(CHUNK_SIZE, count - start)):
                self._draw_resident(chunk)
            yield chunk

    def _draw_resident(self, chunk: ResidentsChunk) -> None:
        rng = self.rng
        now = self.context.now
        place = self.neighbourhoods[
            bisect.bisect(self.neighbourhood_weights, rng.random() * self.neighbourhood_weights[-1])
        ]
        youngest, oldest, _ = AGE_BANDS[
            bisect.bisect(self.age_weights, rng.random() * self.age_weights[-1])
        ]
        age = rng.randint(youngest, oldest)
        born = self.birthdays[age] - timedelta(days=rng.randrange(365))
        names = (
            self.pools.female_given_names if rng.random() < 0.51 else self.pools.male_given_names
        )
        given_name, family_name = rng.choice(names), rng.choice(self.pools.family_names)
        email = phone = ""
        channel = Channel.LETTER
        if age >= OWN_CONTACT_DETAILS_AGE:
            if rng.random() < (0.35 if age >= 80 else 0.8):
                email = email_address(given_name, family_name, rng)
            if rng.random() < 0.85:
                phone = phone_number(rng)
            # Everyone has an address, so a letter always reaches them; the rest choose among
            # the ways they can be reached.
            channels = [(Channel.LETTER, 15)]
            if email:
                channels.append((Channel.EMAIL, 60))
            if phone:
                channels.append((Channel.SMS, 25))
            choices, weights = zip(*channels, strict=True)
            channel = rng.choices(choices, weights)[0]
        person = Person(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            given_name=given_name,
            family_name=family_name,
            date_of_birth=born,
            nhs_number=next(self.nhs_numbers),
            email=email,
            phone=phone,
            address_line_1=f"{rng.randint(1, 180)} {rng.choice(place.streets)}",
            address_line_2=place.name,
            town=place.town,
            postcode=postcode(place.postcode_district, rng),
            locality_id=place.locality_id,
            preferred_channel=channel,
            created_at=now,
            updated_at=now,
        )
        chunk.people.append(person)
        self._draw_care_and_consents(chunk, person, age, place)

    def _draw_care_and_consents(
        self, chunk: ResidentsChunk, person: Person, age: int, place: Neighbourhood
    ) -> None:
        """Everyone is registered with a GP, children are on a school roll, and some people
        have social care, hospital clinics or community groups, and consents to go with them."""
        rng, today, born = self.rng, self.context.today, person.date_of_birth

        def cared_for(organisation_id, category, reason, starts_on, ends_on=None):
            chunk.care_relationships.append(
                CareRelationship(
                    person_id=person.pk,
                    organisation_id=organisation_id,
                    category=category,
                    reason=reason,
                    starts_on=max(starts_on, born),
                    ends_on=ends_on,
                )
            )

        def consents_to(organisation_id, category, purpose):
            chunk.consents.append(self._consent(person.pk, organisation_id, category, purpose))

        cared_for(
            place.gp_practice_id,
            RecordCategory.HEALTH,
            "Registered patient",
            today - timedelta(days=rng.randrange(25 * 365)),
        )
        if age in PRIMARY_AGES or age in SECONDARY_AGES:
            primary = age in PRIMARY_AGES
            years_at_school = age - (PRIMARY_AGES.start if primary else SECONDARY_AGES.start)
            cared_for(
                place.primary_school_id if primary else place.secondary_school_id,
                RecordCategory.EDUCATION,
                "Pupil on roll",
                _years_before(self.school_year_start, years_at_school),
            )
        social_care_chance = (
            0.25 if age >= 80 else 0.06 if age >= 65 else 0.015 if age >= 18 else 0.02
        )
        if rng.random() < social_care_chance:
            reason = (
                "Adult social care: care and support plan"
                if age >= 18
                else "Children's social care: child in need"
            )
            cared_for(
                self.council.pk,
                RecordCategory.SOCIAL_CARE,
                reason,
                today - timedelta(days=rng.randrange(3 * 365)),
            )
            if rng.random() < 0.6:
                consents_to(
                    self.council.pk, RecordCategory.HEALTH, "Joint health and social care planning"
                )
        if rng.random() < (0.12 if age >= 65 else 0.04):
            starts_on = max(today - timedelta(days=rng.randrange(2 * 365)), born)
            ended = rng.random() < 0.3
            ends_on = (
                starts_on + timedelta(days=rng.randrange((today - starts_on).days + 1))
                if ended
                else None
            )
            cared_for(
                place.hospital_id,
                RecordCategory.HEALTH,
                f"Outpatient: {rng.choice(OUTPATIENT_CLINICS)}",
                starts_on,
                ends_on,
            )
            if rng.random() < 0.3:
                consents_to(
                    place.hospital_id, RecordCategory.SOCIAL_CARE, "Planning care after hospital"
                )
        if age >= 18 and rng.random() < 0.04:
            organisation = rng.choice(self.community_organisations)
            cared_for(
                organisation.pk,
                RecordCategory.COMMUNITY,
                rng.choice(COMMUNITY_REASONS),
                today - timedelta(days=rng.randrange(5 * 365)),
            )
            if rng.random() < 0.5:
                consents_to(
                    organisation.pk, RecordCategory.HEALTH, "Tailoring support to health needs"
                )
        if age >= 18 and rng.random() < 0.02:
            consents_to(self.nhs_trust.pk, RecordCategory.SOCIAL_CARE, "Shared care record")

    def _consent(self, person_id, organisation_id, category, purpose) -> Consent:
        """Most consents are current; some were withdrawn, some have run out, some will."""
        rng, now = self.rng, self.context.now
        granted_at = now - timedelta(days=rng.randrange(1, 730), seconds=rng.randrange(86400))
        expires_at = revoked_at = None
        outcome = rng.random()
        if outcome < 0.08:
            revoked_at = granted_at + (now - granted_at) * rng.random()
        elif outcome < 0.13:
            expires_at = granted_at + (now - granted_at) * rng.uniform(0.1, 0.9)
        elif outcome < 0.43:
            expires_at = now + timedelta(days=rng.randrange(30, 730))
        return Consent(
            person_id=person_id,
            organisation_id=organisation_id,
            category=category,
            purpose=purpose,
            granted_at=granted_at,
            expires_at=expires_at,
            revoked_at=revoked_at,
        )


def create_residents(context: DemoContext, residents: Residents, password_hash: str) -> int:
    """Everyone else in the region, in chunks; the first few adults with an email address also
    get a sign-in. Returns how many did."""
    count = context.people - FIXED_PEOPLE
    sign_ins_left = RESIDENT_SIGN_INS
    with context.progress(total=count, desc="People", unit=" people") as bar:
        for chunk in residents.chunks(count):
            if sign_ins_left:
                sign_ins_left -= give_sign_ins(chunk.people, sign_ins_left, password_hash)
            Person.objects.bulk_create(chunk.people, batch_size=CHUNK_SIZE)
            CareRelationship.objects.bulk_create(chunk.care_relationships, batch_size=CHUNK_SIZE)
            Consent.objects.bulk_create(chunk.consents, batch_size=CHUNK_SIZE)
            bar.update(len(chunk.people))
    return RESIDENT_SIGN_INS - sign_ins_left


def give_sign_ins(people: list[Person], limit: int, password_hash: str) -> int:
    """Residents who sign in (as resident01, resident02, ...) to try the citizen's side as
    someone other than Alex Morgan. Returns how many were given one."""
    # Only adults have email addresses, and a sign-in needs one.
    adults = [person for person in people if person.email][:limit]
    already = RESIDENT_SIGN_INS - limit
    users = User.objects.bulk_create(
        User(
            username=f"resident{already + number:02d}",
            first_name=person.given_name,
            last_name=person.family_name,
            email=person.email,
            password=password_hash,
        )
        for number, person in enumerate(adults, start=1)
    )
    for person, user in zip(adults, users, strict=True):
        person.user_id = user.pk
    return len(users)


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 28 February stands in for a missing 29th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
