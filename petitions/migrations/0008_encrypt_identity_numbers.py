"""Identity numbers encrypted at rest (petitions/fieldcrypt.py: SM4 with an HMAC-SM3 synthetic IV).

The column widens to hold the token, the plaintext b-tree and its pattern index go, existing
numbers are encrypted in place in batches, and a plain b-tree on the token serves the equality
lookups. Needs FIELD_ENCRYPTION_KEY (settings) to be the key the application will run with.
"""
from django.db import migrations, models

import petitions.models.fields

BATCH = 5000


def _convert(schema_editor, transform, pick):
    from petitions.lib import fieldcrypt

    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, id_number FROM petitions_petitioner WHERE id > %s AND id_number <> '' "
                           "ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            changed = [(transform(fieldcrypt, value), pk) for pk, value in rows if pick(value, fieldcrypt)]
            if not changed:
                continue
            if connection.vendor == "postgresql":  # one statement per batch, not one per row
                from psycopg2.extras import execute_values

                execute_values(cursor.cursor if hasattr(cursor, "cursor") else cursor,
                               "UPDATE petitions_petitioner AS p SET id_number = v.token "
                               "FROM (VALUES %s) AS v(token, id) WHERE p.id = v.id", changed, page_size=BATCH)
            else:
                cursor.executemany("UPDATE petitions_petitioner SET id_number = %s WHERE id = %s", changed)


def encrypt_existing(apps, schema_editor):
    _convert(schema_editor, lambda fc, v: fc.encrypt(v), lambda v, fc: not v.startswith(fc.PREFIX))


def decrypt_existing(apps, schema_editor):
    _convert(schema_editor, lambda fc, v: fc.decrypt(v), lambda v, fc: v.startswith(fc.PREFIX))


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0007_drop_redundant_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='petitioner',
            name='id_number',
            field=petitions.models.fields.EncryptedIdentityField(blank=True, max_length=100, verbose_name='身份证号'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AddIndex(
            model_name='petitioner',
            index=models.Index(fields=['id_number'], name='petitioner_id_token'),
        ),
    ]
