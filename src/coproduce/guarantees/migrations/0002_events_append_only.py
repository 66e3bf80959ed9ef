"""PostgreSQL refuses any UPDATE or DELETE of a pathway event: events are facts, put right
by a later correcting event. (On SQLite the model and its queryset refuse.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION guarantees_pathwayevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Pathway events are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER guarantees_pathwayevent_append_only
    BEFORE UPDATE OR DELETE ON guarantees_pathwayevent
    FOR EACH ROW EXECUTE FUNCTION guarantees_pathwayevent_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS guarantees_pathwayevent_append_only ON guarantees_pathwayevent;
DROP FUNCTION IF EXISTS guarantees_pathwayevent_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("guarantees", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
