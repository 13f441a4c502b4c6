"""Personal data encrypted at rest with 商用密码 (SM4, SM3): identity numbers, phone numbers and
addresses of petitioners.

docs/domain.md §9 (stored encrypted, displayed masked); §10 (等保 2.0 第三级, 数据保密性): important
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
import hmac

from accounts import crypto
from accounts.crypto import (
    BLOCK, b64decode, b64encode, derive_keys, sm3_hmac, sm4_cbc_decrypt, sm4_cbc_encrypt,
)

PREFIX = "s1:"
SEALED_PREFIX = "r1:"  # randomised tokens (addresses): no lookup, equal values look different


def keys(master_hex=None):
    return derive_keys("field", "s1", master_hex)


def encrypt(plaintext, master_hex=None):
    """The stored token of ``plaintext`` ('' stays '')."""
    if not plaintext:
        return plaintext
    k_enc, k_mac = keys(master_hex)
    data = plaintext.encode()
    iv = sm3_hmac(k_mac, data)[:BLOCK]
    return PREFIX + b64encode(iv + sm4_cbc_encrypt(k_enc, iv, data))


def decrypt(token, master_hex=None):
    """The plaintext of a stored token. A value without the prefix is returned as it is (rows
    written before encryption, until migration 0008 has converted them)."""
    if not token or not token.startswith(PREFIX):
        return token
    k_enc, k_mac = keys(master_hex)
    raw = b64decode(token[len(PREFIX):])
    iv, body = raw[:BLOCK], raw[BLOCK:]
    try:
        data = sm4_cbc_decrypt(k_enc, iv, body)
    except ValueError:
        data = b""
    if not data or not hmac.compare_digest(sm3_hmac(k_mac, data)[:BLOCK], iv):
        raise ValueError("identity token does not verify (tampered, or another key)")
    return data.decode()


def seal(plaintext, master_hex=None, iv=None):
    """A randomised token of ``plaintext`` ('' stays ''): SM4-CBC with a random IV and an
    HMAC-SM3 tag (``accounts.crypto.seal``). For values never searched by equality (addresses):
    two rows with the same address do not show it."""
    if not plaintext:
        return plaintext
    return crypto.seal(plaintext.encode(), purpose="field", generation="r1", prefix=SEALED_PREFIX,
                       master_hex=master_hex, iv=iv)


def unseal(token, master_hex=None):
    """The plaintext of a sealed token; a value without the prefix is returned as it is."""
    if not token or not token.startswith(SEALED_PREFIX):
        return token
    return crypto.unseal(token, purpose="field", generation="r1", prefix=SEALED_PREFIX,
                         master_hex=master_hex).decode()
