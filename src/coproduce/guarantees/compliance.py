"""Compliance statistics per provider × stage × month and per locality, kept incrementally.

The statistics are three tables of counts ("cells", models.CompletedCell, OpenCell and
ContactCell). A query reads cells, never pathways, so it takes as long with ten million
pathways as with ten thousand. The cells follow the stored clock (models.StageRecord):

- `apply_change` runs inside the transaction that rewrites a pathway's stage records
  (actions._refresh). It takes the pathway's contribution before (−1) and after (+1), nets the
  two, and applies the difference with one upsert per cell table
  (`INSERT ... ON CONFLICT ... DO UPDATE SET count = cell.count + excluded.count`). A cell that
  falls to zero is deleted. After the commit it publishes `guarantee.statistics_changed`.
- `rebuild_statistics` works every cell out again from the stage records and events (after a
  bulk load, or a change to a scheme's rules or an organisation's code); `statistics_drift`
  says what a rebuild would change, without changing it.

What one stage of one pathway contributes, for each of two dimensions (the provider, with its
service; the person's locality, if known, with service "")::

    completed (met or breached with an end; lapsed or nullified)
        CompletedCell(month = first day of the month it ended, outcome = its status,
                      days_waited = counted days, 0 for lapsed and nullified)
        +1 count; +1 patient_count and + its patient-chosen days if it had any; the same
        for medically caused waits
    open (started, not ended, running or breached)
        OpenCell(counts_from, paused_by) +1

`counts_from` is the day the wait counts from once closed excluded periods are taken off:
for a calendar-day limit, days waited on any later day D is D − counts_from (start plus
excluded days); for a working-day limit it is the working days after counts_from up to D
(counts_from is the excluded-days-th working day after the start). So an open cell needs no
update as time passes: a running wait crosses its limit in the statistics on the right day
without anybody re-evaluating it. A wait that is paused now (an excluded period is open:
patient-chosen, medical or examination) is kept by its start date and `paused_by`, and is
reported apart from the waiting-time bands, as the Swedish statistics do, because its clock
is stopped.

Reading:

- `provider_month_summary` / `locality_month_summary` (`summary` underneath): completed
  stages per unit and month, the share within the limit, exact median and 92nd percentile
  days waited (from the per-day histogram), lapsed and nullified, patient-chosen and medical
  waits apart.
- `still_waiting`: open waits per unit on a day, by weeks-waited band (`BANDS`), over the
  limit, and paused by kind.
- `same_day_contacts`: the 0 of 0-7-90-90, per practice and month.
- `median_waits_by_provider`: the current median wait per provider, for offering care
  elsewhere.

The queries return raw numbers. Small numbers are suppressed where figures are published
(the statistics page, open data) with `shown_count` and `shown_row`: counts from 1 to 4, and
any share, median or percentile worked out from fewer than 5 stages.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from coproduce import events
from coproduce.people.models import Locality, Organisation

from .clock import scheme_plan
from .models import (
    CompletedCell,
    ContactCell,
    Dimension,
    OpenCell,
    Pathway,
    PathwayEvent,
    Scheme,
    StageRecord,
)
from .queries import scheme_rules
from .rules import ExclusionKind, Status

CONTACT_EVENT = "contact"
CONTACT_ANSWERED_EVENT = "contact_answered"
SUPPRESS_BELOW = 5
PERCENTILE = 92
# A provider's "current" median wait: stages completed in this many calendar months, the
# month of the day asked about included.
CURRENT_MONTHS = 3

COMPLETED_OUTCOMES = (Status.MET, Status.BREACHED)
ENDED_WITHOUT_WAIT = (Status.LAPSED, Status.NULLIFIED)
OPEN_STATUSES = (Status.RUNNING, Status.BREACHED)

# Cell keys, in the column order of the tables' unique constraints.
COMPLETED_KEY = (
    "scheme",
    "stage",
    "dimension",
    "unit_code",
    "service",
    "month",
    "outcome",
    "days_waited",
)
COMPLETED_VALUES = ("count", "patient_count", "patient_days", "medical_count", "medical_days")
OPEN_KEY = ("scheme", "stage", "dimension", "unit_code", "service", "counts_from", "paused_by")
OPEN_VALUES = ("count",)
CONTACT_KEY = ("provider", "month")
CONTACT_VALUES = ("contacts", "answered_same_day")


# --- weeks-waited bands --------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    first_day: int  # days waited, inclusive
    last_day: int | None  # inclusive; None: no upper end


# Edges at 91 and 127 days, so that every band is wholly within or wholly over both a 90-day
# limit (Sweden) and an 18-week limit (126 days, England): bands up to "6 to 13 weeks" are
# within 90 days; "13 to 18 weeks" is over 90 days and within 18 weeks; the rest are over both.
# Weeks are counted in calendar days (also for working-day limits); `over_limit` counts each
# stage against its own limit, in its own unit.
BANDS = (
    Band("under_6_weeks", "Up to 6 weeks", 0, 41),
    Band("6_to_13_weeks", "6 to 13 weeks (up to 90 days)", 42, 90),
    Band("13_to_18_weeks", "13 to 18 weeks (91 to 126 days)", 91, 126),
    Band("18_to_26_weeks", "18 to 26 weeks", 127, 181),
    Band("26_to_52_weeks", "26 to 52 weeks", 182, 363),
    Band("52_weeks_or_more", "52 weeks or more", 364, None),
)


def band_index(days: int) -> int:
    for index, band in enumerate(BANDS):
        if band.last_day is None or days <= band.last_day:
            return index
    raise AssertionError("the last band has no upper end")


# --- what one stage contributes ------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def _stage_calendar(scheme_code: str, stage: str):
    """The stage's working-day calendar, or None when it counts calendar days."""
    rules = scheme_rules(scheme_code)
    if rules is None:
        return None
    for plan in scheme_plan(rules).stages:
        if plan.code == stage:
            return plan.calendar
    return None


