"""Inserting rows that may be there already, and learning which went in, in one statement
a batch: `INSERT ... ON CONFLICT DO NOTHING RETURNING pk` on PostgreSQL and SQLite alike.

Django's `bulk_create(ignore_conflicts=True)` does not say which rows it stored, so a caller
had to read them back (a second query naming every key). For models whose primary key is
set before saving (a UUID), `insert_new` returns the keys stored; a row that collides with
a unique key (a retried submission) is left out and left as it was.
"""

from collections.abc import Sequence

from django.db import connections
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


def insert_new(objs: Sequence[Model], *, using: str = "default") -> set:
    """Store each of `objs` (all of one model, each with its primary key set) unless it
    collides with a unique key; return the primary keys of those stored."""
    if not objs:
        return set()
    model = type(objs[0])
    opts = model._meta
    connection = connections[using]
    fields = list(opts.concrete_fields)
    returning = connection.ops.quote_name(opts.pk.column)
    batch_size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    stored = set()
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            for obj in batch:
                obj._prepare_related_fields_for_save(operation_name="insert_new")
            query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
            query.insert_values(fields, batch)
            for sql, params in query.get_compiler(using=using).as_sql():
                cursor.execute(f"{sql} RETURNING {returning}", params)
                stored.update(opts.pk.to_python(row[0]) for row in cursor.fetchall())
    for obj in objs:
        if obj.pk in stored:
            obj._state.adding = False
            obj._state.db = using
    return stored
