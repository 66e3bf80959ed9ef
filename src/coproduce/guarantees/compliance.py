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

What one stage of one pathway contributes, in each unit it belongs to (its provider with its
service, its provider with service "" for all services together, and the person's locality
with service "", if the locality is known)::

    completed (met or breached with an end; lapsed or nullified)
        CompletedCell(month = first day of the month it ended, outcome = its status,
                      days_waited = counted days, 0 for lapsed and nullified)
        +1 count; +1 patient_count and + its patient-chosen days if it had any; the same
        for medically caused waits. The same again in the month's total row for its outcome
        (days_waited −1) and, if met or breached, in the month's "completed" row, whose
        median and 92nd percentile are then worked out again from the day histogram.
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
  days waited, lapsed and nullified, patient-chosen and medical waits apart. Per month it
  reads only the total rows (a few per unit and month, at any number of pathways).
- `still_waiting`: open waits per unit on a day, by weeks-waited band (`BANDS`), over the
  limit, and paused by kind.
- `same_day_contacts`: the 0 of 0-7-90-90, per practice and month.
- `median_waits_by_provider`: the current median wait per provider, for offering care
  elsewhere.

The queries return raw numbers. A publication (the statistics pages, open data) applies its
rule for small numbers with coproduce.disclosure.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
PERCENTILE = 92
# A provider's "current" median wait: stages completed in this many calendar months, the
# month of the day asked about included.
CURRENT_MONTHS = 3

COMPLETED_OUTCOMES = (Status.MET, Status.BREACHED)
ENDED_WITHOUT_WAIT = (Status.LAPSED, Status.NULLIFIED)
OPEN_STATUSES = (Status.RUNNING, Status.BREACHED)
ALL_SERVICES = ""  # a provider's cells for every service together; localities have only these
ALL_DAYS = -1  # a month's total row for an outcome (days_waited)
MEASURED = "completed"  # the outcome of a month's row for met and breached together

# Cell keys, in the column order of the tables' unique constraints.
COMPLETED_KEY = (
    "scheme",
    "stage",
    "dimension",
    "service",
    "month",
    "unit_code",
    "outcome",
    "days_waited",
)
COMPLETED_VALUES = ("count", "patient_count", "patient_days", "medical_count", "medical_days")
COMPLETED_DERIVED = ("median_days", "percentile_92_days")
OPEN_KEY = ("scheme", "stage", "dimension", "service", "unit_code", "counts_from", "paused_by")
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
    if isinstance(day, datetime):
        day = day.date()
    elif isinstance(day, str):
        day = date.fromisoformat(day[:10])
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


def completed_keys(scheme_id, stage, unit, status, end, days_waited) -> list[tuple]:
    """The CompletedCells a stage counts in, for one unit (dimension, code, service): its
    day's row, its outcome's month total and, if met or breached, the month's "completed"
    row. None if it has not ended."""
    if end is None:
        return []
    if status in COMPLETED_OUTCOMES:
        days = days_waited
    elif status in ENDED_WITHOUT_WAIT:
        days = 0
    else:
        return []
    dimension, unit_code, service = unit
    group = (scheme_id, stage, dimension, service, month_of(end), unit_code)
    keys = [(*group, status, days), (*group, status, ALL_DAYS)]
    if status in COMPLETED_OUTCOMES:
        keys.append((*group, MEASURED, ALL_DAYS))
    return keys


def open_key(scheme_id, stage, unit, status, start, end, excluded, paused, calendar):
    """The OpenCell a stage counts in, for one unit, or None if it is not waiting."""
    if start is None or end is not None or status not in OPEN_STATUSES:
        return None
    since = start if paused else counts_from(start, excluded or 0, calendar)
    dimension, unit_code, service = unit
    return (scheme_id, stage, dimension, service, unit_code, since, paused or "")


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


def provider_units(provider_code: str, service: str) -> list[tuple[str, str, str]]:
    """(dimension, unit code, service) of the provider cells a stage counts in: all services
    together, and its own service."""
    units = [(Dimension.PROVIDER.value, provider_code, ALL_SERVICES)]
    if service != ALL_SERVICES:
        units.append((Dimension.PROVIDER.value, provider_code, service))
    return units


def locality_units(locality_code: str | None) -> list[tuple[str, str, str]]:
    if locality_code is None:
        return []
    return [(Dimension.LOCALITY.value, locality_code, ALL_SERVICES)]