def counts_from(start: date, days_excluded: int, calendar) -> date:
    """The day an open, unpaused wait counts from: days waited on a later day D is
    D − counts_from (calendar days) or the working days after counts_from up to D."""
    if not days_excluded:
        return start
    if calendar is None:
        return start + timedelta(days=days_excluded)
    return date.fromordinal(calendar.add(start.toordinal(), days_excluded))


def completed_key(scheme_id, stage, dimension, unit_code, service, status, end, days_waited):
    """The CompletedCell a stage falls in, or None if it has not ended."""
    if end is None:
        return None
    if status in COMPLETED_OUTCOMES:
        return (scheme_id, stage, dimension, unit_code, service, month_of(end), status, days_waited)
    if status in ENDED_WITHOUT_WAIT:
        return (scheme_id, stage, dimension, unit_code, service, month_of(end), status, 0)
    return None


def open_key(
    scheme_id, stage, dimension, unit_code, service, status, start, end, excluded, paused, calendar
):
    """The OpenCell a stage falls in, or None if it is not waiting."""
    if start is None or end is not None or status not in OPEN_STATUSES:
        return None
    since = start if paused else counts_from(start, excluded or 0, calendar)
    return (scheme_id, stage, dimension, unit_code, service, since, paused or "")


def contact_contribution(events: Iterable[tuple[str, date]]) -> tuple[date, bool] | None:
    """(month, answered the same day) of a pathway's first contact, from its standing events
    in clock order; None without a contact."""
    first = None
    answered_on = set()
    for type_, day in events:
        if type_ == CONTACT_EVENT and first is None:
            first = day
        elif type_ == CONTACT_ANSWERED_EVENT:
            answered_on.add(day)
    if first is None:
        return None
    return month_of(first), first in answered_on


class Cells:
    """Counts by cell key, for the three cell tables: a contribution, or a difference."""

    def __init__(self) -> None:
        self.completed: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.open: Counter[tuple] = Counter()
        self.contacts: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    def add_record(self, record: StageRecord, units, calendar, sign: int = 1) -> None:
        """Count one stage record, for each dimension it has a unit in."""
        for dimension, unit_code, service in units:
            key = completed_key(
                record.scheme_id,
                record.stage,
                dimension,
                unit_code,
                service,
                record.status,
                record.end,
                record.days_waited,
            )
            if key is not None:
                cell = self.completed[key]
                cell[0] += sign
                if record.patient_days and record.status not in ENDED_WITHOUT_WAIT:
                    cell[1] += sign
                    cell[2] += sign * record.patient_days
                if record.medical_days and record.status not in ENDED_WITHOUT_WAIT:
                    cell[3] += sign
                    cell[4] += sign * record.medical_days
                continue
            key = open_key(
                record.scheme_id,
                record.stage,
                dimension,
                unit_code,
                service,
                record.status,
                record.start,
                record.end,
                record.days_excluded,
                record.paused_by,
                calendar(record.scheme_id, record.stage),
            )
            if key is not None:
                self.open[key] += sign

    def add_contact(self, provider_id: int, contribution, sign: int = 1) -> None:
        if contribution is None:
            return
        month, answered = contribution
        cell = self.contacts[(provider_id, month)]
        cell[0] += sign
        cell[1] += sign * answered

    def nonzero(self) -> tuple[dict, dict, dict]:
        return (
            {key: tuple(v) for key, v in self.completed.items() if any(v)},
            {key: (v,) for key, v in self.open.items() if v},
            {key: tuple(v) for key, v in self.contacts.items() if any(v)},
        )


