"""Time the compliance statistics on PostgreSQL with N stored pathways.

    .venv/bin/python benchmarks/guarantees_statistics.py                       # 1,000,000
    .venv/bin/python benchmarks/guarantees_statistics.py --pathways 1000000 10000000
    .venv/bin/python benchmarks/guarantees_statistics.py --pathways 20000 --runs 3 --fresh
    ... --pathways 10000000 --load-only       # grow the data and build the cells, time no reads
    ... --pathways 10000000 --no-rebuild      # time the reads on data loaded before

For each N, in increasing order, the database (created if missing; emptied first with
--fresh) is grown to N pathways: people, pathways, their stored clocks (StageRecord rows, one
per pathway and stage: about 1.8 per pathway) and the Swedish pathways' contact events, all
loaded with COPY from a fixed seed. The mix is half England's 18 weeks, 40% Sweden's
0-3-90-90 (primary-care contacts and specialist waits), a tenth Norway's working-day limit,
over 40 providers, 30 localities (a tenth of people have none), 6 services and two years:
most waits met, some breached, lapsed or nullified, some still open, some paused.

Then it times:

1. `rebuild_statistics()` over all the stored clocks (once);
2. the statistics a page shows for a scheme and stage (median of --runs): completed per
   provider and month over 13 months, totals per provider and per locality, still waiting
   per provider and per locality, same-day contacts per practice; and the statistics page
   itself (the view, rendered), if it is there;
3. "new event to visible": a pathway opened through the actions has a treatment recorded
   (`actions.record_event`, which updates the cells in its transaction); another thread
   polls the provider's summary until the wait shows as completed. Median of --runs.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/statsbench"
PROVIDERS = 40
LOCALITIES = 30
SERVICES = ("Orthopaedics", "Cardiology", "Ophthalmology", "Dermatology", "ENT", "Urology")
PEOPLE_PER_PATHWAY = 0.1
LABEL = "benchmark"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--pathways", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="drop and create the database")
    parser.add_argument(
        "--load-only", action="store_true", help="grow the data and rebuild; time no reads"
    )
    parser.add_argument(
        "--no-rebuild", action="store_true", help="the cells are already built: skip the rebuild"
    )
    return parser.parse_args()


def prepare_database(url: str, fresh: bool) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# --- loading -------------------------------------------------------------------------------


class Loader:
    def __init__(self, url: str, seed: int) -> None:
        from coproduce.guarantees.clock import scheme_plan
        from coproduce.guarantees.models import Scheme
        from coproduce.guarantees.queries import scheme_rules

        self.url = url
        self.seed = seed
        self.today = date.today()
        self.schemes = dict(Scheme.objects.values_list("code", "pk"))
        self.norway = next(
            plan.calendar
            for plan in scheme_plan(scheme_rules("no-vurdering")).stages
            if plan.calendar is not None
        )
        self.providers, self.localities = self._places()

    def _places(self):
        from coproduce.people.models import Locality, Organisation

        region, _ = Locality.objects.get_or_create(
            code="BENCH-R", defaults={"name": "Benchmark region", "kind": "region"}
        )
        localities = []
        for n in range(LOCALITIES):
            locality, _ = Locality.objects.get_or_create(
                code=f"BENCH-L{n:02d}",
                defaults={"name": f"Benchmark place {n:02d}", "kind": "district", "parent": region},
            )
            localities.append(locality.pk)
        providers = []
        for n in range(PROVIDERS):
            provider, _ = Organisation.objects.get_or_create(
                code=f"BENCH-P{n:02d}",
                defaults={
                    "name": f"Benchmark provider {n:02d}",
                    "kind": "hospital",
                    "locality_id": localities[n % LOCALITIES],
                },
            )
            providers.append(provider.pk)
        return providers, localities

    def existing(self) -> int:
        from coproduce.guarantees.models import Pathway

        return Pathway.objects.filter(created_by_label=LABEL).count()

    def grow_to(self, target: int) -> int:
        import psycopg

        have = self.existing()
        if have >= target:
            return have
        draw = random.Random(self.seed * 1_000_003 + have)
        now = datetime.now(UTC)
        with psycopg.connect(self.url) as connection:
            for first in range(have, target, 250_000):
                count = min(250_000, target - first)
                people, pathways, records, events = self._batch(draw, count, now)
                for table, columns, rows in (
                    ("people_person", PERSON_COLUMNS, people),
                    ("guarantees_pathway", PATHWAY_COLUMNS, pathways),
                    ("guarantees_stagerecord", RECORD_COLUMNS, records),
                    ("guarantees_pathwayevent", EVENT_COLUMNS, events),
                ):
                    columns_sql = ", ".join(f'"{c}"' for c in columns)
                    copy_sql = f"COPY {table} ({columns_sql}) FROM STDIN"
                    with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                connection.commit()
                print(f"  loaded {first + count:,} pathways", file=sys.stderr, flush=True)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            connection.commit()
        return self.existing()

    def _batch(self, draw: random.Random, count: int, now):
        today = self.today.toordinal()
        people, pathways, records, events = [], [], [], []
        person = None
        locality = None
        for _ in range(count):
            if person is None or draw.random() < PEOPLE_PER_PATHWAY:
                person = str(uuid.UUID(int=draw.getrandbits(128), version=4))
                locality = None if draw.random() < 0.1 else draw.choice(self.localities)
                people.append(
                    (
                        person,
                        "Bench",
                        "Person",
                        date(1950, 1, 1),
                        "",
                        "",
                        "1 Test Street",
                        "",
                        "",
                        "BE1 1NC",
                        locality,
                        "letter",
                        now,
                        now,
                    )
                )
            pathway = str(uuid.UUID(int=draw.getrandbits(128), version=4))
            provider = draw.choice(self.providers)
            service = draw.choice(SERVICES)
            roll = draw.random()
            scheme = (
                "uk-nhs-rtt"
                if roll < 0.5
                else "se-vardgaranti-2019"
                if roll < 0.9
                else "no-vurdering"
            )
            pathways.append(
                (pathway, person, self.schemes[scheme], provider, service, "", now, LABEL)
            )
            for stage, position, row in self._stages(draw, scheme, today):
                status, start, end, waited, excluded, patient, medical, paused, limit = row
                records.append(
                    (
                        pathway,
                        stage,
                        position,
                        self.schemes[scheme],
                        provider,
                        locality,
                        service,
                        status,
                        _day(start),
                        _day(end),
                        _day(start + limit + excluded) if start is not None else None,
                        waited,
                        limit,
                        excluded,
                        patient,
                        medical,
                        paused,
                        None,
                        self.today,
                    )
                )
                if stage == "assessment" and start is not None:
                    events.append(
                        (pathway, 1, "contact", _day(start), "", now, LABEL, "import", "")
                    )
                    if draw.random() < 0.8:
                        events.append(
                            (
                                pathway,
                                2,
                                "contact_answered",
                                _day(start),
                                "",
                                now,
                                LABEL,
                                "import",
                                "",
                            )
                        )
        return people, pathways, records, events

    def _stages(self, draw: random.Random, scheme: str, today: int):
        if scheme == "uk-nhs-rtt":
            yield "rtt", 1, self._stage(draw, today, 126, nullify=True)
        elif scheme == "no-vurdering":
            yield "referral_assessment", 1, self._stage(draw, today, 10, calendar=self.norway)
        elif draw.random() < 0.5:
            yield "assessment", 1, self._stage(draw, today, 3, swedish=True)
            yield "specialist_visit", 2, NOT_STARTED(90)
            yield "treatment", 3, NOT_STARTED(90)
        else:
            yield "assessment", 1, NOT_STARTED(3)
            specialist = self._stage(draw, today, 90, swedish=True)
            yield "specialist_visit", 2, specialist
            if specialist[0] == "met" and draw.random() < 0.4:
                yield "treatment", 3, self._stage(draw, today, 90, swedish=True)
            else:
                yield "treatment", 3, NOT_STARTED(90)

    def _stage(self, draw, today, limit, *, swedish=False, nullify=False, calendar=None):
        start = today - draw.randrange(730)
        if nullify and draw.random() < 0.03:
            return (
                "nullified",
                start,
                min(today, start + draw.randint(1, 60)),
                None,
                0,
                0,
                0,
                "",
                limit,
            )
        if swedish and draw.random() < 0.02:
            return (
                "lapsed",
                start,
                min(today, start + draw.randint(1, 60)),
                None,
                0,
                0,
                0,
                "",
                limit,
            )
        roll = draw.random()
        if calendar is not None:
            span = draw.randint(0, 14) if roll < 0.85 else draw.randint(15, 40)
        elif roll < 0.8:
            span = draw.randint(0, limit)
        else:
            span = draw.randint(limit + 1, 3 * limit + 30)
        patient = medical = 0
        if swedish and limit > 3:
            if draw.random() < 0.1:
                patient = draw.randint(3, 40)
            if draw.random() < 0.05:
                medical = draw.randint(3, 20)
        excluded = patient + medical
        end = start + span + excluded
        count = calendar.count if calendar is not None else (lambda a, b: b - a)
        if end <= today:
            waited = count(start, end) - excluded
            return (
                "met" if waited <= limit else "breached",
                start,
                end,
                waited,
                excluded,
                patient,
                medical,
                "",
                limit,
            )
        paused = ""
        if swedish and draw.random() < 0.06:
            paused = draw.choice(("patient", "medical", "examination"))
        waited = max(0, count(start, today) - excluded)
        if waited == 0:
            excluded = patient = medical = 0
            waited = count(start, today)
        return (
            "breached" if waited > limit else "running",
            start,
            None,
            waited,
            excluded,
            patient,
            medical,
            paused,
            limit,
        )


def NOT_STARTED(limit):  # noqa: N802 - reads as a constant
    return ("not_started", None, None, None, 0, 0, 0, "", limit)


def _day(ordinal):
    return None if ordinal is None else date.fromordinal(ordinal)


PERSON_COLUMNS = (
    "id",
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "locality_id",
    "preferred_channel",
    "created_at",
    "updated_at",
)
PATHWAY_COLUMNS = (
    "id",
    "person_id",
    "scheme_id",
    "provider_id",
    "service",
    "external_id",
    "created_at",
    "created_by_label",
)
RECORD_COLUMNS = (
    "pathway_id",
    "stage",
    "position",
    "scheme_id",
    "provider_id",
    "locality_id",
    "service",
    "status",
    "start",
    "end",
    "deadline",
    "days_waited",
    "limit",
    "days_excluded",
    "patient_days",
    "medical_days",
    "paused_by",
    "at_risk_on",
    "evaluated_on",
)
EVENT_COLUMNS = (
    "pathway_id",
    "sequence",
    "type",
    "occurred_on",
    "note",
    "recorded_at",
    "recorded_by_label",
    "source",
    "source_key",
)


# --- timing --------------------------------------------------------------------------------


def timed(function, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def statistics_reads(scheme: str, stage: str, today: date) -> dict:
    """What the statistics page reads for a scheme and stage (all providers, all places)."""
    from coproduce.guarantees import compliance

    return {
        "per provider and month (13 months)": lambda: compliance.provider_month_summary(
            scheme, stage, as_of=today
        ),
        "per locality and month (13 months)": lambda: compliance.locality_month_summary(
            scheme, stage, as_of=today
        ),
        "still waiting per provider": lambda: compliance.still_waiting(scheme, stage, as_of=today),
        "still waiting per locality": lambda: compliance.still_waiting(
            scheme, stage, as_of=today, dimension="locality"
        ),
        "same-day contacts per practice and month": lambda: compliance.same_day_contacts(
            as_of=today
        ),
    }


def window_reads(scheme: str, stage: str, today: date) -> dict:
    """Totals over 13 months, whose medians come from the day histogram (not on the page)."""
    from coproduce.guarantees import compliance

    return {
        "13-month totals per provider, medians from the histogram": lambda: (
            compliance.provider_month_summary(scheme, stage, as_of=today, per_month=False)
        ),
        "current median per provider (3 months, one service)": lambda: (
            compliance.median_waits_by_provider(scheme, stage, "Orthopaedics", today)
        ),
    }


def page_render(scheme: str, stage: str):
    """The statistics page as a browser gets it (the whole request, rendered)."""
    from django.test import Client

    client = Client()

    def render():
        response = client.get("/waits/statistics/", {"scheme": scheme, "stage": stage})
        assert response.status_code == 200, response.status_code

    return render


def new_event_latency(runs: int) -> tuple[float, list[float], float]:
    """Seconds from calling record_event until another connection's summary shows it."""
    from django.db import connection

    from coproduce.guarantees import actions, compliance
    from coproduce.people.access import Actor
    from coproduce.people.models import CareRelationship, Organisation, Person, Role, User

    provider = Organisation.objects.get(code="BENCH-P00")
    user, _ = User.objects.get_or_create(username="bench-clinician")
    Role.objects.get_or_create(
        user=user, organisation=provider, kind="clinician", defaults={"starts_on": date(2020, 1, 1)}
    )
    actor = Actor(user=user)
    today = date.today()

    def completed() -> int:
        rows = compliance.provider_month_summary(
            "uk-nhs-rtt", "rtt", as_of=today, per_month=False, unit_code=provider.code
        )
        return rows[0].completed if rows else 0

    latencies, writes = [], []
    for _ in range(runs):
        person = Person.objects.create(
            given_name="Latency",
            family_name="Test",
            date_of_birth=date(1960, 1, 1),
            address_line_1="1 Test Street",
            postcode="BE1 1NC",
        )
        CareRelationship.objects.create(
            person=person,
            organisation=provider,
            category="health",
            reason="benchmark",
            starts_on=date(2020, 1, 1),
        )
        pathway = actions.open_pathway(
            actor,
            person_id=person.pk,
            scheme_code="uk-nhs-rtt",
            provider_id=provider.pk,
            service="Orthopaedics",
        )
        actions.record_event(
            actor, pathway_id=pathway.pk, type="referral", occurred_on=today - timedelta(days=50)
        )
        baseline = completed()
        seen = threading.Event()
        seen_at = []

        def poll(baseline=baseline, seen=seen, seen_at=seen_at):
            try:
                while not seen.is_set():
                    if completed() > baseline:
                        seen_at.append(time.perf_counter())
                        seen.set()
            finally:
                connection.close()

        poller = threading.Thread(target=poll)
        poller.start()
        started = time.perf_counter()
        actions.record_event(actor, pathway_id=pathway.pk, type="treatment", occurred_on=today)
        written = time.perf_counter()
        seen.wait(timeout=30)
        seen.set()
        poller.join()
        latencies.append(seen_at[0] - started if seen_at else float("inf"))
        writes.append(written - started)
    return statistics.median(latencies), latencies, statistics.median(writes)