class Cells:
    """Counts by cell key, for the three cell tables: a contribution, or a difference."""

    def __init__(self) -> None:
        self.completed: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.open: Counter[tuple] = Counter()
        self.contacts: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    def add_completed(self, keys, n, patients, patient_days, medicals, medical_days) -> None:
        for key in keys:
            cell = self.completed[key]
            cell[0] += n
            cell[1] += patients
            cell[2] += patient_days
            cell[3] += medicals
            cell[4] += medical_days

    def add_record(self, record: StageRecord, units, calendar, sign: int = 1) -> None:
        """Count one stage record (sign −1: take it away) in each of its units."""
        waited = record.status in COMPLETED_OUTCOMES
        patient = record.patient_days if waited else 0
        medical = record.medical_days if waited else 0
        for unit in units:
            keys = completed_keys(
                record.scheme_id, record.stage, unit, record.status, record.end, record.days_waited
            )
            if keys:
                self.add_completed(
                    keys,
                    sign,
                    sign * (patient > 0),
                    sign * patient,
                    sign * (medical > 0),
                    sign * medical,
                )
                continue
            key = open_key(
                record.scheme_id,
                record.stage,
                unit,
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


def _measured_groups(completed: Iterable[tuple]) -> set[tuple]:
    """(scheme, stage, dimension, service, month, unit) whose day histogram of met and
    breached waits changes with these keys."""
    return {key[:6] for key in completed if key[6] in COMPLETED_OUTCOMES and key[7] != ALL_DAYS}


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
            units = provider_units(provider_codes[record.provider_id], record.service)
            units += locality_units(locality_codes.get(record.locality_id))
            change.add_record(record, units, calendar, sign)
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
    groups = _measured_groups(completed)
    for group in groups:
        # A wait that moves between days of one month leaves the month's count as it was, but
        # not its median: the "completed" row is upserted anyway (adding nothing), so that it
        # is locked, first, and two changes to one month's median take turns.
        completed.setdefault((*group, MEASURED, ALL_DAYS), (0, 0, 0, 0, 0))
    _upsert(CompletedCell, COMPLETED_KEY, COMPLETED_VALUES, completed)
    _refresh_medians(groups)
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
        _, stage, dimension, service, month, unit_code, _, _ = key
        changed.add(("completed", stage, dimension, unit_code, service, month.isoformat()))
    for key in open_:
        _, stage, dimension, service, unit_code, _, _ = key
        changed.add(("waiting", stage, dimension, unit_code, service, ""))
    for provider_id, month in contacts:
        code = provider_codes.get(provider_id, str(provider_id))
        changed.add(("contacts", "", Dimension.PROVIDER.value, code, "", month.isoformat()))
    names = ("figures", "stage", "dimension", "unit", "service", "month")
    return [
        {"scheme": scheme_code, **dict(zip(names, key, strict=True)), "month": key[5] or None}
        for key in sorted(changed)
    ]


UPSERT_BATCH = 500


def _upsert(model, key_fields, value_fields, changes: dict[tuple, tuple]) -> None:
    """Add each change to its cell, creating the cell if need be, in one statement per batch;
    then delete the cells that fell to zero. Rows go in one order (a month's "completed" rows
    first, then by key), so that two transactions touching the same cells lock them in the
    same order (no deadlock)."""
    if not changes:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    keys = [quote(meta.get_field(name).column) for name in key_fields]
    values = [quote(meta.get_field(name).column) for name in value_fields]
    row = "(" + ", ".join(["%s"] * (len(keys) + len(values))) + ")"
    additions = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    ordered = sorted(changes.items(), key=lambda item: _lock_order(item[0]))
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


def _lock_order(key: tuple) -> tuple:
    return (not (len(key) == len(COMPLETED_KEY) and key[6] == MEASURED), _sortable(key))


def _group_filter(groups: Iterable[tuple]) -> Q:
    condition = Q()
    for scheme_id, stage, dimension, service, month, unit_code in groups:
        condition |= Q(
            scheme_id=scheme_id,
            stage=stage,
            dimension=dimension,
            service=service,
            month=month,
            unit_code=unit_code,
        )
    return condition


def _refresh_medians(groups: set[tuple]) -> None:
    """Work out again the median and 92nd percentile of each group's month from its day
    histogram (a few hundred rows at most), after it changed. The group's "completed" row
    was locked by the upsert, so this reads every change committed before."""
    if not groups:
        return
    histograms: dict[tuple, Counter] = defaultdict(Counter)
    rows = (
        CompletedCell.objects.filter(_group_filter(groups))
        .filter(outcome__in=COMPLETED_OUTCOMES, days_waited__gte=0)
        .values_list(
            "scheme_id",
            "stage",
            "dimension",
            "service",
            "month",
            "unit_code",
            "days_waited",
            "count",
        )
    )
    for *group, days, n in rows:
        histograms[tuple(group)][days] += n
    for group in sorted(groups, key=_sortable):
        histogram = histograms.get(group, Counter())
        CompletedCell.objects.filter(
            _group_filter([group]), outcome=MEASURED, days_waited=ALL_DAYS
        ).update(
            median_days=median(histogram), percentile_92_days=percentile(histogram, PERCENTILE)
        )


# --- rebuilding from the stored clock ------------------------------------------------------


def _stream(queryset, chunk: int = 10_000) -> Iterator[tuple]:
    """The rows of a values_list queryset as plain tuples, streamed (a server-side cursor on
    PostgreSQL), without Django's per-value conversions: for millions of rows."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def expected_cells() -> tuple[dict, dict, dict]:
    """Every cell, worked out again from the stage records and standing events. Completed
    cells' values are their counts followed by the median and 92nd percentile ("completed"
    rows; None on the others)."""
    cells = Cells()
    schemes = dict(Scheme.objects.values_list("pk", "code"))
    providers = dict(Organisation.objects.values_list("pk", "code"))
    localities = dict(Locality.objects.values_list("pk", "code"))
    ended = Q(status__in=COMPLETED_OUTCOMES + ENDED_WITHOUT_WAIT, end__isnull=False)
    waiting = Q(status__in=OPEN_STATUSES, start__isnull=False, end__isnull=True)
    measured = Q(status__in=COMPLETED_OUTCOMES)
    for unit_fields, units_of in (
        (("provider_id", "service"), lambda p, s: provider_units(providers[p], s)),
        (("locality_id",), lambda loc: locality_units(localities[loc])),
    ):
        records = StageRecord.objects.order_by()
        if unit_fields == ("locality_id",):
            records = records.filter(locality_id__isnull=False)
        width = len(unit_fields)
        completed = (
            records.filter(ended)
            .values_list("scheme_id", "stage", *unit_fields, "status", "days_waited")
            .annotate(
                ended_in=TruncMonth("end"),
                n=Count("pk"),
                patients=Count("pk", filter=Q(patient_days__gt=0) & measured),
                patient_total=Sum("patient_days", filter=measured),
                medicals=Count("pk", filter=Q(medical_days__gt=0) & measured),
                medical_total=Sum("medical_days", filter=measured),
            )
        )
        for row in _stream(completed):
            scheme_id, stage = row[0], row[1]
            status, days, ended_in, n, patients, patient_days, medicals, medical_days = row[
                2 + width :
            ]
            for unit in units_of(*row[2 : 2 + width]):
                cells.add_completed(
                    completed_keys(scheme_id, stage, unit, status, ended_in, days),
                    n,
                    patients,
                    patient_days or 0,
                    medicals,
                    medical_days or 0,
                )
        still_open = (
            records.filter(waiting)
            .values_list(
                "scheme_id", "stage", *unit_fields, "status", "start", "days_excluded", "paused_by"
            )
            .annotate(n=Count("pk"))
        )
        for row in _stream(still_open):
            scheme_id, stage = row[0], row[1]
            status, start, excluded, paused_by, n = row[2 + width :]
            calendar = _stage_calendar(schemes[scheme_id], stage)
            start = _as_date(start)
            for unit in units_of(*row[2 : 2 + width]):
                key = open_key(
                    scheme_id, stage, unit, status, start, None, excluded, paused_by, calendar
                )
                cells.open[key] += n
    for provider_id, contribution in _contacts_from_events():
        cells.add_contact(provider_id, contribution)
    completed, open_, contacts = cells.nonzero()
    histograms: dict[tuple, Counter] = defaultdict(Counter)
    for key, values in completed.items():
        if key[6] in COMPLETED_OUTCOMES and key[7] != ALL_DAYS:
            histograms[key[:6]][key[7]] += values[0]
    completed = {
        key: (
            (*values, median(histograms[key[:6]]), percentile(histograms[key[:6]], PERCENTILE))
            if key[6] == MEASURED
            else (*values, None, None)
        )
        for key, values in completed.items()
    }
    return completed, open_, contacts


def _contacts_from_events() -> Iterator[tuple[int, tuple[date, bool] | None]]:
    corrected = PathwayEvent.objects.filter(corrects=OuterRef("pk"))
    rows = (
        PathwayEvent.objects.filter(type__in=(CONTACT_EVENT, CONTACT_ANSWERED_EVENT))
        .filter(~Exists(corrected))
        .order_by("pathway_id", "occurred_on", "sequence")
        .values_list("pathway_id", "pathway__provider_id", "type", "occurred_on")
    )
    current, provider_id, facts = None, None, []
    for pathway_id, provider, type_, day in _stream(rows):
        if pathway_id != current:
            if current is not None:
                yield provider_id, contact_contribution(facts)
            current, provider_id, facts = pathway_id, provider, []
        facts.append((type_, _as_date(day)))
    if current is not None:
        yield provider_id, contact_contribution(facts)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _columns(key_fields: Iterable[str]) -> list[str]:
    return [f"{name}_id" if name in ("scheme", "provider") else name for name in key_fields]


def _stored_cells() -> tuple[dict, dict, dict]:
    def read(model, key_fields, value_fields):
        columns = _columns(key_fields)
        return {
            tuple(row[: len(columns)]): tuple(row[len(columns) :])
            for row in model.objects.values_list(*columns, *value_fields).iterator(10_000)
        }

    return (
        read(CompletedCell, COMPLETED_KEY, COMPLETED_VALUES + COMPLETED_DERIVED),
        read(OpenCell, OPEN_KEY, OPEN_VALUES),
        read(ContactCell, CONTACT_KEY, CONTACT_VALUES),
    )


def statistics_drift() -> dict[str, dict[tuple, tuple]]:
    """Cells whose stored values differ from the stage records: {table: {key: (stored,
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
        for model, fields, cells in (
            (CompletedCell, COMPLETED_KEY + COMPLETED_VALUES + COMPLETED_DERIVED, completed),
            (OpenCell, OPEN_KEY + OPEN_VALUES, open_),
            (ContactCell, CONTACT_KEY + CONTACT_VALUES, contacts),
        ):
            _bulk_insert(model, fields, cells)
    events.publish("guarantee.statistics_changed", changes=[{"figures": "all"}])
    return {"completed": len(completed), "open": len(open_), "contacts": len(contacts)}


def _bulk_insert(model, fields: tuple[str, ...], cells: dict[tuple, tuple]) -> None:
    """Insert cells fast: COPY on PostgreSQL, batched executemany elsewhere."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    # In key order: the key's index grows at its end, which is several times faster.
    rows = ((*key, *cells[key]) for key in sorted(cells))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        statement = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == REBUILD_BATCH:
                cursor.executemany(statement, batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)


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
    `per_month=False` one row per unit for the whole window. All services together unless
    one is named (localities have only all services). Ordered by unit name, then month. Raw
    counts: suppress to publish.

    Per month, for one scheme, everything is read from the months' total rows: a few rows per
    unit and month, however many pathways. Over the whole window, or across a family of
    schemes, the medians are worked out from the day histogram by the database."""
    first = window_start(as_of, months)
    scheme_ids = _scheme_ids(scheme_code)
    cells = CompletedCell.objects.filter(
        scheme_id__in=scheme_ids,
        stage=stage,
        dimension=dimension,
        service=service or ALL_SERVICES,
        month__gte=first,
        month__lte=month_of(as_of),
    )
    if unit_code is not None:
        cells = cells.filter(unit_code=unit_code)
    totals = (
        cells.filter(days_waited=ALL_DAYS)
        .order_by()
        .values_list(
            "unit_code",
            "month",
            "outcome",
            "count",
            "patient_count",
            "patient_days",
            "medical_count",
            "medical_days",
            "median_days",
            "percentile_92_days",
        )
    )
    stored_medians = per_month and len(scheme_ids) == 1
    tallies: dict[tuple, dict] = {}
    waits: dict[tuple, tuple] = {}
    for unit, month, outcome, n, pc, pd, mc, md, middle, high in totals:
        period = month if per_month else None
        tally = tallies.setdefault((unit, period), {"outcomes": Counter(), "extra": [0, 0, 0, 0]})
        if outcome == MEASURED:
            # Met and breached together: the medians, and the patient and medical waits.
            if stored_medians:
                waits[(unit, period)] = (middle, high)
            extra = tally["extra"]
            for index, value in enumerate((pc, pd, mc, md)):
                extra[index] += value
        else:
            tally["outcomes"][outcome] += n
    if not stored_medians:
        group = ("unit_code", "month") if per_month else ("unit_code",)
        waits = _medians_and_percentiles(
            cells.filter(outcome__in=COMPLETED_OUTCOMES, days_waited__gte=0), group
        )
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
            outcomes = tally["outcomes"]
            middle, high = waits.get((unit, period), (None, None))
            figures.append(
                CompletedFigures(
                    unit_code=unit,
                    unit_name=names.get(unit, unit),
                    month=period,
                    met=outcomes[Status.MET],
                    breached=outcomes[Status.BREACHED],
                    lapsed=outcomes[Status.LAPSED],
                    nullified=outcomes[Status.NULLIFIED],
                    median_days=middle,
                    percentile_92_days=high,
                    patient_count=tally["extra"][0],
                    patient_days=tally["extra"][1],
                    medical_count=tally["extra"][2],
                    medical_days=tally["extra"][3],
                )
            )
    return figures


def _medians_and_percentiles(cells, group: tuple[str, ...]) -> dict[tuple, tuple]:
    """{(unit, month or None): (median, 92nd percentile)} of days waited, worked out by the
    database from the per-day histogram (window sums over days), so that one row per unit
    (and month) comes back however many days the waits spread over. The same ranks as
    `median` and `percentile`: the lower and upper middle values are the first days at which
    the running count reaches half the total (2·upto ≥ total, and 2·upto > total), the 92nd
    percentile the first at which it reaches 92% (100·upto ≥ 92·total)."""
    histogram = cells.order_by().values(*group, "days_waited").annotate(n=Sum("count"))
    inner, params = histogram.query.sql_with_params()
    quote = connection.ops.quote_name
    keys = ", ".join(quote(name) for name in group)
    days = quote("days_waited")
    sql = (
        f"SELECT {keys}, "  # noqa: S608 - names are quoted constants; values are parameters
        f"MIN(CASE WHEN 2 * upto >= total THEN {days} END), "
        f"MIN(CASE WHEN 2 * upto > total THEN {days} END), "
        f"MIN(CASE WHEN 100 * upto >= {PERCENTILE} * total THEN {days} END) "
        f"FROM (SELECT {keys}, {days}, "
        f"SUM(n) OVER (PARTITION BY {keys} ORDER BY {days} ROWS UNBOUNDED PRECEDING) AS upto, "
        f"SUM(n) OVER (PARTITION BY {keys}) AS total "
        f"FROM ({inner}) histogram WHERE n > 0) running "
        f"GROUP BY {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    figures = {}
    for row in rows:
        unit = row[0]
        month = month_of(row[1]) if len(group) == 2 else None
        lower, upper, high = row[-3:]
        if lower is None:
            continue
        figures[(unit, month)] = ((lower + upper) / 2, high)
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
    # Of the waits not paused, in the stage's own days (working days for working-day limits).
    median_days: float | None = None
    percentile_92_days: int | None = None

    @property
    def within_limit(self) -> int:
        return self.waiting - self.over_limit

    @property
    def within_limit_percent(self) -> float | None:
        return 100 * self.within_limit / self.waiting if self.waiting else None

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
    the waits open now), by weeks waited, over the limit, the median and 92nd percentile days
    waited so far, and paused by kind. Ordered by unit name. Raw counts: suppress to
    publish."""
    scheme_ids = _scheme_ids(scheme_code)
    cells = OpenCell.objects.filter(
        scheme_id__in=scheme_ids, stage=stage, dimension=dimension, service=service or ALL_SERVICES
    )
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
            unit,
            {
                "bands": [0] * len(BANDS),
                "over": 0,
                "paused": dict.fromkeys(kinds, 0),
                "histogram": Counter(),
            },
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
        tally["histogram"][waited] += n
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
            median_days=median(tally["histogram"]),
            percentile_92_days=percentile(tally["histogram"], PERCENTILE),
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
            days_waited__gte=0,
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