def _units(record: StageRecord, provider_codes: dict, locality_codes: dict):
    units = [(Dimension.PROVIDER.value, provider_codes[record.provider_id], record.service)]
    if record.locality_id is not None:
        units.append((Dimension.LOCALITY.value, locality_codes[record.locality_id], ""))
    return units


# --- the incremental write -----------------------------------------------------------------


def apply_change(
    old_records: list[StageRecord],
    new_records: list[StageRecord],
    events_before: list[PathwayEvent],
    events_after: list[PathwayEvent],
    pathway: Pathway,
) -> None:
    """Move the statistics cells from the pathway's old stage records (and standing events)
    to its new ones. Runs inside the caller's transaction; nothing is published unless it
    commits."""
    records = [*old_records, *new_records]
    if not records and not events_before and not events_after:
        return
    provider_codes = dict(
        Organisation.objects.filter(pk__in={r.provider_id for r in records}).values_list(
            "pk", "code"
        )
    )
    locality_ids = {r.locality_id for r in records if r.locality_id is not None}
    locality_codes = (
        dict(Locality.objects.filter(pk__in=locality_ids).values_list("pk", "code"))
        if locality_ids
        else {}
    )
    scheme_code = pathway.scheme.code

    def calendar(scheme_id, stage):
        return _stage_calendar(scheme_code, stage)

    change = Cells()
    for sign, stage_records in ((-1, old_records), (1, new_records)):
        for record in stage_records:
            change.add_record(
                record, _units(record, provider_codes, locality_codes), calendar, sign
            )
    change.add_contact(
        pathway.provider_id,
        contact_contribution((e.type, e.occurred_on) for e in events_before),
        -1,
    )
    change.add_contact(
        pathway.provider_id,
        contact_contribution((e.type, e.occurred_on) for e in events_after),
    )
    completed, open_, contacts = change.nonzero()
    if not (completed or open_ or contacts):
        return
    _upsert(CompletedCell, COMPLETED_KEY, COMPLETED_VALUES, completed)
    _upsert(OpenCell, OPEN_KEY, OPEN_VALUES, open_)
    _upsert(ContactCell, CONTACT_KEY, CONTACT_VALUES, contacts)
    events.publish(
        "guarantee.statistics_changed",
        changes=_changed_keys(scheme_code, completed, open_, contacts, provider_codes),
    )


def _changed_keys(scheme_code, completed, open_, contacts, provider_codes) -> list[dict]:
    """What changed, for subscribers (open data): which figures to publish again."""
    changed = set()
    for key in completed:
        _, stage, dimension, unit_code, service, month, _, _ = key
        changed.add(("completed", stage, dimension, unit_code, service, month.isoformat()))
    for key in open_:
        _, stage, dimension, unit_code, service, _, _ = key
        changed.add(("waiting", stage, dimension, unit_code, service, None))
    codes = dict(provider_codes)
    for provider_id, month in contacts:
        code = codes.get(provider_id, str(provider_id))
        changed.add(("contacts", "", Dimension.PROVIDER.value, code, "", month.isoformat()))
    names = ("figures", "stage", "dimension", "unit", "service", "month")
    return [
        {"scheme": scheme_code, **dict(zip(names, key, strict=True))}
        for key in sorted(
            changed, key=lambda key: tuple("" if part is None else part for part in key)
        )
    ]


UPSERT_BATCH = 500


