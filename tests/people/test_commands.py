from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from coproduce.people.models import ApiToken, Role
from tests.factories import CareRelationshipFactory, RoleFactory

pytestmark = pytest.mark.django_db


def test_an_organisation_admin_makes_a_token_that_works_once_printed():
    admin = RoleFactory(kind=Role.Kind.ORGANISATION_ADMIN)
    out = StringIO()
    call_command(
        "create_api_token",
        organisation=admin.organisation.code,
        name="PAS feed",
        created_by=admin.user.username,
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert ApiToken.objects.get().token_hash != raw
    care = CareRelationshipFactory(organisation=admin.organisation)
    response = Client().get(
        f"/api/people/{care.person.pk}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200


def test_staff_who_are_not_admins_are_refused_with_a_clear_line():
    clinician = RoleFactory(kind=Role.Kind.CLINICIAN)
    with pytest.raises(CommandError, match="Only an admin"):
        call_command(
            "create_api_token",
            organisation=clinician.organisation.code,
            name="x",
            created_by=clinician.user.username,
        )
    with pytest.raises(CommandError, match="no organisation"):
        call_command("create_api_token", organisation="NOPE", name="x", created_by="x")
    assert not ApiToken.objects.exists()