def main() -> None:
    arguments = parse_arguments()
    os.environ["DATABASE_URL"] = arguments.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    prepare_database(arguments.database_url, arguments.fresh)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coproduce.guarantees import compliance
    from coproduce.guarantees.models import CompletedCell, ContactCell, OpenCell, StageRecord

    call_command("migrate", verbosity=0)
    loader = Loader(arguments.database_url, arguments.seed)
    today = date.today()
    print(f"date {today}, PostgreSQL {connection.pg_version}, runs {arguments.runs}")
    for target in sorted(arguments.pathways):
        started = time.perf_counter()
        have = loader.grow_to(target)
        load_seconds = time.perf_counter() - started
        records = StageRecord.objects.count()
        print(f"\n## {have:,} pathways, {records:,} stage records")
        print(f"load (grow to N) {load_seconds:.1f} s")
        if not arguments.no_rebuild:
            started = time.perf_counter()
            compliance.rebuild_statistics()
            print(f"rebuild_statistics {time.perf_counter() - started:.1f} s")
        print(
            f"cells: completed {CompletedCell.objects.count():,}, "
            f"open {OpenCell.objects.count():,}, contacts {ContactCell.objects.count():,}"
        )
        if arguments.load_only:
            continue
        for scheme, stage in (("uk-nhs-rtt", "rtt"), ("se-vardgaranti-2019", "specialist_visit")):
            reads = statistics_reads(scheme, stage, today)

            def read_all(reads=reads):
                for read in reads.values():
                    read()

            read_all()  # warm: the first query after loading pays for reading from disk
            median, runs = timed(read_all, arguments.runs)
            shown = ", ".join(f"{t:.3f}" for t in runs)
            print(f"statistics for {scheme} {stage}, all reads: median {median:.3f} s ({shown})")
            for name, read in {**reads, **window_reads(scheme, stage, today)}.items():
                median, _ = timed(read, arguments.runs)
                print(f"  {name}: {median:.3f} s")
            render = page_render(scheme, stage)
            render()
            median, runs = timed(render, arguments.runs)
            shown = ", ".join(f"{t:.3f}" for t in runs)
            print(f"statistics page for {scheme} {stage}: median {median:.3f} s ({shown})")
        median, runs, write = new_event_latency(arguments.runs)
        shown = ", ".join(f"{t:.3f}" for t in runs)
        print(f"new event visible: median {median:.3f} s ({shown}); record_event {write:.3f} s")


if __name__ == "__main__":
    main()
