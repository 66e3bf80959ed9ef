"""Model factories. Text fields carry hostile defaults (markup, right-to-left marks, long
strings) so every page test is also an escaping test."""

import datetime as dt

import factory
from django.utils import timezone

from coproduce.people import models

HOSTILE = "<script>alert('x')</script>\u202e"
# What a person can type and have accepted: markup, but no hidden control characters, which
# every input refuses (coproduce.text). Stored text may still hold them (HOSTILE).
HOSTILE_TYPED = "<script>alert('x')</script>"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Sam{n} {HOSTILE}")
    last_name = "O'Brien-Ångström"
    password = factory.django.Password("correct horse battery staple")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Locality

    code = factory.Sequence(lambda n: f"E0{n:07d}")
    name = factory.Sequence(lambda n: f"Region {n} {HOSTILE}")
    kind = models.Locality.Kind.REGION
    parent = None


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    code = factory.Sequence(lambda n: f"ORG{n:05d}")
    name = factory.Sequence(lambda n: f"Organisation {n} {HOSTILE}")
    kind = models.Organisation.Kind.GP_PRACTICE
    locality = factory.SubFactory(LocalityFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Role

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    kind = models.Role.Kind.CLINICIAN
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    given_name = factory.Sequence(lambda n: f"Ada{n} {HOSTILE}")
    family_name = "Ní Bhriain " + "x" * 60
    date_of_birth = dt.date(1950, 2, 28)
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    phone = "07700 900123"
    address_line_1 = f"1 High Street {HOSTILE}"
    town = "Riverside"
    postcode = "RV1 2AB"
    preferred_channel = models.Channel.EMAIL


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Consent

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    category = models.RecordCategory.HEALTH
    purpose = f"Joint care planning {HOSTILE}"
    granted_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))


class CareRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CareRelationship

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    category = models.RecordCategory.HEALTH
    reason = f"Registered patient {HOSTILE}"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Relationship

    person = factory.SubFactory(PersonFactory)
    proxy = factory.SubFactory(PersonFactory)
    kind = models.Relationship.Kind.CARER
    scope = models.Relationship.Scope.MANAGE
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
