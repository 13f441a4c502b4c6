"""Signed checkpoints of the chain heads, kept outside the database (README: 审计).

A checkpoint is one JSON file in ``settings.AUDIT_CHECKPOINT_DIR``, written once and never
rewritten (created under a unique name, then linked into place)::

    {"checkpoint": {"time": "2026-03-01T08:00:00.000000+00:00",
                    "chains": {"audit": {"seq": 1234, "hash": "…"}, "caseview": {"seq": 99, "hash": "…"}}},
     "public_key": "<base64 raw Ed25519 public key>",
     "signature": "<base64 Ed25519 signature over the canonical JSON of "checkpoint">"}

``manage.py audit_checkpoint`` writes one (cron, hourly) and ``verify_audit`` writes one after every
successful check. The auditor keeps the directory (a mount the application can add files to but
not change, or copies taken away): a checkpoint records that row ``seq`` of a chain had hash
``hash`` at that time. ``verify_audit`` then reports a chain that is now shorter than a checkpoint
(rows removed from the end and the head moved back, or the tables truncated), a chain whose row at
a checkpoint's ``seq`` has another hash (recomputed), and a checkpoint whose signature does not
verify under the expected public key (forged or altered).

The signing key (Ed25519, PKCS#8 PEM, mode 0600) is ``settings.AUDIT_SIGNING_KEY_PATH``:
``manage.py audit_checkpoint --keygen`` makes it and prints the public key for the auditor, who can
check the checkpoints with it (``verify_audit --public-key``) without trusting the server's copy.
"""
import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import timezone as dt_timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from accounts.audit import chained_models, ranges_from, verify_chains
from accounts.models import ChainHead

SUFFIX = ".json"


# --- keys --------------------------------------------------------------------------------------------

def public_key_text(public_key):
    """Base64 of the raw 32-byte public key."""
    return base64.b64encode(public_key.public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw)).decode("ascii")


