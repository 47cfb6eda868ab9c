"""Copy the former Stage choices into every existing team's stage list, and turn the free-text
positions and sources already typed into list entries, so no record points at nothing."""

from django.db import migrations

STAGES = [
    ("lead", "Lead"),
    ("prospect", "Prospect"),
    ("customer", "Customer"),
    ("partner", "Partner"),
    ("other", "Other"),
]


def forwards(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Contact = apps.get_model("contacts", "Contact")
    ChoiceOption = apps.get_model("contacts", "ChoiceOption")
    for team in Team.objects.all():
        if not ChoiceOption.objects.filter(team=team, kind="stage").exists():
            ChoiceOption.objects.bulk_create(
                ChoiceOption(team=team, kind="stage", key=key, label=label, order=index)
                for index, (key, label) in enumerate(STAGES)
            )
        for kind in ("position", "source"):
            values = (
                Contact.objects.filter(team=team)
                .exclude(**{kind: ""})
                .values_list(kind, flat=True)
                .distinct()
            )
            existing = set(
                ChoiceOption.objects.filter(team=team, kind=kind).values_list("key", flat=True)
            )
            ChoiceOption.objects.bulk_create(
                ChoiceOption(team=team, kind=kind, key=value, label=value, order=index)
                for index, value in enumerate(sorted(set(values) - existing))
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contacts", "0002_configurable_lists"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
