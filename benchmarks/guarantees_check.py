"""Time `coproduce guarantees check` on a file of N pathways with 5 events each.

    .venv/bin/python benchmarks/guarantees_check.py                     # 1,000,000 pathways, 3 runs
    .venv/bin/python benchmarks/guarantees_check.py --pathways 10000 --runs 1

The check runs with PostgreSQL settings, on a database made afresh and migrated for the
benchmark (the check reads the scheme's rules from it) and dropped again afterwards. The
file of pathways under se-vardgaranti-2019 is made with a fixed seed, so every run and every
machine checks the same file: a realistic mix of waits met, breached and still running at
every stage, periods the patient chose, spent on examinations or medically caused (some still
open), missed visits and declined offers. Each run is timed as a user runs it, start-up,
reading and writing included, with the answer going to a file. Prints every run, the median,
the largest memory the check used and how many stages ended in each status.
"""

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import orjson
from demo_people import PostgresDatabase

SCHEME = "se-vardgaranti-2019"
AS_OF = date(2026, 11, 23)
EVENTS_PER_PATHWAY = 5
# The answer is compact JSON: read the statuses from its text, without loading it.
STAGE_STATUS = re.compile(rb'"stage":"(\w+)","status":"(\w+)"')
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coproduce_bench_check"


def pathway_events(draw: random.Random) -> list[tuple[str, date]]:
    """One person's first five events, some after AS_OF (the check ignores those)."""
    if draw.random() < 0.6:
        return from_primary_care(draw)
    return at_the_hospital(draw)


def from_primary_care(draw: random.Random) -> list[tuple[str, date]]:
    """Contact, assessment and referral, then the wait for a specialist, now and then with a
    pause, two missed visits or a declined offer."""
    day = AS_OF - timedelta(days=draw.randint(0, 400))
    events = [("contact", day)]
    day += timedelta(days=draw.choice((0, 1, 1, 2, 2, 3, 3, 4, 6)))
    events.append(("assessment", day))
    day += timedelta(days=draw.randint(0, 30))
    events.append(("referral", day))
    roll = draw.random()
    if roll < 0.15:
        pause = draw.choice(
            (("patient_wait_start", "patient_wait_end"), ("examination_start", "examination_end"))
        )
        day += timedelta(days=draw.randint(5, 60))
        events.append((pause[0], day))
        day += timedelta(days=draw.randint(7, 90))
        events.append((pause[1], day))
    elif roll < 0.20:
        day += timedelta(days=draw.randint(10, 60))
        events.append(("dna", day))
        day += timedelta(days=draw.randint(10, 40))
        events.append(("dna", day))
    elif roll < 0.23:
        day += timedelta(days=draw.randint(30, 120))
        events.append(("declined_alternative", day))
        day += timedelta(days=draw.randint(10, 60))
        events.append(("first_visit", day))
    else:
        day += timedelta(days=draw.randint(20, 130))
        events.append(("first_visit", day))
        day += timedelta(days=draw.randint(0, 30))
        events.append(("decision_to_treat", day))
    return events


def at_the_hospital(draw: random.Random) -> list[tuple[str, date]]:
    """Referral, first visit, decision to treat, then a medically caused wait now and then,
    or treatment after one missed visit, or treatment and a new contact with primary care."""
    day = AS_OF - timedelta(days=draw.randint(0, 500))
    events = [("referral", day)]
    day += timedelta(days=draw.randint(10, 120))
    events.append(("first_visit", day))
    day += timedelta(days=draw.randint(0, 20))
    events.append(("decision_to_treat", day))
    roll = draw.random()
    if roll < 0.1:
        day += timedelta(days=draw.randint(5, 40))
        events.append(("medical_wait_start", day))
        day += timedelta(days=draw.randint(10, 60))
        events.append(("medical_wait_end", day))
    elif roll < 0.35:
        day += timedelta(days=draw.randint(5, 40))
        events.append(("dna", day))
        day += timedelta(days=draw.randint(10, 120))
        events.append(("treatment", day))
    else:
        day += timedelta(days=draw.randint(20, 150))
        events.append(("treatment", day))
        day += timedelta(days=draw.randint(0, 200))
        events.append(("contact", day))
    return events


def write_check_file(path: Path, pathways: int, seed: int) -> None:
    """The check file, written a block of pathways at a time to keep memory flat."""
    draw = random.Random(seed)
    header = {"scheme": SCHEME, "as_of": AS_OF.isoformat()}
    with path.open("wb") as out:
        out.write(orjson.dumps(header)[:-1] + b',"pathways":[')
        for first in range(0, pathways, 10_000):
            block = [
                {
                    "id": f"p{number:07d}",
                    "events": [{"type": kind, "date": day} for kind, day in pathway_events(draw)],
                }
                for number in range(first, min(first + 10_000, pathways))
            ]
            if first:
                out.write(b",")
            out.write(orjson.dumps(block)[1:-1])
        out.write(b"]}")


def time_one_check(check_file: Path, answer_file: Path, environment: dict[str, str]) -> float:
    with answer_file.open("wb") as answer:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "coproduce.cli", "guarantees", "check", str(check_file)],
            env=environment,
            check=True,
            stdout=answer,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    options = parser.parse_args()

    with (
        PostgresDatabase(options.database_url) as database,
        tempfile.TemporaryDirectory(prefix="coproduce_bench_") as directory,
    ):
        environment = {**os.environ, **database}
        subprocess.run(
            [sys.executable, "-m", "coproduce.cli", "migrate", "-v0"], env=environment, check=True
        )
        check_file = Path(directory) / "pathways.json"
        answer_file = Path(directory) / "answer.json"
        write_check_file(check_file, options.pathways, options.seed)
        size_mb = check_file.stat().st_size / 1e6
        print(
            f"coproduce guarantees check: {options.pathways:,} pathways x {EVENTS_PER_PATHWAY} "
            f"events under {SCHEME} ({size_mb:.0f} MB), seed {options.seed}"
        )
        times = []
        for number in range(1, options.runs + 1):
            seconds = time_one_check(check_file, answer_file, environment)
            times.append(seconds)
            print(f"  run {number}: {seconds:.1f} s", flush=True)
        statuses = Counter(STAGE_STATUS.findall(answer_file.read_bytes()))
    # On Linux ru_maxrss is in kilobytes: the largest of the child processes (migrate, checks).
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"median {statistics.median(times):.1f} s over {len(times)} run(s); ", end="")
    print(
        f"largest process {peak_mb:.0f} MB; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    for (stage, status), count in sorted(statuses.items()):
        print(f"  {stage.decode():17} {status.decode():12} {count:>9,}")


if __name__ == "__main__":
    main()
