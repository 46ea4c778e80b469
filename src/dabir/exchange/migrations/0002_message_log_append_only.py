"""The message log is append-only in the database too: an UPDATE of a logged message fails.

(Deletes stay possible for the test suite's flushes and for an operator's archiving; the model
refuses updates in Python as well.)
"""

from django.db import migrations

SQLITE = """
CREATE TRIGGER exchange_message_append_only BEFORE UPDATE ON exchange_message
BEGIN SELECT RAISE(ABORT, 'exchange_message is append-only'); END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS exchange_message_append_only;"

POSTGRES = """
CREATE OR REPLACE FUNCTION exchange_message_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'exchange_message is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_message_append_only BEFORE UPDATE ON exchange_message
FOR EACH ROW EXECUTE FUNCTION exchange_message_append_only();
"""
POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS exchange_message_append_only ON exchange_message;
DROP FUNCTION IF EXISTS exchange_message_append_only();
"""


def forwards(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    sql = {"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
