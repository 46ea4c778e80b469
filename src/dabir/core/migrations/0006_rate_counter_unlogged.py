from django.db import migrations

# PostgreSQL only: an UNLOGGED table writes no WAL, so a rate count commits without waiting for a disk
# flush (and is not copied to standbys; a crash empties it, forgetting only windows in progress).
# Other databases have no such table kind: nothing to do there.


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("core", "RateCounter")._meta.db_table
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("core", "RateCounter")._meta.db_table
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET LOGGED")


class Migration(migrations.Migration):
    """Rate counters in an unlogged table: the public lookups' limiter without a disk flush per request."""

    dependencies = [("core", "0005_audit_lanes")]
    operations = [migrations.RunPython(unlogged, logged)]
