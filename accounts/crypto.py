"""商用密码 primitives shared by the modules that keep secrets at rest (SM4, SM3).

- ``petitions/fieldcrypt.py``: identity numbers, deterministic (equality lookups);
- ``accounts/otp.py``: TOTP secrets, sealed with a random IV.

Keys are derived from ``settings.FIELD_ENCRYPTION_KEY`` (64 hex characters) with HMAC-SM3 and a
label per purpose and key generation, so each use has its own pair of keys.

Reuse per key (docs/performance.md §R3, §13): a token used to cost a fresh SM4 key schedule and
a fresh HMAC key set-up, a third of a 100,000-row Excel export. Each thread now keeps,
per key, one CBC decryptor and one keyed HMAC-SM3 state (``_per_key``), bounded and keyed by the
key bytes themselves, so two master keys, purposes or generations never share one. The tokens,
the keys and the checks are unchanged.
"""
import base64
import hmac
import os
import threading
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BLOCK = 16
TAG = 32


PER_KEY_LIMIT = 8  # keys live at once per thread: field s1/r1 and otp, two master keys while rotating

_local = threading.local()


def _per_key(kind, key, make):
    """This thread's ``make(key)`` for ``kind``, made once per key and reused.

    Keyed by the key bytes, so another master key, purpose or generation gets its own object
    (key rotation holds the old and the new key at once). Per thread, because a cipher or HMAC
    context is not safe to share between threads; after a fork the child's copy is its own.
    Bounded: cleared when ``PER_KEY_LIMIT`` keys are held.
    """
    store = _local.__dict__.setdefault(kind, {})
    obj = store.get(key)
    if obj is None:
        if len(store) >= PER_KEY_LIMIT:
            store.clear()
        obj = store[key] = make(key)
    return obj


def _hmac_state(key):
    return chmac.HMAC(key, hashes.SM3())


def sm3_hmac(key, data):
    """HMAC-SM3 of ``data``: a copy of the key's prepared HMAC state (the key set-up is done once
    per key and thread, as ``HMAC.copy`` is made for)."""
    mac = _per_key("hmac-sm3", key, _hmac_state).copy()
    mac.update(data)
    return mac.finalize()


@lru_cache(maxsize=16)
def _derive(master_hex, purpose, generation):
    try:
        master = bytes.fromhex(master_hex)
    except (TypeError, ValueError):
        master = b""
    if len(master) < 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 64 hexadecimal characters (32 random bytes).")
    enc = sm3_hmac(master, f"xf-{purpose}-enc-{generation}".encode())[:BLOCK]
    mac = sm3_hmac(master, f"xf-{purpose}-mac-{generation}".encode())
    return enc, mac


def derive_keys(purpose, generation, master_hex=None):
    """(SM4 key, HMAC-SM3 key) of ``purpose`` ("field", "otp") and key ``generation`` ("s1", "o1"),
    from ``master_hex`` or, by default, settings.FIELD_ENCRYPTION_KEY (key rotation passes both)."""
    return _derive(master_hex or settings.FIELD_ENCRYPTION_KEY, purpose, generation)


def sm4_cbc_encrypt(key, iv, data):
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def _cbc_decryptor(key):
    # The IV given here is never used for output: every call feeds its own IV block first.
    return Cipher(algorithms.SM4(key), modes.CBC(bytes(BLOCK))).decryptor()


def sm4_cbc_decrypt(key, iv, body):
    """Plaintext bytes of SM4-CBC ``body`` under ``iv``; ValueError on a malformed body or bad padding.

    In CBC, a plaintext block depends only on its ciphertext block and the block before it (the
    IV for the first). So one long-lived decryptor per key serves every token: it is fed
    ``iv + body``, and the first output block, which depends on what the previous call left in
    the chain, is dropped; the rest is exactly SM4-CBC decryption of ``body`` under ``iv``,
    done by the library. The key schedule is computed once per key instead of once per token.
    Only whole blocks are fed, so nothing is ever buffered from one call to the next.
    """
    if len(iv) != BLOCK or not body or len(body) % BLOCK:
        raise ValueError("not an SM4-CBC ciphertext (IV or body length)")
    padded = _per_key("sm4-cbc-dec", key, _cbc_decryptor).update(iv + body)[BLOCK:]
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def b64encode(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(data, *, purpose, generation, prefix, master_hex=None, iv=None):
    """Encrypt ``data`` (bytes) with a random IV: ``prefix`` + base64url(iv || ciphertext || tag),
    the tag an HMAC-SM3 over iv and ciphertext (encrypt-then-MAC). ``iv`` is for reproducible
    synthetic data only (the benchmark generator); real writes always draw a fresh one."""
    k_enc, k_mac = derive_keys(purpose, generation, master_hex)
    iv = iv if iv is not None else os.urandom(BLOCK)
    body = sm4_cbc_encrypt(k_enc, iv, data)
    return prefix + b64encode(iv + body + sm3_hmac(k_mac, iv + body))


def unseal(token, *, purpose, generation, prefix, master_hex=None):
    """The bytes sealed in ``token``; ValueError if it does not verify (tampered, or another key)."""
    if not token or not token.startswith(prefix):
        raise ValueError("not a sealed token")
    k_enc, k_mac = derive_keys(purpose, generation, master_hex)
    raw = b64decode(token[len(prefix):])
    iv, body, tag = raw[:BLOCK], raw[BLOCK:-TAG], raw[-TAG:]
    if len(body) < BLOCK or not hmac.compare_digest(sm3_hmac(k_mac, iv + body), tag):
        raise ValueError("sealed token does not verify (tampered, or another key)")
    return sm4_cbc_decrypt(k_enc, iv, body)
