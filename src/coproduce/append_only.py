"""Append-only tables: PostgreSQL refuses any UPDATE or DELETE of their rows, whoever asks.

Used by migrations (the audit trail, a pathway's events). On SQLite the models and their
querysets refuse instead: a trigger there would also stop Django's test flush, which deletes
rows with DELETE rather than TRUNCATE.
"""

from django.db import migrations


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