def _upsert(model, key_fields, value_fields, changes: dict[tuple, tuple]) -> None:
    """Add each change to its cell, creating the cell if need be, in one statement per batch;
    then delete the cells that fell to zero. Rows go in key order, so that two transactions
    touching the same cells lock them in the same order (no deadlock)."""
    if not changes:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    keys = [quote(meta.get_field(name).column) for name in key_fields]
    values = [quote(meta.get_field(name).column) for name in value_fields]
    row = "(" + ", ".join(["%s"] * (len(keys) + len(values))) + ")"
    additions = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    ordered = sorted(changes.items(), key=lambda item: _sortable(item[0]))
    emptied = []
    with connection.cursor() as cursor:
        for first in range(0, len(ordered), UPSERT_BATCH):
            batch = ordered[first : first + UPSERT_BATCH]
            sql = (
                # Table and column names come from the model, quoted; values are parameters.
                f"INSERT INTO {table} ({', '.join(keys + values)}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(batch))} "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {additions} "
                f"RETURNING {quote(meta.pk.column)}, {values[0]}"
            )
            params = [part for key, change in batch for part in (*key, *change)]
            cursor.execute(sql, params)
            emptied += [pk for pk, first_value in cursor.fetchall() if first_value == 0]
    if emptied:
        # A cell is empty when its first count (stages, or contacts) is zero: the others count
        # some of those stages, so they are zero too.
        model.objects.filter(pk__in=emptied, **{value_fields[0]: 0}).delete()


def _sortable(key: tuple) -> tuple:
    return tuple("" if part is None else str(part) for part in key)


# --- rebuilding from the stored clock ------------------------------------------------------


def expected_cells() -> tuple[dict, dict, dict]:
    """Every cell, worked out again from the stage records and standing events."""
    cells = Cells()
    schemes = dict(Scheme.objects.values_list("pk", "code"))

    def calendar(scheme_id, stage):
        return _stage_calendar(schemes[scheme_id], stage)

    providers = dict(Organisation.objects.values_list("pk", "code"))
    localities = dict(Locality.objects.values_list("pk", "code"))
    ended = Q(status__in=COMPLETED_OUTCOMES + ENDED_WITHOUT_WAIT, end__isnull=False)
    waiting = Q(status__in=OPEN_STATUSES, start__isnull=False, end__isnull=True)
    for dimension, unit_field, codes in (
        (Dimension.PROVIDER.value, "provider_id", providers),
        (Dimension.LOCALITY.value, "locality_id", localities),
    ):
        service = "service" if dimension == Dimension.PROVIDER else None
        group = ["scheme_id", "stage", unit_field, *([service] if service else [])]
        base = StageRecord.objects.order_by()
        if dimension == Dimension.LOCALITY:
            base = base.filter(locality_id__isnull=False)
        counted = ~Q(status__in=ENDED_WITHOUT_WAIT)
        completed = (
            base.filter(ended)
            .values(*group, "status", "days_waited", ended_in=TruncMonth("end"))
            .annotate(
                n=Count("pk"),
                patients=Count("pk", filter=Q(patient_days__gt=0) & counted),
                patient_total=Sum("patient_days", filter=counted),
                medicals=Count("pk", filter=Q(medical_days__gt=0) & counted),
                medical_total=Sum("medical_days", filter=counted),
            )
        )
        for row in completed.iterator(chunk_size=10_000):
            key = completed_key(
                row["scheme_id"],
                row["stage"],
                dimension,
                codes[row[unit_field]],
                row[service] if service else "",
                row["status"],
                row["ended_in"],
                row["days_waited"],
            )
            cell = cells.completed[key]
            cell[0] += row["n"]
            cell[1] += row["patients"]
            cell[2] += row["patient_total"] or 0
            cell[3] += row["medicals"]
            cell[4] += row["medical_total"] or 0
        still_open = (
            base.filter(waiting)
            .values(*group, "status", "start", "days_excluded", "paused_by")
            .annotate(n=Count("pk"))
        )
        for row in still_open.iterator(chunk_size=10_000):
            key = open_key(
                row["scheme_id"],
                row["stage"],
                dimension,
                codes[row[unit_field]],
                row[service] if service else "",
                row["status"],
                row["start"],
                None,
                row["days_excluded"],
                row["paused_by"],
                calendar(row["scheme_id"], row["stage"]),
            )
            cells.open[key] += row["n"]
    for provider_id, contribution in _contacts_from_events():
        cells.add_contact(provider_id, contribution)
    return cells.nonzero()


