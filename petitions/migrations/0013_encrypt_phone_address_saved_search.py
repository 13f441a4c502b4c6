"""Phone numbers and addresses of petitioners encrypted at rest like the identity numbers
(petitions/lib/fieldcrypt.py): the phone as a deterministic token (equality lookups), the address
with a random IV; existing rows converted in batches. Saved search criteria move from the session
into their own encrypted table, bound to the user and the session that typed them."""

import django.db.models.deletion
import django.utils.timezone
import petitions.models.fields
from django.conf import settings
from django.db import migrations, models


BATCH = 5000


def _convert(schema_editor, column, transform, pick):
    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {column} FROM petitions_petitioner WHERE id > %s AND {column} <> '' "
                           "ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            changed = [(transform(value), pk) for pk, value in rows if pick(value)]
            if not changed:
                continue
            if connection.vendor == "postgresql":  # one statement per batch, not one per row
                from psycopg2.extras import execute_values

                execute_values(cursor.cursor if hasattr(cursor, "cursor") else cursor,
                               f"UPDATE petitions_petitioner AS p SET {column} = v.token "
                               "FROM (VALUES %s) AS v(token, id) WHERE p.id = v.id", changed, page_size=BATCH)
            else:
                cursor.executemany(f"UPDATE petitions_petitioner SET {column} = %s WHERE id = %s", changed)


def encrypt_existing(apps, schema_editor):
    from petitions.lib import fieldcrypt as fc

    _convert(schema_editor, "phone", fc.encrypt, lambda v: not v.startswith(fc.PREFIX))
    _convert(schema_editor, "address", fc.seal, lambda v: not v.startswith(fc.SEALED_PREFIX))


def decrypt_existing(apps, schema_editor):
    from petitions.lib import fieldcrypt as fc

    _convert(schema_editor, "phone", fc.decrypt, lambda v: v.startswith(fc.PREFIX))
    _convert(schema_editor, "address", fc.unseal, lambda v: v.startswith(fc.SEALED_PREFIX))


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0012_caseview_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='petitioner',
            name='address',
            field=petitions.models.fields.EncryptedSealedField(blank=True, verbose_name='地址'),
        ),
        migrations.AlterField(
            model_name='petitioner',
            name='phone',
            field=petitions.models.fields.EncryptedIdentityField(blank=True, db_index=True, max_length=100, verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.CreateModel(
            name='SavedSearch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=32, unique=True)),
                ('session_hash', models.CharField(max_length=64)),
                ('criteria', petitions.models.fields.EncryptedSealedField(verbose_name='查询条件')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '保存的查询',
                'verbose_name_plural': '保存的查询',
            },
        ),
    ]
