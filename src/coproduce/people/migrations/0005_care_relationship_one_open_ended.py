from django.db import migrations, models


def remove_open_ended_copies(apps, schema_editor):
    """Waits opened at the same moment could each add an open-ended relationship: keep the one
    that started first. It covers every day the copies did, so nobody's access changes."""
    CareRelationship = apps.get_model("people", "CareRelationship")
    open_ended = CareRelationship.objects.filter(ends_on__isnull=True)
    key = ("person_id", "organisation_id", "category")
    copied = open_ended.values(*key).annotate(copies=models.Count("pk")).filter(copies__gt=1)
    for group in copied:
        group.pop("copies")
        copies = open_ended.filter(**group).order_by("starts_on", "pk").values_list("pk", flat=True)
        CareRelationship.objects.filter(pk__in=list(copies)[1:]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_consent_one_standing"),
    ]

    operations = [
        migrations.RunPython(remove_open_ended_copies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="carerelationship",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ends_on__isnull", True)),
                fields=("person", "organisation", "category"),
                name="care_relationship_one_open_ended_per_category",
            ),
        ),
    ]