def _contacts_from_events() -> Iterator[tuple[int, tuple[date, bool] | None]]:
    corrected = PathwayEvent.objects.filter(corrects=OuterRef("pk"))
    rows = (
        PathwayEvent.objects.filter(type__in=(CONTACT_EVENT, CONTACT_ANSWERED_EVENT))
        .filter(~Exists(corrected))
        .order_by("pathway_id", "occurred_on", "sequence")
        .values_list("pathway_id", "pathway__provider_id", "type", "occurred_on")
    )
    current, provider_id, facts = None, None, []
    for pathway_id, provider, type_, day in rows.iterator(chunk_size=10_000):
        if pathway_id != current:
            if current is not None:
                yield provider_id, contact_contribution(facts)
            current, provider_id, facts = pathway_id, provider, []
        facts.append((type_, day))
    if current is not None:
        yield provider_id, contact_contribution(facts)


def _stored_cells() -> tuple[dict, dict, dict]:
    def read(model, key_fields, value_fields):
        columns = [f"{name}_id" if name in ("scheme", "provider") else name for name in key_fields]
        return {
            tuple(row[: len(columns)]): tuple(row[len(columns) :])
            for row in model.objects.values_list(*columns, *value_fields).iterator(10_000)
        }

    return (
        read(CompletedCell, COMPLETED_KEY, COMPLETED_VALUES),
        read(OpenCell, OPEN_KEY, OPEN_VALUES),
        read(ContactCell, CONTACT_KEY, CONTACT_VALUES),
    )


def statistics_drift() -> dict[str, dict[tuple, tuple]]:
    """Cells whose stored counts differ from the stage records: {table: {key: (stored,
    expected)}}. Empty when the incremental statistics are exact."""
    drift = {}
    names = ("completed", "open", "contacts")
    for name, stored, expected in zip(names, _stored_cells(), expected_cells(), strict=True):
        differences = {
            key: (stored.get(key), expected.get(key))
            for key in stored.keys() | expected.keys()
            if stored.get(key) != expected.get(key)
        }
        if differences:
            drift[name] = differences
    return drift


REBUILD_BATCH = 5_000


def rebuild_statistics() -> dict[str, int]:
    """Work every statistics cell out again from the stored clock and the standing events, in
    one transaction (statistics readers see the old cells until it commits). Returns how many
    cells each table holds. While it runs, recording events waits (PostgreSQL: the cell tables
    are locked), so no change is lost or counted twice."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = ", ".join(
                connection.ops.quote_name(model._meta.db_table)
                for model in (CompletedCell, OpenCell, ContactCell)
            )
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for model in (CompletedCell, OpenCell, ContactCell):
            model.objects.all().delete()
        completed, open_, contacts = expected_cells()
        for model, key_fields, value_fields, cells in (
            (CompletedCell, COMPLETED_KEY, COMPLETED_VALUES, completed),
            (OpenCell, OPEN_KEY, OPEN_VALUES, open_),
            (ContactCell, CONTACT_KEY, CONTACT_VALUES, contacts),
        ):
            names = [f"{n}_id" if n in ("scheme", "provider") else n for n in key_fields]
            rows = (
                model(
                    **dict(zip(names, key, strict=True)), **dict(zip(value_fields, v, strict=True))
                )
                for key, v in cells.items()
            )
            _bulk_insert(model, rows)
    events.publish("guarantee.statistics_changed", changes=[{"figures": "all"}])
    return {"completed": len(completed), "open": len(open_), "contacts": len(contacts)}


def _bulk_insert(model, rows: Iterable) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == REBUILD_BATCH:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


# --- reading -------------------------------------------------------------------------------


def window_start(as_of: date, months: int) -> date:
    """The first day of the earliest of `months` calendar months ending with as_of's month."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def median(histogram: dict[int, int]) -> float | None:
    """The middle value (the mean of the two middle values for an even count)."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    lower = _nth(histogram, (total + 1) // 2)
    upper = _nth(histogram, total // 2 + 1)
    return (lower + upper) / 2


def percentile(histogram: dict[int, int], percent: int) -> int | None:
    """Nearest rank: the smallest value that at least `percent`% of values do not exceed."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    return _nth(histogram, max(1, math.ceil(total * percent / 100)))


def _nth(histogram: dict[int, int], rank: int) -> int:
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise ValueError("rank beyond the histogram")


