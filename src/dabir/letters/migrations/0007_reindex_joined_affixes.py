"""Re-index every letter: normalize() now glues affixes to their words («می شود» → «میشود»),
so text indexed before would not be found by a query normalised the new way."""

from django.db import migrations


def reindex(apps, schema_editor):
    from dabir.letters.search import reindex_letters

    Letter = apps.get_model("letters", "Letter")
    reindex_letters(Letter.objects.using(schema_editor.connection.alias).order_by("pk"))


class Migration(migrations.Migration):

    dependencies = [
        ("letters", "0006_persian_labels"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True),
    ]
