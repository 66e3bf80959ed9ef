"""The world `benchmarks/monitoring_check_ins.py` sends check-ins into, made in one go:

    python -m benchmarks.monitoring_world PEOPLE WORLD_FILE

A hospital with a heart-failure nurse and a GP, PEOPLE people in its care enrolled in the
heart-failure programme with a window open all day (the rows actions.enrol writes, written
in bulk), and the hospital's write token. WORLD_FILE gets the token, the people's ids and
the site's address (the base of its FHIR code systems) for the load
(benchmarks/monitoring_wrk.lua)."""

import json
import sys
from datetime import date, time, timedelta

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from coproduce.monitoring.models import CareTeamMember, Enrolment, Programme  # noqa: E402
from coproduce.people import actions as people_actions  # noqa: E402
from coproduce.people.access import Actor  # noqa: E402
from coproduce.people.models import (  # noqa: E402
    ApiToken,
    CareRelationship,
    Locality,
    Organisation,
    Person,
    RecordCategory,
    Role,
    User,
)

BATCH = 5000


def staff(organisation: Organisation, username: str, kind: str) -> User:
    user = User.objects.create_user(username=username, first_name=username.title())
    Role.objects.create(user=user, organisation=organisation, kind=kind)
    return user


@transaction.atomic
def make(people: int) -> dict:
    locality = Locality.objects.create(code="bench", name="Benchmark", kind=Locality.Kind.REGION)
    hospital = Organisation.objects.create(
        code="BENCH1", name="Benchmark Hospital", kind=Organisation.Kind.HOSPITAL, locality=locality
    )
    nurse = staff(hospital, "nurse", Role.Kind.CLINICIAN)
    doctor = staff(hospital, "doctor", Role.Kind.CLINICIAN)
    admin = staff(hospital, "admin", Role.Kind.ORGANISATION_ADMIN)
    _token, raw = people_actions.create_api_token(
        Actor(user=admin), organisation_id=hospital.pk, name="Gateway", scope=ApiToken.Scope.WRITE
    )
    programme = Programme.objects.get(key="heart-failure")
    starts_on = timezone.localdate() - timedelta(days=7)
    ids = []
    for first in range(0, people, BATCH):
        persons = Person.objects.bulk_create(
            Person(
                given_name=f"Patient{n}",
                family_name="Bench",
                date_of_birth=date(1940, 1, 1) + timedelta(days=n % 10000),
                email=f"patient{n}@bench.invalid",
                preferred_channel="email",
            )
            for n in range(first, min(first + BATCH, people))
        )
        CareRelationship.objects.bulk_create(
            CareRelationship(
                person=person,
                organisation=hospital,
                category=RecordCategory.HEALTH,
                reason="Monitored: Heart failure",
                starts_on=starts_on,
            )
            for person in persons
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                person=person,
                programme=programme,
                organisation=hospital,
                window_opens=time(0, 0),
                window_closes=time(23, 59, 59),
                starts_on=starts_on,
                enrolled_by_label="Nurse, Clinician, Benchmark Hospital",
            )
            for person in persons
        )
        CareTeamMember.objects.bulk_create(
            CareTeamMember(enrolment=enrolment, user=user, position=position, job_title=title)
            for enrolment in enrolments
            for position, (user, title) in enumerate(
                ((nurse, "Heart failure nurse"), (doctor, "GP")), start=1
            )
        )
        ids += [str(person.pk) for person in persons]
    return {"token": raw, "people": ids}


if __name__ == "__main__":
    count, world_file = int(sys.argv[1]), sys.argv[2]
    world = make(count)
    world["base"] = settings.COPRODUCE_SITE_URL
    with open(world_file, "w") as file:
        json.dump(world, file)