@dataclass(frozen=True)
class CompletedFigures:
    """Stages of one unit that ended in a month (or in the whole window: month None)."""

    unit_code: str
    unit_name: str
    month: date | None
    met: int
    breached: int
    lapsed: int
    nullified: int
    median_days: float | None  # of met and breached stages
    percentile_92_days: int | None
    patient_count: int  # completed stages with a patient-chosen wait
    patient_days: int
    medical_count: int  # completed stages with a medically caused wait
    medical_days: int

    @property
    def completed(self) -> int:
        """Stages that ended with a wait measured against the limit: met or breached."""
        return self.met + self.breached

    @property
    def within_limit_percent(self) -> float | None:
        return 100 * self.met / self.completed if self.completed else None


def _scheme_ids(scheme: str) -> list[int]:
    """A scheme's id, or the ids of every scheme of a family."""
    ids = list(Scheme.objects.filter(code=scheme).values_list("pk", flat=True))
    return ids or list(Scheme.objects.filter(family=scheme).values_list("pk", flat=True))


def _unit_names(dimension: str, codes: Iterable[str]) -> dict[str, str]:
    model = Organisation if dimension == Dimension.PROVIDER else Locality
    return dict(model.objects.filter(code__in=set(codes)).values_list("code", "name"))


def summary(
    scheme_code: str,
    stage: str,
    *,
    dimension: str,
    as_of: date,
    months: int = 13,
    per_month: bool = True,
    service: str | None = None,
    unit_code: str | None = None,
) -> list[CompletedFigures]:
    """Completed stages per unit, in the `months` calendar months up to as_of's month: one row
    per unit and month (every month of the window, for every unit with any), or with
    `per_month=False` one row per unit for the whole window. Services are added together
    unless one is named. Ordered by unit name, then month. Raw counts: suppress to publish."""
    first = window_start(as_of, months)
    cells = CompletedCell.objects.filter(
        scheme_id__in=_scheme_ids(scheme_code),
        stage=stage,
        dimension=dimension,
        month__gte=first,
        month__lte=month_of(as_of),
    )
    if service is not None:
        cells = cells.filter(service=service)
    if unit_code is not None:
        cells = cells.filter(unit_code=unit_code)
    rows = (
        cells.order_by()
        .values_list("unit_code", "month", "outcome", "days_waited")
        .annotate(
            n=Sum("count"),
            pc=Sum("patient_count"),
            pd=Sum("patient_days"),
            mc=Sum("medical_count"),
            md=Sum("medical_days"),
        )
    )
    tallies: dict[tuple, dict] = {}
    for unit, month, outcome, days, n, pc, pd, mc, md in rows:
        tally = tallies.setdefault(
            (unit, month if per_month else None),
            {"histogram": Counter(), "outcomes": Counter(), "extra": [0, 0, 0, 0]},
        )
        tally["outcomes"][outcome] += n
        if outcome in COMPLETED_OUTCOMES:
            tally["histogram"][days] += n
        extra = tally["extra"]
        for index, value in enumerate((pc, pd, mc, md)):
            extra[index] += value
    units = {unit for unit, _ in tallies}
    names = _unit_names(dimension, units)
    periods = months_between(first, as_of) if per_month else [None]
    figures = []
    for unit in sorted(units, key=lambda code: (names.get(code, code).casefold(), code)):
        for period in periods:
            tally = tallies.get((unit, period))
            if tally is None:
                figures.append(
                    CompletedFigures(
                        unit, names.get(unit, unit), period, 0, 0, 0, 0, None, None, 0, 0, 0, 0
                    )
                )
                continue
            outcomes, histogram = tally["outcomes"], tally["histogram"]
            figures.append(
                CompletedFigures(
                    unit_code=unit,
                    unit_name=names.get(unit, unit),
                    month=period,
                    met=outcomes[Status.MET],
                    breached=outcomes[Status.BREACHED],
                    lapsed=outcomes[Status.LAPSED],
                    nullified=outcomes[Status.NULLIFIED],
                    median_days=median(histogram),
                    percentile_92_days=percentile(histogram, PERCENTILE),
                    patient_count=tally["extra"][0],
                    patient_days=tally["extra"][1],
                    medical_count=tally["extra"][2],
                    medical_days=tally["extra"][3],
                )
            )
    return figures


