"""Hand-written SELECTs that still read as the models: a model's columns as a SELECT list
under a table alias, the values in a row turned into Python as the ORM turns them (on
PostgreSQL and SQLite alike), and instances made from them.

For the few paths that run for every request of a device gateway (a check-in), where Django
building the SQL of a query costs several times what the database takes to answer it
(benchmarks/RESULTS.md, monitoring). Everywhere else, use the ORM.

On PostgreSQL these statements go through `cursor()`, which binds values on the server and
prepares each statement once per connection (Django prepares nothing, so that connection
poolers in transaction mode keep working; these statements are few and fixed, and
COPRODUCE_PREPARED_STATEMENTS=off turns them off behind such a pooler), and `among()` asks
for a list of values as one array, so that one statement serves any number of them.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Field, Model
from django.db.models.expressions import Col


class Columns:
    """The concrete fields of `model` (`only` these, or all less `leave_out`; an instance
    loads those left out on first use) as they are selected under `alias`."""

    def __init__(
        self,
        model: type[Model],
        alias: str,
        *,
        only: Iterable[str] | None = None,
        leave_out: Iterable[str] = (),
    ) -> None:
        if only is not None:
            self.fields = [model._meta.get_field(name) for name in only]
        else:
            left_out = set(leave_out)
            self.fields = [
                field for field in model._meta.concrete_fields if field.name not in left_out
            ]
        self.model = model
        self.alias = alias
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list] = {}
        self._select_lists: dict[str, str] = {}

    def select_list(self, using: str = "default") -> str:
        vendor = connections[using].vendor
        if vendor not in self._select_lists:
            quote = connections[using].ops.quote_name
            self._select_lists[vendor] = ", ".join(
                f"{self.alias}.{quote(field.column)}" for field in self.fields
            )
        return self._select_lists[vendor]

    def __len__(self) -> int:
        return len(self.fields)

    def values(self, row: Sequence, using: str = "default") -> list:
        """The row's values for these columns, as the ORM would give them."""
        connection = connections[using]
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = [_converters_of(field, self.alias, connection) for field in self.fields]
            self._converters[connection.vendor] = converters
        values = list(row)
        for index, (expression, functions) in enumerate(converters):
            for convert in functions:
                values[index] = convert(values[index], expression, connection)
        return values

    def instance(self, row: Sequence, using: str = "default") -> Model:
        return self.model.from_db(using, self.attnames, self.values(row, using))


def _converters_of(field: Field, alias: str, connection) -> tuple[Col, list]:
    column = field.get_col(alias)
    return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def parameter(field: Field, value, using: str = "default"):
    """`value` as the database takes it for `field` (a UUID on SQLite is its hex string)."""
    return field.get_db_prep_value(value, connections[using], prepared=False)


def among(column: str, values: Sequence, using: str = "default") -> tuple[str, list]:
    """The condition that `column` is one of `values` (already parameters), and its
    parameters: `= ANY(%s)` with one array on PostgreSQL, `IN (%s, ...)` elsewhere. Callers
    ask nothing of no values (`IN ()` is not SQL)."""
    if not values:
        raise ValueError("Ask for at least one value.")
    if len(values) == 1:
        # The commonest case (one check-in) as a plain comparison: no array to build.
        return f"{column} = %s", list(values)
    if connections[using].vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


@contextmanager
def cursor(using: str = "default") -> Iterator:
    """A cursor for hand-written SQL (`%s` placeholders, as Django's): on PostgreSQL it binds
    values on the server and prepares each statement, through Django's own cursor wrapper
    (its query log and execute wrappers see every statement)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.COPRODUCE_PREPARED_STATEMENTS:
        with connection.cursor() as plain:
            yield plain
        return
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # Django leaves it off; its own cursors bind on the client and never prepare, so
        # this prepares only the statements of these cursors, each on its first use.
        connection.connection.prepare_threshold = 0
    with connection.wrap_database_errors:
        bound = connection._prepare_cursor(ServerBindingCursor(connection.connection))
    try:
        yield bound
    finally:
        bound.close()
