"""Scheme versions are never changed in place: PostgreSQL refuses any UPDATE or DELETE of a
scheme or its stages (a change is a new version with its own effective date), and two
versions of one guarantee cannot start on the same day."""

from django.db import migrations, models

from coproduce.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("guarantees", "0004_statistics_month_totals_index")]

    operations = [
        migrations.AddConstraint(
            model_name="scheme",
            constraint=models.UniqueConstraint(
                fields=("family", "effective_from"), name="scheme_one_version_per_start_day"
            ),
        ),
        append_only("guarantees_scheme", "Scheme versions"),
        append_only("guarantees_schemestage", "Scheme stages"),
    ]
