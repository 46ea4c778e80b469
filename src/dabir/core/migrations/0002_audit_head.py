from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("core", "AuditHead").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    """The chain head exists from the start, so writers only ever lock it, never race to create it."""

    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
