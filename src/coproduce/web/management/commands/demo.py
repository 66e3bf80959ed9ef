"""`coproduce demo`: fill an empty database with Riverside, the demo region."""

import contextlib
import functools
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from tqdm import tqdm

from coproduce import registry
from coproduce.people.demo import DEMO_PASSWORD, FIXED_SIGN_INS
from coproduce.people.demo_context import DemoContext
from coproduce.people.demo_names import DemoNeedsFaker
from coproduce.people.models import Person, User

DEFAULT_PEOPLE = 5000
DEFAULT_SEED = 2026
# Three people are the fixed sign-ins' story (a citizen, a carer and the person cared for);
# the region needs a few more to have residents at all.
FEWEST_PEOPLE = 10


class Command(BaseCommand):
    help = (
        "Fill an empty database with Riverside, a made-up region: places, organisations, staff, "
        "people and their care, consents and messages, plus demo sign-ins (printed at the end, "
        f"all with the password {DEMO_PASSWORD}). The same --seed gives the same people (names, "
        "NHS numbers, addresses); dates count back from today, so ages stay right. "
        "Every module adds its own data through its registered demo generator. It only runs on "
        "a database with no people or sign-ins yet, and refuses otherwise: audit events can "
        "never be deleted, so there is no --reset. To start again, delete "
        "var/coproduce.sqlite3 (or use a fresh PostgreSQL database), run `coproduce migrate`, "
        "then `coproduce demo`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"how many people live in the region: {FEWEST_PEOPLE} or more (default "
            f"{DEFAULT_PEOPLE:,}); a million takes a few minutes on PostgreSQL",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"the random seed; the same seed gives the same people (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="when the database already has people or sign-ins, keep them, print the demo "
            "sign-ins that exist and finish successfully (so `make demo` can be run again)",
        )

    def handle(self, *args, people: int, seed: int, keep_existing: bool, **options) -> None:
        if people < FEWEST_PEOPLE:
            raise CommandError(
                f"The demo needs at least {FEWEST_PEOPLE} people: give --people "
                f"{FEWEST_PEOPLE} or more."
            )
        self.check_database_is_migrated()
        if Person.objects.exists() or User.objects.exists():
            if keep_existing:
                self.print_existing_sign_ins()
                return
            self.refuse_to_add_to_existing_data()
        now = timezone.now()
        context = DemoContext(
            seed=seed,
            people=people,
            now=now,
            today=timezone.localdate(now),
            stdout=self.stdout,
            # A bar only when someone is watching: tqdm stays quiet when stderr is not a terminal.
            progress=functools.partial(tqdm, file=sys.stderr, disable=None),
        )
        # The messages the demo sends (emails, texts and letters printed by the console
        # backends) go to a log file, so the console shows the summary and the sign-ins.
        messages_log = settings.VAR_DIR / "demo-messages.log"
        # One transaction: a failed run leaves the database empty, ready to try again.
        try:
            with (
                messages_log.open("w", encoding="utf-8") as log,
                contextlib.redirect_stdout(log),
                transaction.atomic(),
            ):
                for generator in registry.demo_generators():
                    generator.generate(context)
        except DemoNeedsFaker as missing:
            raise CommandError(str(missing)) from None
        self.stdout.write(f"The messages the demo sent are in {messages_log}.")
        self.print_sign_ins(context)

    def check_database_is_migrated(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `coproduce migrate` first.")

    def refuse_to_add_to_existing_data(self) -> None:
        if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
            start_again = f"delete {settings.DATABASES[DEFAULT_DB_ALIAS]['NAME']}"
        else:
            start_again = "point DATABASE_URL at a new, empty database"
        raise CommandError(
            "This database already has people or sign-ins in it, so the demo was not added. "
            f"To start again, {start_again}, run `coproduce migrate`, then `coproduce demo`."
        )

    def print_existing_sign_ins(self) -> None:
        users = User.objects.filter(username__in=FIXED_SIGN_INS).order_by("username")
        write = self.stdout.write
        write("This database already has data: it is kept as it is.")
        if not users:
            write("It has none of the demo sign-ins.")
            return
        write(self.style.SUCCESS(f"Demo sign-ins (password {DEMO_PASSWORD}):"))
        for user in users:
            write(f"  {user.username:<14}{user.get_full_name()}")
        write("")

    def print_sign_ins(self, context: DemoContext) -> None:
        width = max(len(username) for username in context.sign_ins)
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS(f"The demo is ready. Every sign-in's password is {DEMO_PASSWORD}"))
        write("")
        write(f"  {'Username':<{width}}  Who")
        write(f"  {'-' * width}  {'-' * 3}")
        for username, sign_in in context.sign_ins.items():
            write(f"  {username:<{width}}  {sign_in.description}")
        write("")
        write("Start the site with `coproduce serve`, then sign in at http://127.0.0.1:8000/.")
