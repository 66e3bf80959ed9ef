"""Check-ins over HTTP on PostgreSQL: gunicorn serving the site, wrk (a second process, in C,
so that the load takes little of the two cores; `apt-get install wrk`) sending the load
(benchmarks/monitoring_wrk.lua).

    .venv/bin/python benchmarks/monitoring_check_ins.py                  # all, 3 runs each
    .venv/bin/python benchmarks/monitoring_check_ins.py --scenarios single --runs 5
    .venv/bin/python benchmarks/monitoring_check_ins.py --reuse           # the world as made

Makes a fresh database (--database-url), migrates it, enrols --people people of one
hospital in the heart-failure programme with a window open all day, and makes the
hospital's write token (a device gateway). Then, for each scenario, starts gunicorn
(--workers) with benchmarks/monitoring_settings.py, and each run (after one warm-up run)
empties the check-ins, alerts and audit trail and sends load for --duration seconds:

- `bare`: the floor, POST /bench/row inserting one row (benchmarks/monitoring_urls.py), as
  fast as answered on --connections connections;
- `single`: one check-in per request (QuestionnaireResponse, Idempotency-Key), as fast as
  answered on --connections connections: its rate over the bare one's is the ratio;
- `sustained`: single check-ins paced to --rate a second in all, for the p99 at that rate;
- `bundle`: batch Bundles of --bundle-size check-ins on --bundle-connections connections.

Prints each run and the medians (requests and check-ins a second, p50/p99 latency, failures,
the load average) as JSON lines, and the summary table for benchmarks/RESULTS.md.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_monitoring"
PORT = 8743
# What each run starts without: what the runs before it stored.
EMPTIED = (
    "monitoring_alertstep",
    "monitoring_alert",
    "monitoring_checkin",
    "people_auditevent",
    "outbox_outboxdelivery",
    "outbox_outboxevent",
    "messaging_staffmessage",
    "bench_row",
)
# As in production with more than one process: the rate limits' counts and the outbox's
# queue in Redis (a database of its own, emptied before each run; nothing consumes the
# queue while the load runs, as a busy worker would fall behind).
REDIS_URL = "redis://127.0.0.1:6379/13"


def environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "benchmarks.monitoring_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        # The gateway's token sends far more than a person's app would.
        "COPRODUCE_RATE_LIMIT_API_TOKEN": "100000000/minute",
    }


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def make_world(database_url: str, people: int, world_file: Path) -> None:
    """Migrate, enrol the people, make the token: in a child process with Django set up."""
    env = environment(database_url)
    subprocess.run(
        [sys.executable, "-m", "coproduce.cli", "migrate", "-v", "0"], env=env, check=True
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.monitoring_world",
            str(people),
            str(world_file),
            str(PORT),
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, "
            "at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)"
        )


def empty_tables(database_url: str) -> None:
    """Wait for the server to finish what the last run left queued, then empty what it
    stored (and the Redis database)."""
    # Requests still queued in the listen backlog when the load stopped are served after it,
    # and may not have opened a transaction yet: let them all in before waiting on them.
    time.sleep(3)
    with psycopg.connect(database_url, autocommit=True) as connection:
        deadline = time.monotonic() + 120
        while (
            time.monotonic() < deadline
            and connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state <> 'idle' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        ):
            time.sleep(0.5)
        existing = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        tables = ", ".join(table for table in EMPTIED if table in existing)
        connection.execute(f"TRUNCATE {tables} CASCADE")
        connection.execute("VACUUM ANALYZE")
    subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    def __init__(self, database_url: str, workers: int) -> None:
        self.database_url = database_url
        self.workers = workers

    def __enter__(self) -> "Gunicorn":
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                # The load would go to whatever answers there, not to this code.
                raise RuntimeError(f"Something is already listening on port {PORT}: stop it.")
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "coproduce.wsgi",
            f"--workers={self.workers}",
            f"--bind=127.0.0.1:{PORT}",
            "--backlog=2048",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(command, env=environment(self.database_url), cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.database_url).close()
                subprocess.run(
                    ["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{PORT}/api/openapi.json"],
                    check=True,
                )
                return self
            except subprocess.CalledProcessError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def people_file(world: dict, folder: Path) -> Path:
    path = folder / "people.txt"
    path.write_text("\n".join(world["people"]) + "\n")
    return path


def wrk(
    scenario: str,
    *,
    connections: int,
    duration: int,
    world: dict,
    rate: float,
    bundle_size: int,
) -> dict:
    """One run of wrk (its threads share the connections), as its script's JSON line."""
    threads = min(2, connections)
    # A steady rate: each connection waits this long between its requests.
    delay_ms = connections / rate * 1000 if rate else 0
    with tempfile.TemporaryDirectory() as folder:
        load_before = os.getloadavg()[0]
        output = subprocess.run(
            [
                "wrk",
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={duration}s",
                "--timeout=30s",
                "--script",
                str(ROOT / "benchmarks" / "monitoring_wrk.lua"),
                f"http://127.0.0.1:{PORT}",
                "--",
                scenario,
                str(people_file(world, Path(folder))),
                world["token"],
                world["base"],
                str(bundle_size),
                f"{delay_ms:.3f}",
                str(threads),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        load_after = os.getloadavg()[0]
    figures = json.loads(output.strip().splitlines()[-1])
    per_request = bundle_size if scenario == "bundle" else 1
    requests_per_s = figures["requests"] / figures["seconds"]
    return {
        "scenario": scenario,
        "requests": figures["requests"],
        "failures": figures["refused"] + figures["socket_errors"],
        "requests_per_s": round(requests_per_s, 1),
        "check_ins_per_s": round(requests_per_s * per_request, 1),
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "load": [round(load_before, 2), round(load_after, 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database as made")
    parser.add_argument("--make-only", action="store_true", help="make the world, send nothing")
    parser.add_argument(
        "--scenarios", default="bare,single,sustained,bundle", help="comma-separated"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections, each as fast as answered"
    )
    parser.add_argument("--rate", type=float, default=500, help="sustained: requests a second")
    parser.add_argument("--bundle-size", type=int, default=1000)
    parser.add_argument("--bundle-connections", type=int, default=4)
    arguments = parser.parse_args()

    world_file = ROOT / "var" / "bench_monitoring_world.json"
    world_file.parent.mkdir(exist_ok=True)
    if not arguments.reuse:
        fresh_database(arguments.database_url)
        make_world(arguments.database_url, arguments.people, world_file)
    if arguments.make_only:
        return

    medians = []
    with Gunicorn(arguments.database_url, arguments.workers):
        for scenario in arguments.scenarios.split(","):
            runs = []
            for run in range(arguments.runs + 1):
                empty_tables(arguments.database_url)
                time.sleep(2)
                result = wrk(
                    "single" if scenario == "sustained" else scenario,
                    connections=(
                        arguments.bundle_connections
                        if scenario == "bundle"
                        else arguments.connections
                    ),
                    duration=arguments.duration,
                    world=json.loads(world_file.read_text()),
                    rate=arguments.rate if scenario == "sustained" else 0,
                    bundle_size=arguments.bundle_size,
                )
                result["scenario"] = scenario
                print(json.dumps({"run": run or "warm-up", **result}), flush=True)
                if run:
                    runs.append(result)
            median = {
                "scenario": scenario,
                "runs": len(runs),
                **{
                    key: statistics.median(r[key] for r in runs)
                    for key in ("requests_per_s", "check_ins_per_s", "p50_ms", "p99_ms")
                },
                "failures": sum(r["failures"] for r in runs),
                "load": [min(r["load"][0] for r in runs), max(r["load"][1] for r in runs)],
            }
            print(json.dumps({"median": median}), flush=True)
            medians.append(median)
    print_table(medians)


def print_table(medians: list[dict]) -> None:
    by_scenario = {median["scenario"]: median for median in medians}
    print("\n| scenario | requests/s | check-ins/s | p50 | p99 | failures | load |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for median in medians:
        print(
            f"| {median['scenario']} | {median['requests_per_s']:,.0f} | "
            f"{median['check_ins_per_s']:,.0f} | {median['p50_ms']:.0f} ms | "
            f"{median['p99_ms']:.0f} ms | {median['failures']} | "
            f"{median['load'][0]}–{median['load'][1]} |"
        )
    if "bare" in by_scenario and "single" in by_scenario:
        ratio = by_scenario["single"]["requests_per_s"] / by_scenario["bare"]["requests_per_s"]
        print(f"\nsingle check-ins / bare one-row inserts: {ratio:.2f}")


if __name__ == "__main__":
    main()
