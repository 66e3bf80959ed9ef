"""`coproduce monitoring SUBCOMMAND ...`: the monitoring jobs.

    coproduce monitoring score FILE.json     score the check-ins in a file (- reads stdin)

Each subcommand is one entry in SUBCOMMANDS: its help line, the function that adds its
arguments, and the function that runs it. A subcommand refuses bad input by raising
BadInput: on the command line that is one line on stderr, starting with where the problem
is, and exit code 2.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.monitoring.score import ScoreInputError, score

# Bad input exits with 2, as argparse does for a bad command line.
BAD_INPUT = 2


class BadInput(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=BAD_INPUT)


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[CommandParser], None]
    run: Callable[[BaseCommand, dict], None]


def add_score_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the check-ins to score; - for stdin")


def run_score(command: BaseCommand, options: dict) -> None:
    if options["file"] == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise BadInput(f"{options['file']}: {error.strerror}") from None
    try:
        answer = score(data)
    except ScoreInputError as error:
        raise BadInput(str(error)) from None
    command.stdout.write(answer.decode())


SUBCOMMANDS = {
    "score": Subcommand(
        help="score the check-ins in a JSON file without storing them and print them as JSON",
        add_arguments=add_score_arguments,
        run=run_score,
    ),
}


class Command(BaseCommand):
    help = "Monitoring jobs: " + ", ".join(SUBCOMMANDS) + "."
    # Scoring is pure: it needs neither the database nor the other apps' checks.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, subcommand in SUBCOMMANDS.items():
            subcommand.add_arguments(subparsers.add_parser(name, help=subcommand.help))

    def handle(self, *args, **options) -> None:
        SUBCOMMANDS[options["subcommand"]].run(self, options)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except BadInput as error:
            if not self._called_from_command_line:
                raise  # call_command's caller reads the error itself
            # Django would put "CommandError: " first; a script reading stderr wants where.
            self.stderr.write(str(error))
            sys.exit(error.returncode)
