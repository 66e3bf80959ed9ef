"""Time `coproduce demo --people N` on a fresh database.

    .venv/bin/python benchmarks/demo_people.py                          # 5,000 people, 3 runs
    .venv/bin/python benchmarks/demo_people.py --people 1000000 --runs 1
    .venv/bin/python benchmarks/demo_people.py --sqlite                 # the embedded default

Each run creates an empty database (PostgreSQL: the one named in --database-url, created and
dropped again; SQLite: a file in a temporary directory), migrates it without timing that, then
times the demo command as a user runs it, start-up included. Prints every run, the median and
the largest memory the demo process used.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coproduce_bench"


def coproduce(*args: str, environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "coproduce.cli", *args],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


class PostgresDatabase:
    """The benchmark database, made afresh for each run through the server's own database."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = parts.path.lstrip("/")
        self.url = url
        self.server_url = urlunsplit(parts._replace(path="/postgres"))

    def _run(self, statement: str) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(statement)

    def __enter__(self) -> dict[str, str]:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._run(f'CREATE DATABASE "{self.name}"')
        return {"DATABASE_URL": self.url}

    def __exit__(self, *exc) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class SqliteDatabase:
    def __enter__(self) -> dict[str, str]:
        self.directory = tempfile.TemporaryDirectory(prefix="coproduce_bench_")
        return {"COPRODUCE_VAR_DIR": self.directory.name}

    def __exit__(self, *exc) -> None:
        self.directory.cleanup()


def time_one_run(database, people: int, seed: int) -> float:
    with database as settings:
        environment = {**os.environ, **settings}
        if "DATABASE_URL" not in settings:
            environment.pop("DATABASE_URL", None)
        coproduce("migrate", "-v0", environment=environment)
        started = time.perf_counter()
        coproduce("demo", "--people", str(people), "--seed", str(seed), environment=environment)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--sqlite", action="store_true", help="use a fresh SQLite file instead")
    options = parser.parse_args()

    database = SqliteDatabase() if options.sqlite else PostgresDatabase(options.database_url)
    engine = "SQLite" if options.sqlite else "PostgreSQL"
    print(f"coproduce demo --people {options.people} --seed {options.seed} on {engine}")
    times = []
    for number in range(1, options.runs + 1):
        seconds = time_one_run(database, options.people, options.seed)
        times.append(seconds)
        print(f"  run {number}: {seconds:.1f} s", flush=True)
    # On Linux ru_maxrss is in kilobytes: the largest of the child processes (migrate, demo).
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"median {statistics.median(times):.1f} s over {len(times)} run(s); ", end="")
    print(
        f"largest process {peak_mb:.0f} MB; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