def provider_month_summary(
    scheme_code: str, stage: str, *, as_of: date, months: int = 13, **options
) -> list[CompletedFigures]:
    """Completed stages per provider and month (see `summary`)."""
    return summary(
        scheme_code, stage, dimension=Dimension.PROVIDER, as_of=as_of, months=months, **options
    )


def locality_month_summary(
    scheme_code: str, stage: str, *, as_of: date, months: int = 13, **options
) -> list[CompletedFigures]:
    """Completed stages per locality of residence and month (see `summary`)."""
    return summary(
        scheme_code, stage, dimension=Dimension.LOCALITY, as_of=as_of, months=months, **options
    )


@dataclass(frozen=True)
class WaitingFigures:
    """Open waits of one unit on a day."""

    unit_code: str
    unit_name: str
    bands: tuple[int, ...]  # waiting (not paused), by BANDS
    over_limit: int  # waiting (not paused) longer than the stage's limit
    paused: tuple[tuple[str, int], ...]  # (ExclusionKind value, count), every kind

    @property
    def waiting(self) -> int:
        return sum(self.bands)

    @property
    def paused_total(self) -> int:
        return sum(count for _, count in self.paused)

    def paused_by(self, kind: str) -> int:
        return dict(self.paused).get(kind, 0)


def still_waiting(
    scheme_code: str,
    stage: str,
    *,
    as_of: date,
    dimension: str = Dimension.PROVIDER,
    service: str | None = None,
    unit_code: str | None = None,
) -> list[WaitingFigures]:
    """Who is still waiting at each unit on `as_of` (today, or a day to come: the cells hold
    the waits open now), by weeks waited, over the limit, and paused by kind. Ordered by unit
    name. Raw counts: suppress to publish."""
    scheme_ids = _scheme_ids(scheme_code)
    cells = OpenCell.objects.filter(scheme_id__in=scheme_ids, stage=stage, dimension=dimension)
    if service is not None:
        cells = cells.filter(service=service)
    if unit_code is not None:
        cells = cells.filter(unit_code=unit_code)
    rows = (
        cells.order_by()
        .values_list("scheme__code", "unit_code", "counts_from", "paused_by")
        .annotate(n=Sum("count"))
    )
    kinds = [kind.value for kind in ExclusionKind]
    tallies: dict[str, dict] = {}
    limits: dict[str, tuple] = {}
    for code, unit, since, paused_by, n in rows:
        tally = tallies.setdefault(
            unit, {"bands": [0] * len(BANDS), "over": 0, "paused": dict.fromkeys(kinds, 0)}
        )
        if paused_by:
            tally["paused"][paused_by] = tally["paused"].get(paused_by, 0) + n
            continue
        if code not in limits:
            limits[code] = _stage_limit(code, stage)
        limit, calendar = limits[code]
        days = max(0, (as_of - since).days)
        tally["bands"][band_index(days)] += n
        waited = days if calendar is None else calendar.count(since.toordinal(), as_of.toordinal())
        if waited > limit:
            tally["over"] += n
    names = _unit_names(dimension, tallies)
    return [
        WaitingFigures(
            unit_code=unit,
            unit_name=names.get(unit, unit),
            bands=tuple(tally["bands"]),
            over_limit=tally["over"],
            paused=tuple(tally["paused"].items()),
        )
        for unit, tally in sorted(
            tallies.items(), key=lambda item: (names.get(item[0], item[0]).casefold(), item[0])
        )
    ]


def _stage_limit(scheme_code: str, stage: str) -> tuple[int, object]:
    """A stage's limit in counted days, and its working-day calendar (None: calendar days)."""
    rules = scheme_rules(scheme_code)
    for plan in scheme_plan(rules).stages:
        if plan.code == stage:
            return plan.limit, plan.calendar
    raise KeyError(stage)


@dataclass(frozen=True)
class ContactFigures:
    provider_code: str
    provider_name: str
    month: date | None  # None: the whole window
    contacts: int
    answered_same_day: int

    @property
    def same_day_percent(self) -> float | None:
        return 100 * self.answered_same_day / self.contacts if self.contacts else None


