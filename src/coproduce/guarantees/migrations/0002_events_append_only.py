"""PostgreSQL refuses any UPDATE or DELETE of a pathway event: events are facts, put right
by a later correcting event."""

from django.db import migrations

from coproduce.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("guarantees", "0001_initial")]

    operations = [append_only("guarantees_pathwayevent", "Pathway events")]
