"""Hand-written SELECTs that still read as the models: a model's columns as a SELECT list
under a table alias, the values in a row turned into Python as the ORM turns them (on
PostgreSQL and SQLite alike), and instances made from them.

For the few paths that run for every request of a device gateway (a check-in), where Django
building the SQL of a query costs several times what the database takes to answer it
(benchmarks/RESULTS.md, monitoring). Everywhere else, use the ORM.
"""

from collections.abc import Iterable, Sequence

from django.db import connections
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

    def select_list(self, using: str = "default") -> str:
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

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


def placeholders(count: int) -> str:
    """`%s, %s, ...`: the inside of an IN (...) of `count` values (callers ask nothing of
    no values: `IN ()` is not SQL)."""
    if count < 1:
        raise ValueError("An IN (...) needs at least one value.")
    return ", ".join(["%s"] * count)
