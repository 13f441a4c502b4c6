"""The browser check of the online petition form: a self-hosted proof of work (ALTCHA's open
protocol, version 1). No third-party service, and nothing to read from an image: a machine passes
it only by spending the CPU time a visitor's browser spends.

Issue (``challenge_issue``). A secret number n is drawn uniformly in [0, PORTAL_POW_MAX_NUMBER]
and a random salt carrying its expiry, ``<24 hex digits>?expires=<unix time>&``. The challenge is
the hex SHA-256 of ``salt + str(n)``, signed with HMAC-SHA-256 under a key derived from SECRET_KEY
(``salted_hmac``, its own key salt). n is kept nowhere: every page load gets a new salt and a new n.

Solve (static/js/portal_pow_worker.js in the browser, ``challenge_solve`` here). Try 0, 1, 2, …
until the hash matches: on average PORTAL_POW_MAX_NUMBER / 2 hashes. The form posts
base64(JSON {algorithm, challenge, number, salt, signature}) in its hidden field ``altcha``.

Verify (``challenge_check`` without the database, ``challenge_verify`` with it). The payload's
shape, the salt's exact format (so no digit can move between salt and number), the signature of
the challenge, the hash of salt + number, the expiry carried by the salt (bound by the hash, which
the signature binds), and, last, that the challenge was not used before: its hash is inserted into
``PortalChallengeUse`` under a unique constraint, so a solution is accepted once across every
worker; rows are removed once their challenge has expired. Every check of a post uses the
challenge up, right or wrong (the page then brings a new one).

Why not the ``altcha`` package: the protocol is these few lines of hashlib and hmac, the package
moved through three incompatible major versions in a year (the version-1 API is now
``*_v1``), and the replay store, the part that matters here, is ours either way (README).
"""
import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import datetime, timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from portal.models import PortalChallengeUse

ALGORITHM = "SHA-256"
KEY_SALT = "portal.captcha.challenge"
SALT = re.compile(r"^[0-9a-f]{24}\?expires=([0-9]{10})&$")
MAX_PAYLOAD = 1000  # characters of the posted field; a real one is about 250

# Outcomes of a check, besides None (accepted); portal.forms words each for the visitor.
MISSING, INVALID, EXPIRED, REPLAYED = "missing", "invalid", "expired", "replayed"


def _signature(challenge):
    return salted_hmac(KEY_SALT, challenge, algorithm="sha256").hexdigest()


def _hash(salt, number):
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def challenge_issue(*, now=None, max_number=None):
    """A new challenge: the dict the browser's worker solves (ALTCHA's field names)."""
    now = time.time() if now is None else now
    max_number = settings.PORTAL_POW_MAX_NUMBER if max_number is None else max_number
    salt = f"{secrets.token_hex(12)}?expires={int(now) + settings.PORTAL_POW_TTL_SECONDS}&"
    challenge = _hash(salt, secrets.randbelow(max_number + 1))
    return {"algorithm": ALGORITHM, "challenge": challenge, "maxnumber": max_number, "salt": salt,
            "signature": _signature(challenge)}


def challenge_solve(challenge):
    """The number that solves ``challenge`` by brute force, as a bot in Python would find it
    (the tests and bench/portal_pow.py), or None."""
    prefix, target = challenge["salt"].encode(), bytes.fromhex(challenge["challenge"])
    for number in range(challenge["maxnumber"] + 1):
        if hashlib.sha256(prefix + b"%d" % number).digest() == target:
            return number
    return None


def solution_payload(challenge, number):
    """What the browser posts for ``number`` as the answer to ``challenge``."""
    data = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**data, "number": number}).encode()).decode()


def challenge_check(payload, *, now=None):
    """Check a posted solution without the database: ``(None, challenge, expires)`` if it is a
    correct, unexpired answer to a challenge this server signed, else ``(outcome, None, None)``."""
    if not payload:
        return MISSING, None, None
    try:
        if len(payload) > MAX_PAYLOAD:
            raise ValueError
        data = json.loads(base64.b64decode(payload, validate=True))
        algorithm, challenge, salt = data["algorithm"], data["challenge"], data["salt"]
        number, signature = data["number"], data["signature"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        return INVALID, None, None
    if (algorithm != ALGORITHM or not all(isinstance(v, str) for v in (challenge, salt, signature))
            or type(number) is not int or number < 0):
        return INVALID, None, None
    match = SALT.match(salt)
    if (match is None or not hmac.compare_digest(signature.encode(), _signature(challenge).encode())
            or not hmac.compare_digest(_hash(salt, number).encode(), challenge.encode())):
        return INVALID, None, None
    expires = int(match.group(1))
    if expires < (time.time() if now is None else now):
        return EXPIRED, None, None
    return None, challenge, expires


def challenge_verify(payload, *, now=None):
    """None if ``payload`` correctly answers an unexpired challenge of this server that was never
    used before (and marks it used), else MISSING, INVALID, EXPIRED or REPLAYED."""
    outcome, challenge, expires = challenge_check(payload, now=now)
    if outcome is not None:
        return outcome
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    PortalChallengeUse.objects.filter(expires_at__lt=moment).delete()
    try:
        with transaction.atomic():
            PortalChallengeUse.objects.create(
                challenge=challenge, expires_at=datetime.fromtimestamp(expires, tz=timezone.utc))
    except IntegrityError:
        return REPLAYED
    return None
