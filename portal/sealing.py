"""The secrets of the portal across the network gap (docs/architecture.md §7.2).

The internet side never holds a query code, a case's public facts or a petitioner's documents in
clear. The intranet seals each case's public sheet (``portal.public``) and documents with AES-256-GCM
under a key derived from the case's query code with scrypt and a per-case random salt
(``code_key``); the portal keeps the number, the salt and the sealed bytes. A visitor who types the
number and the right code derives the same key and opens the sheet; a wrong code fails the GCM tag,
which is the check of the code (so the mirror is keyed by the number and, in effect, a slow salted
hash of the code). The number is bound to every sealed blob as associated data, so a blob cannot be
moved to another number. scrypt makes each guess cost memory and time on top of the portal's
per-address limit: with the 31^10 codes (about 49 bits) of petitions/services/intake.py, a stolen
portal database does not yield the codes.

A request the petitioner makes on the unlocked case (evaluation, 复查/复核, a download) carries a
proof, HMAC-SHA-256 under the same key over the request (``item_proof``): the intranet, which
derived the key itself, applies a request only for a case whose code the requester held, so even a
compromised portal cannot act on cases whose codes it was never given.

A new online petition has no number or code until the intranet registers it. The portal gives the
petitioner a receipt code instead (``receipt_code_for``, 16 characters of the query-code alphabet,
about 79 bits), keeps only a hash of it for the look-up (``receipt_lookup``) and sends a key derived
from it (``receipt_key``) with the petition; the intranet answers with the number and query code
sealed under that key, which only the holder of the receipt code can open.
"""
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

SALT_BYTES = 16
KEY_BYTES = 32
NONCE_BYTES = 12
# What ``seal`` adds to the plaintext: the nonce and the GCM tag.
SEAL_OVERHEAD = NONCE_BYTES + 16
# scrypt's bounds accepted from a package (n a power of two): a signed package cannot make the portal
# spend more than about 64 MiB and a few hundred milliseconds on one look-up.
KDF_N_RANGE = (2 ** 4, 2 ** 16)
KDF_MAX_R = 16
KDF_MAX_P = 4
MAX_MEM = 128 * 1024 * 1024

# The query code's alphabet (petitions/services/intake.py), also used for receipt codes: no 0/O, 1/I/L.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 16
RECEIPT_KEY_SALT = "portal.sealing.receipt"


def kdf_params():
    """The scrypt parameters this instance seals with (settings.PORTAL_MIRROR_KDF)."""
    params = settings.PORTAL_MIRROR_KDF
    return {"n": int(params["n"]), "r": int(params["r"]), "p": int(params["p"])}


def kdf_valid(kdf):
    """True when ``kdf`` (from a package) is a parameter set within the accepted bounds."""
    try:
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    except (KeyError, TypeError, ValueError):
        return False
    return (KDF_N_RANGE[0] <= n <= KDF_N_RANGE[1] and n & (n - 1) == 0 and 1 <= r <= KDF_MAX_R
            and 1 <= p <= KDF_MAX_P)


def code_normalise(value):
    """A typed query or receipt code: white space and dashes removed, upper case."""
    return "".join((value or "").replace("-", " ").split()).upper()[:32]


def new_salt():
    return os.urandom(SALT_BYTES)


def code_key(code, *, salt, kdf):
    """The 32-byte key of a case's sealed data, from its query ``code`` (normalised), ``salt`` and
    scrypt parameters ``kdf``; raises ``ValueError`` for parameters out of bounds."""
    if not kdf_valid(kdf):
        raise ValueError("scrypt parameters out of bounds")
    return hashlib.scrypt(code_normalise(code).encode("ascii", "replace"), salt=bytes(salt), n=int(kdf["n"]),
                          r=int(kdf["r"]), p=int(kdf["p"]), maxmem=MAX_MEM, dklen=KEY_BYTES)


def seal(key, plaintext, *, aad):
    """nonce ‖ AES-256-GCM(plaintext), ``aad`` authenticated with it."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(bytes(key)).encrypt(nonce, bytes(plaintext), aad.encode())


def unseal(key, blob, *, aad):
    """The plaintext of ``seal``, or None when the key is wrong or the blob or ``aad`` differ."""
    blob = bytes(blob)
    if len(blob) < NONCE_BYTES + 16:
        return None
    try:
        return AESGCM(bytes(key)).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode())
    except InvalidTag:
        return None


def canonical(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_json(key, data, *, aad):
    return seal(key, canonical(data), aad=aad)


def unseal_json(key, blob, *, aad):
    plaintext = unseal(key, blob, aad=aad)
    return json.loads(plaintext.decode("utf-8")) if plaintext is not None else None


def case_aad(number):
    return f"case:{number}"


def document_aad(number, document_id):
    return f"document:{number}:{document_id}"


def receipt_aad(uid):
    return f"receipt:{uid}"


# --- requests on an unlocked case -----------------------------------------------------------------

def item_proof(key, *, uid, kind, number, data):
    """HMAC-SHA-256 (hex) under the case key over one request of the petitioner."""
    message = canonical({"uid": uid, "kind": kind, "number": number, "data": data})
    return hmac.new(bytes(key), message, hashlib.sha256).hexdigest()


def item_proof_ok(key, proof, *, uid, kind, number, data):
    expected = item_proof(key, uid=uid, kind=kind, number=number, data=data)
    return isinstance(proof, str) and hmac.compare_digest(expected.encode(), proof.encode())


# --- receipt codes of new petitions ---------------------------------------------------------------

def receipt_code_for(token):
    """The receipt code of the petition posted with form ``token``: derived from it under the
    portal's secret key, so a double post of the same form shows the same receipt."""
    value = int.from_bytes(salted_hmac(RECEIPT_KEY_SALT, token, algorithm="sha256").digest(), "big")
    chars = []
    for _i in range(RECEIPT_LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def receipt_display(code):
    """ABCD-EFGH-JKMN-PQRS: easier to copy out."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def receipt_lookup(code):
    """The hash the portal keeps to find a petition by its receipt code."""
    return hashlib.sha256(f"xf-portal-receipt-lookup:{code_normalise(code)}".encode()).hexdigest()


def receipt_key(code):
    """The key the intranet seals the number and query code under (sent with the petition)."""
    return hashlib.sha256(f"xf-portal-receipt-key:{code_normalise(code)}".encode()).digest()
