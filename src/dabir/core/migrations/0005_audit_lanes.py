from django.db import migrations, models


def create_lanes(apps, schema_editor):
    # Lane 0 (checkpoints) and the writers' lanes; existing entries are lane 1's chain, whose head is row 1.
    from django.conf import settings

    head = apps.get_model("core", "AuditHead")
    head.objects.bulk_create([head(id=i) for i in range(0, settings.DABIR_AUDIT_LANES + 1)], ignore_conflicts=True)


class Migration(migrations.Migration):
    """The audit chain in lanes: writers no longer queue behind one head row."""

    dependencies = [("core", "0004_persian_labels")]
    operations = [
        migrations.AddField(
            model_name="auditentry", name="lane",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="رشته"),
        ),
        migrations.AddIndex(
            model_name="auditentry", index=models.Index(fields=["lane", "id"], name="core_audit_lane_id"),
        ),
        migrations.RunPython(create_lanes, migrations.RunPython.noop),
    ]
