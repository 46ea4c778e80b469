"""Full-text index of Letter.search_text: a GIN index on PostgreSQL, an FTS5 table on SQLite.

The SQL is written out here (not imported) so this migration stays what it was when applied.
dabir.letters.search queries these with the same expressions.
"""

from django.db import migrations

PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS letters_letter_search_gin ON letters_letter USING gin "
    "(to_tsvector('simple'::regconfig, translate(search_text, '/.-@:_+~', '        ')))"
)
PG_DROP = "DROP INDEX IF EXISTS letters_letter_search_gin"

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE letters_letter_fts USING fts5(
        search_text, content='letters_letter', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER letters_letter_fts_ai AFTER INSERT ON letters_letter BEGIN
        INSERT INTO letters_letter_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER letters_letter_fts_ad AFTER DELETE ON letters_letter BEGIN
        INSERT INTO letters_letter_fts(letters_letter_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER letters_letter_fts_au AFTER UPDATE OF search_text ON letters_letter
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO letters_letter_fts(letters_letter_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO letters_letter_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    # Index the letters that already exist.
    "INSERT INTO letters_letter_fts(letters_letter_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS letters_letter_fts_au",
    "DROP TRIGGER IF EXISTS letters_letter_fts_ad",
    "DROP TRIGGER IF EXISTS letters_letter_fts_ai",
    "DROP TABLE IF EXISTS letters_letter_fts",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_CREATE])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_DROP])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