def same_day_contacts(
    *, as_of: date, months: int = 13, per_month: bool = True, provider_code: str | None = None
) -> list[ContactFigures]:
    """The 0 of 0-7-90-90: per practice, contacts (a wait's first `contact`) and how many were
    answered the same day, by month or (per_month=False) over the window. Ordered by practice
    name, then month; only practices with contacts in the window."""
    first = window_start(as_of, months)
    cells = ContactCell.objects.filter(month__gte=first, month__lte=month_of(as_of))
    if provider_code is not None:
        cells = cells.filter(provider__code=provider_code)
    rows = (
        cells.order_by()
        .values_list("provider__code", "provider__name", "month")
        .annotate(c=Sum("contacts"), a=Sum("answered_same_day"))
    )
    tallies: dict[tuple, list[int]] = {}
    names = {}
    for code, name, month, contacts, answered in rows:
        names[code] = name
        tally = tallies.setdefault((code, month if per_month else None), [0, 0])
        tally[0] += contacts
        tally[1] += answered
    periods = months_between(first, as_of) if per_month else [None]
    return [
        ContactFigures(code, names[code], period, *tallies.get((code, period), (0, 0)))
        for code in sorted(names, key=lambda code: (names[code].casefold(), code))
        for period in periods
    ]


def median_waits_by_provider(
    scheme_family_or_code: str,
    stage: str,
    service: str,
    as_of: date,
    *,
    months: int = CURRENT_MONTHS,
) -> dict[int, float]:
    """{provider id: current median days waited} for a service and stage, across the schemes
    of a family (or one scheme). "Current": met and breached stages that ended in the last
    `months` calendar months, as_of's month included. A provider with none of those but with
    open waits gets the median of its open, unpaused waits as of `as_of` (a lower bound of
    what its waits will be). Raw: nothing is suppressed."""
    scheme_ids = _scheme_ids(scheme_family_or_code)
    first = window_start(as_of, months)
    histograms: dict[str, Counter] = defaultdict(Counter)
    rows = (
        CompletedCell.objects.filter(
            scheme_id__in=scheme_ids,
            stage=stage,
            dimension=Dimension.PROVIDER,
            service=service,
            outcome__in=COMPLETED_OUTCOMES,
            month__gte=first,
            month__lte=month_of(as_of),
        )
        .order_by()
        .values_list("unit_code", "days_waited")
        .annotate(n=Sum("count"))
    )
    for unit, days, n in rows:
        histograms[unit][days] += n
    open_rows = (
        OpenCell.objects.filter(
            scheme_id__in=scheme_ids,
            stage=stage,
            dimension=Dimension.PROVIDER,
            service=service,
            paused_by="",
        )
        .order_by()
        .values_list("scheme__code", "unit_code", "counts_from")
        .annotate(n=Sum("count"))
    )
    waiting: dict[str, Counter] = defaultdict(Counter)
    limits: dict[str, tuple] = {}
    for code, unit, since, n in open_rows:
        if unit in histograms:
            continue
        if code not in limits:
            limits[code] = _stage_limit(code, stage)
        _, calendar = limits[code]
        days = (
            max(0, (as_of - since).days)
            if calendar is None
            else calendar.count(since.toordinal(), as_of.toordinal())
        )
        waiting[unit][days] += n
    medians = {unit: median(h) for unit, h in histograms.items() if sum(h.values()) > 0}
    medians |= {unit: median(h) for unit, h in waiting.items() if sum(h.values()) > 0}
    ids = dict(Organisation.objects.filter(code__in=medians).values_list("code", "pk"))
    return {ids[code]: value for code, value in medians.items() if code in ids}


# --- small numbers -------------------------------------------------------------------------


def is_suppressed(count: int | None) -> bool:
    """A count from 1 to SUPPRESS_BELOW − 1 is not published (0 is)."""
    return count is not None and 0 < count < SUPPRESS_BELOW


def shown_count(count: int) -> int | None:
    """The count as published: None when suppressed."""
    return None if is_suppressed(count) else count


def shown_row(parts: Sequence[int], total_shown: bool = True) -> list[int | None]:
    """Publish the parts of a total (e.g. waits by band): counts under 5 are suppressed, and
    if the total is published and only one part would be hidden, the next smallest non-zero
    part is hidden too, so that the hidden one cannot be worked out by subtraction."""
    hidden = {index for index, value in enumerate(parts) if is_suppressed(value)}
    if total_shown and len(hidden) == 1:
        others = [
            (value, index) for index, value in enumerate(parts) if index not in hidden and value > 0
        ]
        if others:
            hidden.add(min(others)[1])
    return [None if index in hidden else value for index, value in enumerate(parts)]
