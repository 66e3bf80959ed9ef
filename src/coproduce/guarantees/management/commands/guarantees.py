"""`coproduce guarantees SUBCOMMAND ...`: the waiting-time guarantee jobs.

    coproduce guarantees check FILE.json     evaluate the pathways in a file (- reads stdin)
    coproduce guarantees import FILE --provider CODE   import a provider's events (CSV, JSON)
    coproduce guarantees detect-breaches     make every right fire whose deadline has passed
    coproduce guarantees rebuild-statistics  recompute the statistics from the stored clocks

Each subcommand is one entry in SUBCOMMANDS: its help line, the function that adds its
arguments, and the function that runs it.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.guarantees import actions, compliance
from coproduce.guarantees.check import CheckInputError, check
from coproduce.guarantees.imports import add_import_arguments, run_import_command

# Bad input exits with 2, as argparse does for a bad command line.
BAD_INPUT = 2


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[CommandParser], None]
    run: Callable[[BaseCommand, dict], None]


def add_check_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the pathways to check; - for stdin")
    parser.add_argument(
        "--pretty", action="store_true", help="lay the answer out for reading: a line per stage"
    )


def run_check(command: BaseCommand, options: dict) -> None:
    if options["file"] == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(
                f"{options['file']}: {error.strerror}", returncode=BAD_INPUT
            ) from None
    try:
        answer = check(data, pretty=options["pretty"])
    except CheckInputError as error:
        raise CommandError(str(error), returncode=BAD_INPUT) from None
    command.stdout.write(answer.decode())


def no_arguments(parser: CommandParser) -> None:
    """This subcommand takes no arguments."""


def run_detect_breaches(command: BaseCommand, options: dict) -> None:
    count = actions.detect_breaches()
    command.stdout.write(f"Re-evaluated {count} waits past their deadline.")


def run_rebuild_statistics(command: BaseCommand, options: dict) -> None:
    cells = compliance.rebuild_statistics()
    written = ", ".join(f"{count} {name} cells" for name, count in cells.items())
    command.stdout.write(f"Rebuilt the statistics: {written}.")


SUBCOMMANDS = {
    "check": Subcommand(
        help="evaluate the pathways in a JSON file and print every stage's clock as JSON",
        add_arguments=add_check_arguments,
        run=run_check,
    ),
    "import": Subcommand(
        help="import a provider's waiting-list events from a CSV or JSON file",
        add_arguments=add_import_arguments,
        run=run_import_command,
    ),
    "detect-breaches": Subcommand(
        help="re-evaluate waits past their deadline, so their rights fire (what beat runs)",
        add_arguments=no_arguments,
        run=run_detect_breaches,
    ),
    "rebuild-statistics": Subcommand(
        help="recompute the compliance statistics (after a bulk load or a scheme change)",
        add_arguments=no_arguments,
        run=run_rebuild_statistics,
    ),
}


class Command(BaseCommand):
    help = "Waiting-time guarantee jobs: " + ", ".join(SUBCOMMANDS) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, subcommand in SUBCOMMANDS.items():
            subcommand.add_arguments(subparsers.add_parser(name, help=subcommand.help))

    def handle(self, *args, **options) -> None:
        SUBCOMMANDS[options["subcommand"]].run(self, options)
