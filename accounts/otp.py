"""Time-based one-time passwords (RFC 6238) for the second login factor (等保 身份鉴别 d).

Six digits, 30-second steps, HMAC-SHA-1: what every authenticator app expects. A code is
accepted for the current step and one step either side (clock drift), and never twice: the
caller stores the last accepted step and passes it back, and only later steps are accepted.

The shared secret is stored encrypted (``seal``/``unseal``): SM4-CBC with a random IV and an
HMAC-SM3 tag over IV and ciphertext (encrypt-then-MAC). Unlike the deterministic identity-number
scheme of ``petitions/fieldcrypt.py``, nothing here needs equality lookups, so two users with
the same secret would still get different tokens. Keys are derived from
``settings.FIELD_ENCRYPTION_KEY`` with their own labels.
"""
import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from urllib.parse import quote, urlencode

from django.conf import settings

from accounts import crypto

STEP = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length for HMAC-SHA-1
RECOVERY_CODE_COUNT = 8
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i

# --- RFC 4226 / RFC 6238 ---------------------------------------------------------------------


def hotp(key, counter, *, digits=DIGITS, digest=hashlib.sha1):
    """RFC 4226 HOTP value of ``counter`` as a zero-padded string."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def time_step(at=None):
    return int((time.time() if at is None else at) // STEP)


def totp(key, at=None, *, digits=DIGITS, digest=hashlib.sha1):
    """RFC 6238 TOTP value at Unix time ``at`` (now if None)."""
    return hotp(key, time_step(at), digits=digits, digest=digest)


def verify(key, code, *, last_step=None, at=None):
    """The time step ``code`` matches within ±WINDOW steps and after ``last_step``, or None."""
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def normalize_code(code):
    return "".join((code or "").split()).replace("-", "").lower()


def new_secret():
    return os.urandom(SECRET_BYTES)


def b32(key):
    """The secret as authenticator apps take it: base32 without padding."""
    return base64.b32encode(key).decode().rstrip("=")


def b32_grouped(key):
    text = b32(key)
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def provisioning_uri(key, *, account, issuer):
    """otpauth:// URI (Key Uri Format) for QR codes and apps that accept a link."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode({"secret": b32(key), "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def new_recovery_codes():
    """RECOVERY_CODE_COUNT one-time codes like ``k7m2-x9qp`` (40 bits each)."""
    return ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) + "-"
            + "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(RECOVERY_CODE_COUNT)]


# --- secret at rest --------------------------------------------------------------------------

PREFIX = "o1:"


def seal(key, master_hex=None):
    """Encrypt an OTP secret (bytes) for storage: ``o1:`` + base64url(iv || ciphertext || tag),
    SM4-CBC with a random IV and an HMAC-SM3 tag (accounts/crypto.py)."""
    return crypto.seal(key, purpose="otp", generation="o1", prefix=PREFIX, master_hex=master_hex)


def unseal(token, master_hex=None):
    """The OTP secret (bytes) of a stored token; ValueError if it does not verify."""
    return crypto.unseal(token, purpose="otp", generation="o1", prefix=PREFIX, master_hex=master_hex)


# --- policy ----------------------------------------------------------------------------------

def otp_required(user):
    """True if policy obliges ``user`` to use the second factor (OTP_REQUIRED_FOR_ALL, or holding
    any of OTP_REQUIRED_PERMISSIONS: by default the three 三员 administrator markers)."""
    if not user.is_authenticated:
        return False
    if settings.OTP_REQUIRED_FOR_ALL:
        return True
    return any(user.has_perm(p) for p in settings.OTP_REQUIRED_PERMISSIONS)
