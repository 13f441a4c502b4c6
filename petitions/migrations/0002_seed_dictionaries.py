from django.db import migrations


def forwards(apps, schema_editor):
    from petitions.seed import seed_dictionaries

    seed_dictionaries(apps.get_model("petitions", "DictEntry"))


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
