"""商用密码 primitives shared by the modules that keep secrets at rest (SM4, SM3).

- ``petitions/fieldcrypt.py``: identity numbers, deterministic (equality lookups);
- ``accounts/otp.py``: TOTP secrets, sealed with a random IV.

Keys are derived from ``settings.FIELD_ENCRYPTION_KEY`` (64 hex characters) with HMAC-SM3 and a
label per purpose and key generation, so each use has its own pair of keys.
"""
import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BLOCK = 16
TAG = 32


def sm3_hmac(key, data):
    mac = chmac.HMAC(key, hashes.SM3())
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


def sm4_cbc_decrypt(key, iv, body):
    """Plaintext bytes; ValueError on bad padding."""
    decryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(body) + decryptor.finalize()) + unpadder.finalize()


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
