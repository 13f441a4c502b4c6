"""Keyed hash chains for the append-only logs (the audit log and the personal-data access log).

Each row of a chained log carries ``seq`` (1, 2, 3 … without gaps), ``prev_hash`` (the previous
row's ``row_hash``) and ``row_hash`` = HMAC-SHA-256 under ``settings.AUDIT_HMAC_KEY`` over the
chain's name, ``seq``, ``prev_hash`` and the canonical JSON of the row's covered fields. The key
lives in the environment, never in the database or its backups: whoever edits rows with the
triggers bypassed cannot recompute a chain that verifies, and ``manage.py verify_audit`` compares
the chain heads with the signed checkpoints kept outside the database (``accounts/checkpoints.py``).

Pure functions on rows and settings: the model base class (``accounts.models.ChainedLog``), the
migrations that converted existing rows and the verifier all compute the same MAC here.
"""
import hashlib
import hmac
import json
import os
import re
from datetime import datetime
from datetime import timezone as dt_timezone
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

GENESIS_HASH = "0" * 64
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


@lru_cache(maxsize=4)
def _read_or_create_secret(path):
    """Outside production: a random 32-byte key kept (hex) at ``path``, created on first use with mode
    0600, so every process on a development machine chains with the same key."""
    path = str(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    with open(path) as handle:
        return handle.read().strip()


def hmac_key():
    """The chain key (32 bytes) from ``settings.AUDIT_HMAC_KEY`` (64 hex characters).

    Without it, development and test settings use ``settings.AUDIT_LOCAL_HMAC_KEY_PATH`` (created
    on first use); production settings refuse to start without the variable."""
    value = getattr(settings, "AUDIT_HMAC_KEY", None)
    if not value:
        if not getattr(settings, "AUDIT_CREATE_MISSING_KEYS", False):
            raise ImproperlyConfigured("Set DJANGO_AUDIT_HMAC_KEY (64 hex characters) to write or verify the audit chain.")
        path = settings.AUDIT_LOCAL_HMAC_KEY_PATH
        os.makedirs(os.path.dirname(str(path)), exist_ok=True)
        value = _read_or_create_secret(path)
    if not _HEX_KEY.fullmatch(value):
        raise ImproperlyConfigured("DJANGO_AUDIT_HMAC_KEY must be 64 hex characters (32 random bytes).")
    return bytes.fromhex(value)


def _value(field, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat(timespec="microseconds")
    return value


def normalise(row, fields):
    """Bring the covered values to the form the database gives back, so that what is hashed
    before the INSERT is what a later read hashes: JSON through a round trip, IPv6 addresses
    compressed as the column stores them."""
    for name in fields:
        field = row._meta.get_field(name)
        value = getattr(row, field.attname)
        if value is None:
            continue
        if isinstance(field, models.JSONField):
            setattr(row, field.attname, json.loads(json.dumps(value, ensure_ascii=False, default=str)))
        elif isinstance(field, models.GenericIPAddressField):
            setattr(row, field.attname, field.get_prep_value(value))


def canonical(row, fields):
    """Canonical JSON of the covered fields (stable key order, foreign keys as ids, UTC ISO times)."""
    payload = {}
    for name in fields:
        field = row._meta.get_field(name)
        payload[field.attname] = _value(field, getattr(row, field.attname))
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_mac(chain, seq, prev_hash, row, fields, key=None):
    """HMAC-SHA-256 (hex) binding a row to its chain, its position and its predecessor."""
    message = f"{chain}\n{seq}\n{prev_hash}\n{canonical(row, fields)}".encode("utf-8")
    return hmac.new(key or hmac_key(), message, hashlib.sha256).hexdigest()


def legacy_hash(prev_hash, row, fields):
    """The unkeyed SHA-256 chain of the audit log before accounts migration 0006 (read once, by it)."""
    return hashlib.sha256((prev_hash + canonical(row, fields)).encode("utf-8")).hexdigest()


# --- conversions (migrations, with historical models) ------------------------------------------------

def rechain_rows(model, head_model, name, fields, ordering, *, prepare=None, prepared=(), batch_size=1000):
    """Number, link and MAC every row of ``model`` in ``ordering`` and create the chain's head row.

    For the migrations that turned existing tables into chained logs (the append-only triggers are
    not installed yet when they run). ``prepare(row)`` may fill columns first; the ones it fills are
    named in ``prepared`` and saved with the chain columns. Returns ``(rows, last_hash)``."""
    key = hmac_key()
    prev, seq, last_id = GENESIS_HASH, 0, 0
    columns = ["seq", "prev_hash", "row_hash", *prepared]
    # The order first, then the rows batch by batch: no cursor stays open over the rows being updated.
    order = list(model.objects.order_by(*ordering).values_list("pk", flat=True))
    for start in range(0, len(order), batch_size):
        pks = order[start:start + batch_size]
        rows = model.objects.in_bulk(pks)
        batch = [rows[pk] for pk in pks]
        for row in batch:
            if prepare is not None:
                prepare(row)
            seq += 1
            row.seq, row.prev_hash = seq, prev
            row.row_hash = row_mac(name, seq, prev, row, fields, key)
            prev, last_id = row.row_hash, row.pk
        model.objects.bulk_update(batch, columns)
    head_model.objects.create(chain=name, seq=seq, last_id=last_id, last_hash=prev)
    return seq, prev


def append_row(model, head_model, name, fields, **values):
    """Append one row to a chain with historical models (what ``ChainedLog.save`` does at run time)."""
    head = head_model.objects.select_for_update().filter(chain=name).first()
    if head is None:
        head = head_model.objects.create(chain=name, seq=0, last_id=0, last_hash=GENESIS_HASH)
    row = model(**values)
    normalise(row, fields)
    row.seq, row.prev_hash = head.seq + 1, head.last_hash
    row.row_hash = row_mac(name, row.seq, row.prev_hash, row, fields)
    row.save()
    head_model.objects.filter(chain=name).update(seq=row.seq, last_hash=row.row_hash, last_id=row.pk)
    return row
