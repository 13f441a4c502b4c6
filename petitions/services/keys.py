"""Rotation of the field-encryption key (settings.FIELD_ENCRYPTION_KEY).

Everything encrypted with it is re-encrypted in one transaction: the identity numbers, phone
numbers and addresses of petitioners (petitions/lib/fieldcrypt.py) and the TOTP secrets of users
(accounts/otp.py). Equality lookups need every token under one key, so there is no mixed state:
either every row verifies with the old key and is rewritten under the new one, or nothing
changes. Run it in a maintenance window with the application stopped, then start the
application with the new key (README, "Security settings").
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts import otp
from accounts.audit import audit_record
from accounts.crypto import derive_keys
from accounts.exceptions import ServiceError
from accounts.models import User

from petitions.lib import fieldcrypt
from petitions.models import SavedSearch

BATCH = 5000


def _check_key(master_hex, label):
    try:
        derive_keys("field", "s1", master_hex)
    except ImproperlyConfigured:
        raise ServiceError(_("%(which)s不是64位十六进制密钥。") % {"which": label})


def _update_many(column, rows):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, f"UPDATE petitions_petitioner AS p SET {column} = v.token "
                                          "FROM (VALUES %s) AS v(token, id) WHERE p.id = v.id", rows, page_size=BATCH)
        else:
            cursor.executemany(f"UPDATE petitions_petitioner SET {column} = %s WHERE id = %s", rows)


# (column, token prefix, decrypt, encrypt, count name): everything of a petitioner under the key.
COLUMNS = (
    ("id_number", fieldcrypt.PREFIX, fieldcrypt.decrypt, fieldcrypt.encrypt, "identities"),
    ("phone", fieldcrypt.PREFIX, fieldcrypt.decrypt, fieldcrypt.encrypt, "phones"),
    ("address", fieldcrypt.SEALED_PREFIX, fieldcrypt.unseal, fieldcrypt.seal, "addresses"),
)


def _rotate_column(column, prefix, decrypt, encrypt, *, old_key, new_key, stream=None):
    done, last = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {column} FROM petitions_petitioner WHERE id > %s AND {column} LIKE %s "
                           "ORDER BY id LIMIT %s", [last, prefix + "%", BATCH])
            rows = cursor.fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        changed = []
        for pk, token in rows:
            try:
                plain = decrypt(token, master_hex=old_key)
            except ValueError:
                raise ServiceError(_("信访人记录 %(id)s 不能用旧密钥解密：旧密钥不对，或数据已被篡改；未做任何修改。")
                                   % {"id": pk})
            changed.append((encrypt(plain, master_hex=new_key), pk))
        _update_many(column, changed)
        done += len(changed)
        if stream is not None:
            stream.write(f"{done:,} {column}\n")


def field_key_rotate(*, old_key, new_key=None, actor=None, stream=None):
    """Re-encrypt every identity number, phone number, address and TOTP secret from ``old_key``
    to ``new_key`` (default: the configured key). Returns the counts (``identities``, ``phones``,
    ``addresses``, ``otp_secrets``); raises ServiceError and changes nothing if any row does not
    verify with the old key. Audit: ``security.field_key_rotate``."""
    new_key = new_key or settings.FIELD_ENCRYPTION_KEY
    _check_key(old_key, _("旧密钥"))
    _check_key(new_key, _("新密钥"))
    if old_key.lower() == new_key.lower():
        raise ServiceError(_("新旧密钥相同，无需轮换。"))
    counts = {"identities": 0, "phones": 0, "addresses": 0, "otp_secrets": 0}
    with transaction.atomic():
        for column, prefix, decrypt, encrypt, name in COLUMNS:
            counts[name] = _rotate_column(column, prefix, decrypt, encrypt, old_key=old_key, new_key=new_key,
                                          stream=stream)
        # Saved search criteria live for hours: dropped rather than re-encrypted.
        SavedSearch.objects.all().delete()
        for user in User.objects.exclude(otp_secret="").only("id", "otp_secret"):
            try:
                secret = otp.unseal(user.otp_secret, master_hex=old_key)
            except ValueError:
                raise ServiceError(_("用户 %(id)s 的两步验证密钥不能用旧密钥解密；未做任何修改。") % {"id": user.pk})
            User.objects.filter(pk=user.pk).update(otp_secret=otp.seal(secret, master_hex=new_key))
            counts["otp_secrets"] += 1
        audit_record(action="security.field_key_rotate", actor=actor,
                     summary=_("字段加密密钥轮换：身份证号%(identities)d条，电话%(phones)d条，地址%(addresses)d条，"
                               "两步验证密钥%(otp_secrets)d个") % counts,
                     data=counts, username="" if actor else "manage.py rotate_field_key")
    return counts
