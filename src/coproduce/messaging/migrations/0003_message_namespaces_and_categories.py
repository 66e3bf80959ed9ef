"""Message keys in namespaces (the platform's own, one per organisation), and each message in
a record category.

Messages sent before this migration keep their keys in a namespace of their own,
"before-namespaces", that nothing writes to any more: their keys could have been chosen by a
client, so none of them is trusted as the platform's. Nothing is resent: the platform keys a
message by the row it is about (a right, an offer), and those already sent theirs.
"""

import django.db.models.deletion
from django.db import migrations, models


def waits_messages_are_health(apps, schema_editor):
    """The platform's messages about waits (broken guarantees, offers) are health messages."""
    Message = apps.get_model("messaging", "Message")
    Message.objects.filter(key__startswith="guarantee-").update(category="health")


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_initial"),
        ("people", "0002_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("health", "Health"),
                    ("social_care", "Social care"),
                    ("education", "Education"),
                    ("housing", "Housing"),
                    ("community", "Community and voluntary support"),
                ],
                help_text="The record category the message belongs to; empty for the core record.",
                max_length=20,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="namespace",
            field=models.CharField(default="before-namespaces", max_length=60),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="message",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="The organisation that sent it; empty for the platform's own messages.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="key",
            field=models.CharField(max_length=200),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                fields=("namespace", "key"), name="message_key_unique_in_namespace"
            ),
        ),
        migrations.RunPython(waits_messages_are_health, migrations.RunPython.noop),
    ]
