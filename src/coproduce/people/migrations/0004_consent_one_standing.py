"""One standing consent per person, organisation and category (a constraint), and
Consent.replaced_at for a consent that a later one took the place of."""

from django.db import migrations, models
from django.db.models import Count


def replace_older_duplicates(apps, schema_editor):
    """Before the constraint: where one person has given the same organisation more than one
    standing consent in a category, the newest stands and the older ones are marked replaced
    by it (when it was given), so the history keeps them all."""
    Consent = apps.get_model("people", "Consent")
    standing = Consent.objects.filter(revoked_at__isnull=True, replaced_at__isnull=True)
    duplicated = (
        standing.values("person_id", "organisation_id", "category")
        .annotate(consents=Count("id"))
        .filter(consents__gt=1)
    )
    for group in duplicated.iterator():
        newest, *older = standing.filter(
            person_id=group["person_id"],
            organisation_id=group["organisation_id"],
            category=group["category"],
        ).order_by("-granted_at", "-id")
        Consent.objects.filter(pk__in=[consent.pk for consent in older]).update(
            replaced_at=newest.granted_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_external_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="replaced_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(replace_older_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("replaced_at__isnull", True), ("revoked_at__isnull", True)),
                fields=("person", "organisation", "category"),
                name="consent_one_standing_per_organisation_and_category",
            ),
        ),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("replaced_at__isnull", True),
                    ("replaced_at__gte", models.F("granted_at")),
                    _connector="OR",
                ),
                name="consent_replaced_after_granted",
            ),
        ),
    ]
