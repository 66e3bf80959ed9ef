"""`coproduce monitoring SUBCOMMAND ...`: the monitoring jobs.

    coproduce monitoring score FILE.json     score the check-ins in a file (- reads stdin)

Each subcommand is one entry in `subcommands` (`file_commands.Subcommand`). Bad input is
refused with exit code 2 and, on the command line, one line on stderr that starts with where
the problem is.
"""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.file_commands import (
    BAD_INPUT,
    CommandOfSubcommands,
    Subcommand,
    answer_file,
)
from coproduce.monitoring.score import score


def add_score_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the check-ins to score; - for stdin")


def run_score(command: BaseCommand, options: dict) -> None:
    answer_file(command, options["file"], score)


class Command(CommandOfSubcommands):
    subcommands = {
        "score": Subcommand(
            help="score the check-ins in a JSON file without storing them and print them as JSON",
            add_arguments=add_score_arguments,
            run=run_score,
        ),
    }
    help = "Monitoring jobs: " + ", ".join(subcommands) + "."
    # Scoring is pure: it needs neither the database nor the other apps' checks.
    requires_system_checks = []

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if error.returncode != BAD_INPUT or not self._called_from_command_line:
                raise  # call_command's caller reads the error itself
            # Django would put "CommandError: " first; a script reading stderr wants where.
            self.stderr.write(str(error))
            sys.exit(error.returncode)
