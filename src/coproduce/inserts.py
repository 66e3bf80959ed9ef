"""Inserting many rows in one statement a batch, on PostgreSQL and SQLite alike:

- `insert_new`: rows that may be there already (`INSERT ... ON CONFLICT DO NOTHING
  RETURNING pk`), telling which went in. Django's `bulk_create(ignore_conflicts=True)` does
  not say, so a caller had to read them back (a second query naming every key). For models
  whose primary key is set before saving (a UUID); a row that collides with a unique key (a
  retried submission) is left out and left as it was.
- `insert_all`: rows that are all new (an audit trail's), without reading anything back.

Both write the statement themselves, once per model and batch size, and prepare each value
as its field does (`get_db_prep_save`): the same values `bulk_create` would send, without
Django's query compiler, which cost more than the database's work on the paths that insert
for every check-in a device sends (benchmarks/RESULTS.md, monitoring).
"""

from collections.abc import Sequence
from functools import cache, lru_cache

from django.db import connections
from django.db.models import Model


def insert_new(objs: Sequence[Model], *, using: str = "default") -> set:
    """Store each of `objs` (all of one model, each with its primary key set) unless it
    collides with a unique key; return the primary keys of those stored."""
    stored = set()
    pk = type(objs[0])._meta.pk if objs else None
    for rows in _batches(objs, using, returning_pk=True):
        stored.update(pk.to_python(row[0]) for row in rows)
    for obj in objs:
        if obj.pk in stored:
            obj._state.adding = False
            obj._state.db = using
    return stored


def insert_all(objs: Sequence[Model], *, using: str = "default") -> None:
    """Store every one of `objs` (all of one model, new rows); their primary keys are not
    read back."""
    for _rows in _batches(objs, using, returning_pk=False):
        pass
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def _batches(objs: Sequence[Model], using: str, *, returning_pk: bool):
    """Insert `objs` a batch at a time, yielding what each batch's statement returned."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = _fields(model, with_pk=returning_pk)
    batch_size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            parameters = []
            for obj in batch:
                obj._prepare_related_fields_for_save(operation_name="insert")
                parameters.extend(
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    for field in fields
                )
            cursor.execute(_statement(model, using, len(batch), returning_pk), parameters)
            yield cursor.fetchall() if returning_pk else ()


@cache
def _fields(model: type[Model], *, with_pk: bool) -> tuple:
    # A key the database gives (an auto id) is left to it unless the caller set it.
    return tuple(
        field
        for field in model._meta.concrete_fields
        if with_pk or not (field.primary_key and field.db_returning)
    )


@lru_cache(maxsize=64)
def _statement(model: type[Model], using: str, rows: int, returning_pk: bool) -> str:
    quote = connections[using].ops.quote_name
    fields = _fields(model, with_pk=returning_pk)
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names are the models', values parameters
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * rows)}"
    )
    if returning_pk:
        sql += f" ON CONFLICT DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    return sql
