"""What the commands that answer a file of JSON with JSON share (`coproduce NAME SUBCOMMAND
FILE.json`, where - reads stdin):

- a command made of subcommands (`CommandOfSubcommands`, each one a `Subcommand`);
- `answer_file`: the file read, answered and the answer written; a file that cannot be read
  or an `InputError` is a CommandError with exit code 2 and one line that says where;
- for the answering functions: the JSON read (`json_document`), a value shown as it was given
  (`shown`, `kind_of`), a date checked (`iso_date`), the answer written as one JSON object
  around a long list made a piece at a time (`json_object_with_list`), and the cycle collector
  kept out of the way of millions of new objects (`without_cycle_collection`).
"""

import gc
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Bad input exits with 2, as argparse does for a bad command line.
BAD_INPUT = 2


class InputError(ValueError):
    """The input cannot be used; the message says where and why, in one line."""


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[CommandParser], None]
    run: Callable[[BaseCommand, dict], None]


class CommandOfSubcommands(BaseCommand):
    """`coproduce NAME SUBCOMMAND ...`: each subcommand is one entry in `subcommands`, its
    help line, the function that adds its arguments and the function that runs it."""

    subcommands: dict[str, Subcommand] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, subcommand in self.subcommands.items():
            subcommand.add_arguments(subparsers.add_parser(name, help=subcommand.help))

    def handle(self, *args, **options) -> None:
        self.subcommands[options["subcommand"]].run(self, options)


def answer_file(command: BaseCommand, name: str, answer: Callable[[bytes], bytes]) -> None:
    """Write `answer` of the file named (- for stdin) to the command's output."""
    data = _read(name)
    try:
        answered = answer(data)
    except InputError as error:
        raise CommandError(str(error), returncode=BAD_INPUT) from None
    command.stdout.write(answered.decode())


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise CommandError(f"{name}: {error.strerror}", returncode=BAD_INPUT) from None


def json_document(data: bytes) -> object:
    """The JSON in `data`; InputError if it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InputError(f"input: not valid JSON ({' '.join(str(error).split())})") from None


def shown(value: object) -> str:
    """A value as it appeared in the input."""
    return orjson.dumps(value).decode()


def kind_of(value: object) -> str:
    """What a JSON value is, in words: an object, a list, a string, a number, null, true or
    false."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    for kind, name in ((dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "a number"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: object) -> date:
    """The date written YYYY-MM-DD; ValueError for anything else (a number, or 2026-02-30)."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def json_object_with_list(start: dict, key: str, items: Iterable[bytes]) -> bytes:
    """The JSON object `start` with `key` added last: the list of `items`, each already JSON
    (so a long answer is never held as objects all at once)."""
    opening = orjson.dumps(start)[:-1] + (b"," if start else b"")
    return b"".join((opening, orjson.dumps(key), b":[", b",".join(items), b"]}"))


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """A big file makes millions of objects and no reference cycles: the cycle collector
    would walk them all again and again as they are made, which doubles the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
