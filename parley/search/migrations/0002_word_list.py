"""The SQLite word list for prefix queries (docs/decisions/0003-search.md, `SqliteIndex`),
filled from the words already in the index. Nothing on PostgreSQL."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# As `parley.search.backends.REFILL_WORD_LIST` and `WORD_LIST_PREFIX` were when written.
REFILL = (
    "INSERT INTO search_term (term) SELECT term FROM temp.search_vocab "
    "WHERE length(term) >= 4 AND term NOT GLOB '*[0-9]*'"
)


def create_word_list(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("CREATE TABLE search_term (term TEXT PRIMARY KEY) WITHOUT ROWID")
    schema_editor.execute(
        "CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, search_fts, row)"
    )
    schema_editor.execute(REFILL)
    schema_editor.execute("DROP TABLE temp.search_vocab")


def drop_word_list(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_term")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_word_list, drop_word_list)]
