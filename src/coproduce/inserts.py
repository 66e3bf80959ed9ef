"""Inserting many rows in one statement a batch, on PostgreSQL and SQLite alike:

- `insert_new`: rows that may be there already (`INSERT ... ON CONFLICT DO NOTHING
  RETURNING pk`), telling which went in. Django's `bulk_create(ignore_conflicts=True)` does
  not say, so a caller had to read them back (a second query naming every key). For models
  whose primary key is set before saving (a UUID); a row that collides with a unique key (a
  retried submission) is left out and left as it was.
- `insert_all`: rows that are all new (an audit trail's), without reading anything back.

Both write the statement themselves and prepare each value as its field does
(`get_db_prep_save`): the same values `bulk_create` would send, without Django's query
compiler, which cost more than the database's work on the paths that insert for every
check-in a device sends (benchmarks/RESULTS.md, monitoring). On PostgreSQL many rows go as
one array a column (`INSERT ... SELECT * FROM unnest(...)`): one prepared statement for any
number of rows, a parameter a column rather than a value; one row as plain values.
Elsewhere, as many rows a statement as the database takes.
"""

from collections.abc import Sequence
from functools import cache, lru_cache

from django.db import connections
from django.db.models import Model

from coproduce.sql_rows import cursor


def insert_new(objs: Sequence[Model], *, using: str = "default") -> set:
    """Store each of `objs` (all of one model, each with its primary key set) unless it
    collides with a unique key; return the primary keys of those stored."""
    if not objs:
        return set()
    pk = type(objs[0])._meta.pk
    stored = {pk.to_python(row[0]) for row in _insert(objs, using, returning_pk=True)}
    for obj in objs:
        if obj.pk in stored:
            obj._state.adding = False
            obj._state.db = using
    return stored


def insert_all(objs: Sequence[Model], *, using: str = "default") -> None:
    """Store every one of `objs` (all of one model, new rows); their primary keys are not
    read back."""
    if not objs:
        return
    _insert(objs, using, returning_pk=False)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def _insert(objs: Sequence[Model], using: str, *, returning_pk: bool) -> list:
    """Insert `objs` (at least one), a batch a statement; the rows the statements returned."""
    model = type(objs[0])
    connection = connections[using]
    fields = _fields(model, with_pk=returning_pk)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
    arrays = connection.vendor == "postgresql" and len(objs) > 1
    if connection.vendor == "postgresql":
        batches = [objs]
    else:
        size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
        batches = [objs[start : start + size] for start in range(0, len(objs), size)]
    returned = []
    with cursor(using) as writing:
        for batch in batches:
            values = [
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in batch]
                for field in fields
            ]
            if arrays:
                parameters = values
                statement = _unnest_statement(model, using, returning_pk)
            else:
                parameters = [value for row in zip(*values, strict=True) for value in row]
                statement = _values_statement(model, using, len(batch), returning_pk)
            writing.execute(statement, parameters)
            if returning_pk:
                returned.extend(writing.fetchall())
    return returned


@cache
def _fields(model: type[Model], *, with_pk: bool) -> tuple:
    # A key the database gives (an auto id) is left to it unless the caller set it.
    return tuple(
        field
        for field in model._meta.concrete_fields
        if with_pk or not (field.primary_key and field.db_returning)
    )


def _insert_into(model: type[Model], using: str, returning_pk: bool) -> str:
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _fields(model, with_pk=returning_pk))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "


def _returning(model: type[Model], using: str, returning_pk: bool) -> str:
    if not returning_pk:
        return ""
    key = connections[using].ops.quote_name(model._meta.pk.column)
    return f" ON CONFLICT DO NOTHING RETURNING {key}"


@cache
def _unnest_statement(model: type[Model], using: str, returning_pk: bool) -> str:
    connection = connections[using]
    arrays = ", ".join(
        f"%s::{field.cast_db_type(connection)}[]" for field in _fields(model, with_pk=returning_pk)
    )
    return (
        f"{_insert_into(model, using, returning_pk)}SELECT * FROM unnest({arrays})"  # noqa: S608 - names are the models', values parameters
        f"{_returning(model, using, returning_pk)}"
    )


@lru_cache(maxsize=64)
def _values_statement(model: type[Model], using: str, rows: int, returning_pk: bool) -> str:
    width = len(_fields(model, with_pk=returning_pk))
    row = f"({', '.join(['%s'] * width)})"
    return (
        f"{_insert_into(model, using, returning_pk)}VALUES {', '.join([row] * rows)}"
        f"{_returning(model, using, returning_pk)}"
    )
