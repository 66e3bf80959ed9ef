"""Append-only tables: PostgreSQL refuses any UPDATE or DELETE of their rows, whoever asks.

Used by migrations (the audit trail, a pathway's events, scheme versions). On every database
the models and their querysets refuse too (`AppendOnlyModel`, `AppendOnlyQuerySet`): a trigger
on SQLite would also stop Django's test flush, which deletes rows with DELETE, not TRUNCATE.
"""

from django.db import migrations, models


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes raise the model's `immutable_error`, as a single row's would."""

    def update(self, **kwargs):
        raise self.model.immutable_error

    def delete(self):
        raise self.model.immutable_error


class AppendOnlyModel(models.Model):
    """Rows are added, never changed or deleted. Subclasses name the error to raise, whose
    message says what to do instead (record a correction, make a new version)."""

    immutable_error: type[Exception]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.immutable_error
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.immutable_error


def append_only(table: str, what: str) -> migrations.RunPython:
    """A migration operation that makes `table` append-only on PostgreSQL; `what` names its
    rows in the error ("Audit events")."""
    create = f"""
CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} are append-only: % is not allowed on {table}', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_refuse_change();
"""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create, params=None)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop, params=None)

    return migrations.RunPython(forwards, backwards)
