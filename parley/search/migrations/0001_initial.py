from __future__ import annotations

import django.utils.timezone
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE = [
    # A regular (not contentless) FTS5 table: SQLite before 3.43 cannot delete rows from a
    # contentless one without the old text. `digest` lets the indexer skip unchanged rows.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "digest UNINDEXED, title, sender, recipients, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
]
POSTGRESQL = [
    "CREATE TABLE search_document ("
    "id bigint PRIMARY KEY, digest varchar(40) NOT NULL, tsv tsvector NOT NULL)",
    "CREATE INDEX search_document_tsv ON search_document USING gin (tsv)",
]


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(vendor, []):
        schema_editor.execute(sql)


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    table = {"sqlite": "search_fts", "postgresql": "search_document"}.get(
        schema_editor.connection.vendor
    )
    if table:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="IndexState",
            fields=[
                ("kind", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("last_pk", models.BigIntegerField(default=0)),
                ("last_updated_at", models.DateTimeField(blank=True, null=True)),
                ("last_sweep_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
    ]
