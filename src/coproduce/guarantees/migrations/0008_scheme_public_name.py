"""Schemes get the name people know them by where they apply, and a plain explanation. The
built-in versions already stored get theirs here: scheme versions are append-only, so on
PostgreSQL the refusal trigger is switched off for this one update, inside the migration's
transaction, and on again (new versions are made with the words from fixtures/schemes.json)."""

from django.db import migrations, models

# The words of fixtures/schemes.json when this migration was written.
WORDS = {
    "se-vardgaranti-2005": (
        "vårdgarantin (the care guarantee)",
        (
            "In Sweden, the care guarantee (vårdgarantin) is part of the Health and Medical"
            " Services Act. Until 2019 it promised: contact with your health centre the "
            "same day, a visit to a GP within 7 days, a first visit to a specialist within "
            "90 days of being referred, and treatment within 90 days of the decision to "
            "treat you. If your region misses a deadline, it must offer you care with "
            "another provider and pay the extra costs."
        ),
    ),
    "se-vardgaranti-2019": (
        "vårdgarantin (the care guarantee)",
        (
            "In Sweden, the care guarantee (vårdgarantin) is part of the Health and Medical"
            " Services Act. It promises: contact with your health centre the same day, an "
            "assessment within 3 days, a first visit to a specialist within 90 days of "
            "being referred, and treatment within 90 days of the decision to treat you. If "
            "your region misses a deadline, it must offer you care with another provider "
            "and pay the extra costs."
        ),
    ),
    "uk-nhs-rtt": (
        "NHS Constitution: the right to start treatment within 18 weeks",
        (
            "The NHS Constitution for England gives you the right to start consultant-led "
            "treatment within 18 weeks of being referred, unless you choose to wait longer "
            "or waiting longer is better for you medically. If that cannot happen, you can "
            "ask to be treated by another provider, and the NHS must take all reasonable "
            "steps to offer you one."
        ),
    ),
    "no-vurdering": (
        "retten til vurdering (the right to have your referral assessed)",
        (
            "In Norway, the Patients' and Users' Rights Act says a hospital must assess "
            "your referral within 10 working days, and tell you whether you have a right to"
            " treatment and the latest date it must start. If a deadline is missed, Helfo "
            "finds you another provider, in Norway or abroad, and you pay nothing extra."
        ),
    ),
}


def fill_builtin_words(apps, schema_editor):
    Scheme = apps.get_model("guarantees", "Scheme")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE guarantees_scheme DISABLE TRIGGER guarantees_scheme_append_only"
        )
    for code, (public_name, explanation) in WORDS.items():
        Scheme.objects.filter(code=code, public_name="").update(
            public_name=public_name, explanation=explanation
        )
    if postgres:
        schema_editor.execute(
            "ALTER TABLE guarantees_scheme ENABLE TRIGGER guarantees_scheme_append_only"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("guarantees", "0007_scheme_rules_stamp"),
    ]

    operations = [
        migrations.AddField(
            model_name="scheme",
            name="explanation",
            field=models.TextField(
                blank=True, help_text="What the guarantee promises, in a few plain sentences."
            ),
        ),
        migrations.AddField(
            model_name="scheme",
            name="public_name",
            field=models.CharField(
                blank=True,
                help_text="What people where it applies call the guarantee, as they would look it up.",
                max_length=200,
            ),
        ),
        migrations.RunPython(fill_builtin_words, migrations.RunPython.noop),
    ]