def public_key_load(text):
    """A public key from its base64 text; ``ValueError`` when it is not a raw Ed25519 key."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))


def key_generate(path=None, *, overwrite=False):
    """Create the signing key (PEM, PKCS#8, mode 0600); return the public key text. Refuses to
    replace an existing key unless ``overwrite`` (the auditor would have to take the new public key)."""
    path = Path(path or settings.AUDIT_SIGNING_KEY_PATH)
    if path.exists() and not overwrite:
        raise FileExistsError(str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.replace(tmp, path)
    return public_key_text(key.public_key())


def signing_key():
    """The signing key; outside production a missing one is created first (``AUDIT_CREATE_MISSING_KEYS``)."""
    path = Path(settings.AUDIT_SIGNING_KEY_PATH)
    if not path.exists():
        if not settings.AUDIT_CREATE_MISSING_KEYS:
            raise ImproperlyConfigured(f"No audit signing key at {path}: run `manage.py audit_checkpoint --keygen` "
                                       f"and give the printed public key to the auditor.")
        try:
            key_generate(path)
        except FileExistsError:
            pass  # another process made it meanwhile
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
    return key


# --- writing -----------------------------------------------------------------------------------------

def _canonical(payload):
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def checkpoint_write(heads, *, directory=None, key=None, now=None, archive=None):
    """Write a signed checkpoint of ``heads`` ({chain: (seq, hash)}); return its path.

    ``archive`` makes it an archive checkpoint (accounts/partition_archive.py): {"year": …,
    "archived": {chain: [[first, last, hash of last], …]}}, the rows of the chains that leave the
    database with that year; ``verify_audit`` then verifies the first row after each range from it."""
    directory = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    key = key or signing_key()
    now = now or timezone.now()
    payload = {"time": now.isoformat(timespec="microseconds"),
               "chains": {name: {"seq": seq, "hash": last_hash} for name, (seq, last_hash) in sorted(heads.items())}}
    if archive is not None:
        payload["archive"] = archive
    document = {"checkpoint": payload, "public_key": public_key_text(key.public_key()),
                "signature": base64.b64encode(key.sign(_canonical(payload))).decode("ascii")}
    stamp = now.astimezone(dt_timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    final = directory / f"{stamp}-{secrets.token_hex(4)}{SUFFIX}"
    tmp = directory / f".{final.name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(tmp, final)  # fails rather than replace an existing file
    finally:
        os.unlink(tmp)
    os.chmod(final, 0o440)
    return final


# --- reading and comparing ---------------------------------------------------------------------------

@dataclass
class Checkpoint:
    name: str
    time: str
    chains: dict  # {chain: (seq, hash)}
    archived: list = field(default_factory=list)  # accounts.audit.ArchivedRange, of an archive checkpoint


class BadCheckpoint(Exception):
    """A checkpoint file that is unreadable or not signed by the expected key."""


def checkpoint_files(directory=None):
    directory = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))


def checkpoint_read(path, public_key):
    """Parse and verify one checkpoint file; raises ``BadCheckpoint``."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        payload = document["checkpoint"]
        signature = base64.b64decode(document["signature"], validate=True)
        chains = {name: (int(head["seq"]), str(head["hash"])) for name, head in payload["chains"].items()}
        time = str(payload["time"])
        archived = ranges_from((payload.get("archive") or {}).get("archived"), f"checkpoint {Path(path).name}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadCheckpoint(f"unreadable ({exc.__class__.__name__})") from None
    if document.get("public_key") != public_key_text(public_key):
        raise BadCheckpoint("signed by another key: forged, or the signing key was replaced")
    try:
        public_key.verify(signature, _canonical(payload))
    except InvalidSignature:
        raise BadCheckpoint("bad signature: the checkpoint was forged or altered") from None
    return Checkpoint(Path(path).name, time, chains, archived)


def compare(checkpoints, heads, row_hashes, archived=()):
    """Problems of the chains against the checkpoints, as messages.

    ``heads``: {chain: seq of the verified head}; ``row_hashes(chain, seqs)``: {seq: row_hash} of the
    rows that exist among ``seqs``. A chain missing from ``heads`` counts as empty. Rows within the
    ``archived`` ranges (verified before their year was archived) are not looked for.
    """
    problems = []
    wanted = {}

    def gone(name, seq):
        return any(r.chain == name and r.first <= seq <= r.last for r in archived)

    for checkpoint in checkpoints:
        for name, (seq, _hash) in checkpoint.chains.items():
            if 0 < seq <= heads.get(name, 0) and not gone(name, seq):
                wanted.setdefault(name, set()).add(seq)
    present = {name: row_hashes(name, sorted(seqs)) for name, seqs in wanted.items()}
    for checkpoint in checkpoints:
        for name, (seq, expected) in sorted(checkpoint.chains.items()):
            head = heads.get(name, 0)
            if seq > head:
                problems.append(
                    f"checkpoint {checkpoint.name} ({checkpoint.time}): the {name} chain had row {seq}, it now ends "
                    f"at row {head}: rows were removed from the end (tail deleted and head moved back, or truncated)")
            elif seq and not gone(name, seq) and present.get(name, {}).get(seq) != expected:
                problems.append(
                    f"checkpoint {checkpoint.name} ({checkpoint.time}): row {seq} of the {name} chain no longer has "
                    f"the hash it had: the chain was recomputed")
    return problems


# --- the two commands' work --------------------------------------------------------------------------

def _row_hashes(name, seqs):
    model = next(m for m in chained_models() if m.CHAIN == name)
    found = {}
    for start in range(0, len(seqs), 1000):
        found.update(model.objects.filter(seq__in=seqs[start:start + 1000]).values_list("seq", "row_hash"))
    return found


@dataclass
class Report:
    """What ``verify_audit`` found: the verified heads, the first break of each chain, the problems
    against the checkpoints, and how many checkpoints were read."""

    states: list
    breaks: list
    problems: list = field(default_factory=list)
    checkpoints: int = 0

    @property
    def ok(self):
        return not self.breaks and not self.problems

    def heads(self):
        return {state.chain: (state.seq, state.last_hash) for state in self.states}


def verify_all(*, public_key=None, directory=None):
    """Verify every chain (``accounts.audit.verify_chains``) and compare it with every checkpoint in
    ``directory``, checked against ``public_key`` (default: the signing key's)."""
    public_key = public_key or signing_key().public_key()
    checkpoints, problems = [], []
    for path in checkpoint_files(directory):
        try:
            checkpoints.append(checkpoint_read(path, public_key))
        except BadCheckpoint as exc:
            problems.append(f"checkpoint {path.name}: {exc}")
    # Archive checkpoints vouch for the rows of archived years (signed, so only a valid one counts).
    states, breaks = verify_chains(archived=[r for c in checkpoints for r in c.archived])
    report = Report(states, breaks, problems, len(checkpoints))
    # Rows are compared only up to each verified head: a broken chain is reported by its walk.
    report.problems += compare(checkpoints, {s.chain: s.seq for s in states}, _row_hashes,
                               [r for s in states for r in s.archived])
    return report


def checkpoint_heads_now(*, directory=None):
    """Write a checkpoint of the current heads (the hourly cron job) and return its path.

    Cheap: reads each head and checks that its row exists with the head's hash and a valid MAC;
    refuses (``ValueError``) when not, so a moved head is never signed."""
    heads = {}
    with transaction.atomic():
        for model in chained_models():
            head = ChainHead.objects.filter(chain=model.CHAIN).first()
            if head is None or head.seq == 0:
                heads[model.CHAIN] = (0, head.last_hash if head else "0" * 64)
                continue
            row = model.objects.filter(seq=head.seq).first()
            if row is None or row.row_hash != head.last_hash or row.id != head.last_id or not row.mac_matches():
                raise ValueError(f"the head of the {model.CHAIN} chain does not match its last row: "
                                 f"run verify_audit")
            heads[model.CHAIN] = (head.seq, head.last_hash)
    return checkpoint_write(heads, directory=directory)
