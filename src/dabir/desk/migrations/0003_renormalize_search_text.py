"""Services' search text in the new normal form: normalize() now glues affixes to their words
(«پروانه های» → «پروانههای»). The stored text was normalize()d by the old rules, and the new
rules applied to it give what they give on the original, so it is normalised once more."""

from django.db import migrations


def renormalize(apps, schema_editor):
    from dabir.core.text import normalize

    Service = apps.get_model("desk", "Service")
    for service in Service.objects.using(schema_editor.connection.alias).only("pk", "search_text"):
        text = normalize(service.search_text)
        if text != service.search_text:
            Service.objects.using(schema_editor.connection.alias).filter(pk=service.pk).update(search_text=text)


class Migration(migrations.Migration):

    dependencies = [
        ("desk", "0002_persian_labels"),
    ]

    operations = [
        migrations.RunPython(renormalize, migrations.RunPython.noop, elidable=True),
    ]
