"""Identity numbers encrypted at rest with 商用密码 (SM4, SM3).

DOMAIN.md §9: "Store the ID encrypted; display masked"; §10 (等保 2.0 第三级, 数据保密性): important
personal information is protected by cryptography in storage. A stolen database file or backup
shows no identity number.

Scheme ``s1``: deterministic authenticated encryption in the SIV manner, so that equality
lookups (信访查询 by ID number, the earlier-cases panel, repeat detection) still work on the
stored value and need no plaintext index:

    iv    = HMAC-SM3(k_mac, plaintext)[:16]        (synthetic IV: same plaintext, same token)
    token = "s1:" + base64url(iv || SM4-CBC(k_enc, iv, PKCS7(plaintext)))

Decryption recomputes the HMAC and refuses a token whose IV does not match (tampering or a
wrong key). What it reveals is only what an exact-match index must reveal: which rows hold the
same number. Keys are derived from ``settings.FIELD_ENCRYPTION_KEY`` (64 hex characters) with
HMAC-SM3; the ``s1`` prefix names the scheme and key generation for a later rotation.
"""
import base64
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "s1:"
BLOCK = 16


def _sm3_hmac(key, data):
    mac = chmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@lru_cache(maxsize=4)
def _keys(master_hex):
    try:
        master = bytes.fromhex(master_hex)
    except (TypeError, ValueError):
        master = b""
    if len(master) < 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 64 hexadecimal characters (32 random bytes).")
    return _sm3_hmac(master, b"xf-field-enc-s1")[:BLOCK], _sm3_hmac(master, b"xf-field-mac-s1")


def keys():
    return _keys(settings.FIELD_ENCRYPTION_KEY)


def encrypt(plaintext):
    """The stored token of ``plaintext`` ('' stays '')."""
    if not plaintext:
        return plaintext
    k_enc, k_mac = keys()
    data = plaintext.encode()
    iv = _sm3_hmac(k_mac, data)[:BLOCK]
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.SM4(k_enc), modes.CBC(iv)).encryptor()
    body = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    return PREFIX + base64.urlsafe_b64encode(iv + body).decode().rstrip("=")


def decrypt(token):
    """The plaintext of a stored token. A value without the prefix is returned as it is (rows
    written before encryption, until migration 0009 has converted them)."""
    if not token or not token.startswith(PREFIX):
        return token
    k_enc, k_mac = keys()
    raw = base64.urlsafe_b64decode(token[len(PREFIX):] + "=" * (-len(token[len(PREFIX):]) % 4))
    iv, body = raw[:BLOCK], raw[BLOCK:]
    decryptor = Cipher(algorithms.SM4(k_enc), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        data = unpadder.update(decryptor.update(body) + decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        data = b""
    if not data or not hmac.compare_digest(_sm3_hmac(k_mac, data)[:BLOCK], iv):
        raise ValueError("identity token does not verify (tampered, or another key)")
    return data.decode()
