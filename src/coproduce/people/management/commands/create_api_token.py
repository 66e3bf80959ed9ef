"""Make an API token for an organisation's machine client. The token is printed once."""

from django.core.management.base import BaseCommand, CommandError

from coproduce.errors import ActionError
from coproduce.people import actions
from coproduce.people.access import Actor
from coproduce.people.models import ApiToken, AuditEvent, Organisation, User


class Command(BaseCommand):
    help = "Create a bearer token that acts for one organisation (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's code")
        parser.add_argument("--name", required=True, help="the client, e.g. 'PAS feed'")
        parser.add_argument(
            "--created-by",
            required=True,
            help="username of an admin of that organisation (or a superuser)",
        )
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default="read")
        parser.add_argument("--days", type=int, default=365, help="how long it is valid")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with code {options['organisation']!r}.")
        user = User.objects.filter(username=options["created_by"]).first()
        if user is None:
            raise CommandError(f"There is no user called {options['created_by']!r}.")
        try:
            token, raw = actions.create_api_token(
                Actor(user=user, via=AuditEvent.Via.ADMIN),
                organisation_id=organisation.pk,
                name=options["name"],
                scope=options["scope"],
                valid_for_days=options["days"],
            )
        except ActionError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Token for {organisation.name} ({token.get_scope_display()}), "
            f"valid until {token.expires_at:%Y-%m-%d}. It is shown only now:\n{raw}"
        )
