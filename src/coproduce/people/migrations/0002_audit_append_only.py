"""PostgreSQL refuses any UPDATE or DELETE of an audit row, whoever asks."""

from django.db import migrations

from coproduce.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [append_only("people_auditevent", "Audit events")]
