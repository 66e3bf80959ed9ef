"""`coproduce guarantees SUBCOMMAND ...`: the waiting-time guarantee jobs.

    coproduce guarantees check FILE.json     evaluate the pathways in a file (- reads stdin)
    coproduce guarantees import FILE --provider CODE   import a provider's events (CSV, JSON)
    coproduce guarantees detect-breaches     make every right fire whose deadline has passed
    coproduce guarantees rebuild-statistics  recompute the statistics from the stored clocks

Each subcommand is one entry in `subcommands` (`file_commands.Subcommand`). Bad input to
`check` exits with code 2 after "CommandError: " and the one line that says where.
"""

from django.core.management.base import BaseCommand, CommandParser

from coproduce.file_commands import CommandOfSubcommands, Subcommand, answer_file
from coproduce.guarantees import actions, compliance
from coproduce.guarantees.check import check
from coproduce.guarantees.imports import add_import_arguments, run_import_command


def add_check_arguments(parser: CommandParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the pathways to check; - for stdin")
    parser.add_argument(
        "--pretty", action="store_true", help="lay the answer out for reading: a line per stage"
    )


def run_check(command: BaseCommand, options: dict) -> None:
    answer_file(command, options["file"], lambda data: check(data, pretty=options["pretty"]))


def no_arguments(parser: CommandParser) -> None:
    """This subcommand takes no arguments."""


def run_detect_breaches(command: BaseCommand, options: dict) -> None:
    count = actions.detect_breaches()
    command.stdout.write(f"Re-evaluated {count} waits past their deadline.")


def run_rebuild_statistics(command: BaseCommand, options: dict) -> None:
    cells = compliance.rebuild_statistics()
    written = ", ".join(f"{count} {name} cells" for name, count in cells.items())
    command.stdout.write(f"Rebuilt the statistics: {written}.")


class Command(CommandOfSubcommands):
    subcommands = {
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
    help = "Waiting-time guarantee jobs: " + ", ".join(subcommands) + "."
