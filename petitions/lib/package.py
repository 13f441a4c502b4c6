"""The package format, the instance key and the checks made before any row is read.

A package is a zip with these members and no others:

``manifest.json``  schema version, source organization code, period, creation time, row
                   counts and the SHA-256 of every other member (except the signature);
``manifest.sig``   base64 Ed25519 signature of the exact bytes of ``manifest.json``;
``cases.jsonl``    one case per line (petitioners and attachment metadata inside);
``events.jsonl``   one trail event per line;
``attachments/<sha256>``  the attachment files, named by their content hash.

Only the manifest is signed; it binds every other member through its hash, so a changed,
added or removed member is refused. Reading is bounded: the upload size, the number of
members, each member's declared and actual size (a lying zip header cannot inflate past the
limit) and member names (no absolute paths, no ``..``, only the names above).

*Sealed packages* (schema 2, ``sealed_write`` / ``sealed_read``) are the same envelope for
any content: the manifest carries a header chosen by the caller (kind, sender, receiver,
sequence …), row sets ``<name>.jsonl`` and files ``files/<sha256>``, with the same signature,
hash, size and name checks. The packages between instances (petitions/services/instances.py,
docs/architecture.md §6.2) use them; the period packages above keep schema 1.
"""
import base64
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CASES = "cases.jsonl"
EVENTS = "events.jsonl"
ATTACHMENT_DIR = "attachments/"
ATTACHMENT_NAME = re.compile(r"^attachments/[0-9a-f]{64}$")
MAX_MEMBERS = 100_000
# The manifest and the signature are small; a large one is an attack, not a package.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 64 * 1024


class PackageRejected(ServiceError):
    """The whole package was refused before any row was written."""

    code = "package_rejected"


# Stable codes of the refusals (tests and the audit row name them).
BAD_ZIP = "bad_zip"
TOO_LARGE = "too_large"
BAD_MEMBER = "bad_member"
BAD_MANIFEST = "bad_manifest"
BAD_SCHEMA = "bad_schema"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
HASH_MISMATCH = "hash_mismatch"
COUNT_MISMATCH = "count_mismatch"
BAD_ROW = "bad_row"


# ---------------------------------------------------------------- keys

def public_key_text(public_key):
    """Base64 of the raw 32-byte public key (what the receiver registers)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_fingerprint(text):
    """Short stable id of a public key (base64 raw Ed25519): the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(text)).hexdigest()[:16]


def public_key_load(text):
    """Parse a registered public key; raises ``ValueError`` when it is not a raw Ed25519 key."""
    raw = base64.b64decode(text.strip(), validate=True)
    return Ed25519PublicKey.from_public_bytes(raw)


def key_generate(path=None, *, overwrite=False):
    """Create this instance's signing key (PEM, PKCS#8) with mode 0600; return the public key text.

    Refuses to replace an existing key unless ``overwrite`` (receivers would have to
    register the new public key)."""
    path = path or settings.EXCHANGE_PRIVATE_KEY_PATH
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return public_key_text(key.public_key())


def key_rotate(path=None, *, now):
    """Key change: keep the current key as ``<path>.retired-<YYYYmmddHHMMSS>`` (mode 0600) and create
    a new one at ``path``; return (public key text, retired path). Packages signed before keep
    verifying at the receiver as long as it keeps the old public key active
    (docs/architecture.md §6.2, "Key change")."""
    path = str(path or settings.EXCHANGE_PRIVATE_KEY_PATH)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    retired = f"{path}.retired-{now:%Y%m%d%H%M%S}"
    os.replace(path, retired)
    try:
        return key_generate(path), retired
    except BaseException:
        os.replace(retired, path)
        raise


def private_key_load(path=None):
    path = path or settings.EXCHANGE_PRIVATE_KEY_PATH
    with open(path, "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


# ---------------------------------------------------------------- writing

def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
                   for r in rows).encode("utf-8")


def package_write(out, *, private_key, source_org, period, created_at, cases, events, attachments):
    """Write a signed package to the binary file ``out``.

    ``cases``/``events`` are lists of JSON-ready dicts; ``attachments`` maps sha256 → an
    open-able path. Returns the manifest dict."""
    members = {CASES: jsonl(cases), EVENTS: jsonl(events)}
    files = {name: sha256_hex(data) for name, data in members.items()}
    for sha in attachments:
        files[ATTACHMENT_DIR + sha] = sha
    manifest = {
        "schema": SCHEMA_VERSION, "source_org": source_org,
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "created_at": created_at.isoformat(),
        "counts": {"cases": len(cases), "events": len(events),
                   "petitioners": sum(len(c["petitioners"]) for c in cases),
                   "attachments": sum(len(c["attachments"]) for c in cases)},
        "files": files,
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = base64.b64encode(private_key.sign(manifest_bytes))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature)
        for name, data in members.items():
            archive.writestr(name, data)
        for sha, path in attachments.items():
            # Attachments are scans and photos, already compressed.
            archive.write(path, ATTACHMENT_DIR + sha, compress_type=zipfile.ZIP_STORED)
    return manifest


# ---------------------------------------------------------------- reading

@dataclass
class Package:
    """A verified package: the manifest, its rows and an accessor for attachment bytes."""

    manifest: dict
    cases: list
    events: list
    archive: zipfile.ZipFile
    key_id: int = 0
    attachment_names: set = field(default_factory=set)

    @property
    def source_org(self):
        return self.manifest["source_org"]

    def attachment_bytes(self, sha):
        """The attachment's bytes, hashed again as they are read for storing."""
        data = _read_member(self.archive, self.archive.getinfo(ATTACHMENT_DIR + sha), settings.ATTACHMENT_MAX_BYTES)
        if sha256_hex(data) != sha:
            raise PackageRejected(_("数据包文件 %(name)s 的校验值不符（已被篡改或损坏），已拒收。")
                                  % {"name": ATTACHMENT_DIR + sha}, code=HASH_MISMATCH)
        return data


def _safe_name(name):
    """Only the member names of the format: no directories, absolute paths or ``..``."""
    if name in (MANIFEST, SIGNATURE, CASES, EVENTS):
        return True
    return bool(ATTACHMENT_NAME.match(name))


def _read_member(archive, info, limit):
    """Read at most ``limit`` bytes of a member, whatever its header claims."""
    if info.file_size > limit:
        raise PackageRejected(_("数据包中的文件超过大小上限，已拒收。"), code=TOO_LARGE)
    buf = io.BytesIO()
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            buf.write(chunk)
            if buf.tell() > limit:
                raise PackageRejected(_("数据包中的文件超过大小上限，已拒收。"), code=TOO_LARGE)
    return buf.getvalue()


def _members(archive, max_total):
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageRejected(_("数据包内文件数量异常，已拒收。"), code=TOO_LARGE)
    names = set()
    for info in infos:
        if not _safe_name(info.filename) or info.filename in names or info.is_dir():
            raise PackageRejected(_("数据包含有不允许的文件名，已拒收。"), code=BAD_MEMBER)
        names.add(info.filename)
    if sum(i.file_size for i in infos) > max_total:
        raise PackageRejected(_("数据包解压后体积异常（疑似压缩炸弹），已拒收。"), code=TOO_LARGE)
    if MANIFEST not in names or SIGNATURE not in names:
        raise PackageRejected(_("数据包缺少清单或签名，已拒收。"), code=BAD_MANIFEST)
    return {i.filename: i for i in infos}


def _jsonl_rows(data):
    try:
        rows = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError):
        rows = None
    if rows is None or not all(isinstance(r, dict) for r in rows):
        raise PackageRejected(_("数据包中的数据行无法解析，已拒收。"), code=BAD_ROW)
    return rows


def package_read(fileobj, *, size, keys_for):
    """Open and verify a package; return a ``Package`` or raise ``PackageRejected``.

    ``keys_for(org_code)`` returns ``[(key_id, public_key_text), ...]`` of the *active*
    keys trusted for that organization. Checks, in order: upload size, zip structure and
    member names and sizes, manifest shape and schema version, signature by one of the
    sender's keys, SHA-256 of every member, row counts. Reads no other database row."""
    max_total = settings.EXCHANGE_MAX_BYTES
    if size > max_total:
        raise PackageRejected(_("数据包超过大小上限，已拒收。"), code=TOO_LARGE)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageRejected(_("不是有效的数据包（zip）文件。"), code=BAD_ZIP) from None
    try:
        infos = _members(archive, max_total)
        manifest_bytes = _read_member(archive, infos[MANIFEST], MAX_MANIFEST_BYTES)
        signature_text = _read_member(archive, infos[SIGNATURE], 1024)
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST) from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) \
                or not isinstance(manifest.get("source_org"), str) or not isinstance(manifest.get("counts"), dict):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST)
        if manifest.get("schema") != SCHEMA_VERSION:
            raise PackageRejected(_("数据包格式版本 %(v)s 不受支持（本系统为 %(ours)s）。")
                                  % {"v": manifest.get("schema"), "ours": SCHEMA_VERSION}, code=BAD_SCHEMA)
        keys = keys_for(manifest["source_org"])
        if not keys:
            raise PackageRejected(_("发送机构 %(org)s 没有已登记的有效公钥，已拒收。")
                                  % {"org": manifest["source_org"]}, code=UNKNOWN_KEY)
        key_id = _verify_signature(keys, manifest_bytes, signature_text)
        rows = _verify_members(archive, infos, manifest)
    except BaseException:
        archive.close()
        raise
    return Package(manifest=manifest, cases=rows[CASES], events=rows[EVENTS], archive=archive, key_id=key_id,
                   attachment_names={n for n in infos if n.startswith(ATTACHMENT_DIR)})


def _verify_signature(keys, manifest_bytes, signature_text):
    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except ValueError:
        signature = b""
    for key_id, text in keys:
        try:
            public_key_load(text).verify(signature, manifest_bytes)
            return key_id
        except (InvalidSignature, ValueError):
            continue
    raise PackageRejected(_("数据包签名验证失败（签名不符或不是该机构的密钥），已拒收。"), code=BAD_SIGNATURE)


def _verify_members(archive, infos, manifest):
    listed = manifest["files"]
    present = set(infos) - {MANIFEST, SIGNATURE}
    if set(listed) != present or CASES not in present or EVENTS not in present:
        raise PackageRejected(_("数据包文件与清单不一致，已拒收。"), code=HASH_MISMATCH)
    rows = {}
    for name in sorted(present):
        limit = settings.ATTACHMENT_MAX_BYTES if name.startswith(ATTACHMENT_DIR) else settings.EXCHANGE_MAX_BYTES
        data = _read_member(archive, infos[name], limit)
        digest = sha256_hex(data)
        if digest != listed[name] or (name.startswith(ATTACHMENT_DIR) and name != ATTACHMENT_DIR + digest):
            raise PackageRejected(_("数据包文件 %(name)s 的校验值不符（已被篡改或损坏），已拒收。")
                                  % {"name": name}, code=HASH_MISMATCH)
        if name in (CASES, EVENTS):
            rows[name] = _jsonl_rows(data)
    counts = manifest["counts"]
    if counts.get("cases") != len(rows[CASES]) or counts.get("events") != len(rows[EVENTS]):
        raise PackageRejected(_("数据包行数与清单不一致，已拒收。"), code=COUNT_MISMATCH)
    return rows


# ---------------------------------------------------------------- sealed packages (schema 2)

SEALED_SCHEMA = 2
FILE_DIR = "files/"
FILE_NAME = re.compile(r"^files/[0-9a-f]{64}$")
ROWS_NAME = re.compile(r"^[a-z][a-z_]{0,31}\.jsonl$")
HEADER_RESERVED = frozenset({"schema", "counts", "files"})


def manifest_digest(manifest_bytes):
    """SHA-256 of the exact manifest bytes: what identifies a package (and chains the next one)."""
    return sha256_hex(manifest_bytes)


def sealed_write(out, *, private_key, header, rows, files):
    """Write a signed schema-2 package to the binary file ``out``; return ``(manifest, digest)``.

    ``header`` is a dict of JSON values merged into the manifest (not ``schema``, ``counts``
    or ``files``); ``rows`` maps a set name (``[a-z][a-z_]*``) to a list of JSON-ready dicts,
    written as ``<name>.jsonl``; ``files`` maps a SHA-256 to the file's bytes or to a path.
    ``digest`` is the SHA-256 of the manifest bytes that were signed."""
    if HEADER_RESERVED & set(header):
        raise ValueError(f"reserved manifest keys: {sorted(HEADER_RESERVED & set(header))}")
    members = {}
    for name, items in rows.items():
        member = f"{name}.jsonl"
        if not ROWS_NAME.match(member):
            raise ValueError(f"bad row set name {name!r}")
        members[member] = jsonl(items)
    listing = {name: sha256_hex(data) for name, data in members.items()}
    for sha in files:
        listing[FILE_DIR + sha] = sha
    manifest = {"schema": SEALED_SCHEMA, **header, "counts": {name: len(items) for name, items in rows.items()},
                "files": listing}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = base64.b64encode(private_key.sign(manifest_bytes))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature)
        for name, data in members.items():
            archive.writestr(name, data)
        for sha, source in files.items():
            if isinstance(source, (bytes, bytearray)):
                archive.writestr(zipfile.ZipInfo(FILE_DIR + sha), bytes(source), compress_type=zipfile.ZIP_STORED)
            else:
                archive.write(source, FILE_DIR + sha, compress_type=zipfile.ZIP_STORED)
    return manifest, manifest_digest(manifest_bytes)


@dataclass
class Sealed:
    """A verified schema-2 package: its manifest and digest, row sets, and file access."""

    manifest: dict
    digest: str
    rows: dict
    archive: zipfile.ZipFile
    key_id: int = 0
    file_names: set = field(default_factory=set)

    def has_file(self, sha):
        return FILE_DIR + sha in self.file_names

    def file_bytes(self, sha):
        """A file's bytes, hashed again as they are read."""
        name = FILE_DIR + sha
        if name not in self.file_names:
            raise PackageRejected(_("数据包缺少文件 %(name)s，已拒收。") % {"name": name}, code=HASH_MISMATCH)
        data = _read_member(self.archive, self.archive.getinfo(name), settings.ATTACHMENT_MAX_BYTES)
        if sha256_hex(data) != sha:
            raise PackageRejected(_("数据包文件 %(name)s 的校验值不符（已被篡改或损坏），已拒收。")
                                  % {"name": name}, code=HASH_MISMATCH)
        return data

    def close(self):
        self.archive.close()


def _sealed_name(name):
    return name in (MANIFEST, SIGNATURE) or bool(ROWS_NAME.match(name)) or bool(FILE_NAME.match(name))


def _open_sealed(fileobj, size):
    """The zip, its members by name and the parsed manifest and its bytes (nothing verified yet
    but the bounds and the names)."""
    if size > settings.EXCHANGE_MAX_BYTES:
        raise PackageRejected(_("数据包超过大小上限，已拒收。"), code=TOO_LARGE)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageRejected(_("不是有效的数据包（zip）文件。"), code=BAD_ZIP) from None
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PackageRejected(_("数据包内文件数量异常，已拒收。"), code=TOO_LARGE)
        names = {}
        for info in infos:
            if not _sealed_name(info.filename) or info.filename in names or info.is_dir():
                raise PackageRejected(_("数据包含有不允许的文件名 %(name)s，已拒收。") % {"name": info.filename[:80]},
                                      code=BAD_MEMBER)
            names[info.filename] = info
        if sum(i.file_size for i in infos) > settings.EXCHANGE_MAX_BYTES:
            raise PackageRejected(_("数据包解压后体积异常（疑似压缩炸弹），已拒收。"), code=TOO_LARGE)
        if MANIFEST not in names or SIGNATURE not in names:
            raise PackageRejected(_("数据包缺少清单或签名，已拒收。"), code=BAD_MANIFEST)
        manifest_bytes = _read_member(archive, names[MANIFEST], MAX_MANIFEST_BYTES)
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST) from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) \
                or not isinstance(manifest.get("counts"), dict):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST)
    except BaseException:
        archive.close()
        raise
    return archive, names, manifest, manifest_bytes


def manifest_peek(fileobj, *, size):
    """The manifest of a package, read within the same bounds but NOT verified: for choosing the
    order in which files are handed to ``sealed_read`` (and which reader), never for trusting it.
    Raises ``PackageRejected``."""
    archive, _names, manifest, _bytes = _open_sealed_or_legacy(fileobj, size)
    archive.close()
    return manifest


def _open_sealed_or_legacy(fileobj, size):
    try:
        return _open_sealed(fileobj, size)
    except PackageRejected as exc:
        if exc.code != BAD_MEMBER:
            raise
    # A schema-1 package has its own member names (cases.jsonl, attachments/…).
    fileobj.seek(0)
    archive = zipfile.ZipFile(fileobj)
    try:
        infos = _members(archive, settings.EXCHANGE_MAX_BYTES)
        manifest_bytes = _read_member(archive, infos[MANIFEST], MAX_MANIFEST_BYTES)
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST) from None
        if not isinstance(manifest, dict):
            raise PackageRejected(_("数据包清单无法解析，已拒收。"), code=BAD_MANIFEST)
    except BaseException:
        archive.close()
        raise
    return archive, infos, manifest, manifest_bytes


def sealed_read(fileobj, *, size, keys_for):
    """Open and verify a schema-2 package; return a ``Sealed`` or raise ``PackageRejected``.

    ``keys_for(manifest)`` returns ``[(key_id, public_key_text), ...]``: the active keys
    trusted for the sender the manifest names (it may raise ``PackageRejected`` itself, e.g.
    for an unknown sender). Checks, in order: upload size, zip structure, member names and
    sizes, manifest shape and schema version, the signature by one of those keys, the SHA-256
    of every member, the row count of every set. Reads no database row itself."""
    archive, infos, manifest, manifest_bytes = _open_sealed(fileobj, size)
    try:
        if manifest.get("schema") != SEALED_SCHEMA:
            raise PackageRejected(_("数据包格式版本 %(v)s 不受支持（本系统为 %(ours)s）。")
                                  % {"v": manifest.get("schema"), "ours": SEALED_SCHEMA}, code=BAD_SCHEMA)
        signature_text = _read_member(archive, infos[SIGNATURE], 1024)
        keys = keys_for(manifest)
        if not keys:
            raise PackageRejected(_("发送方没有已登记的有效公钥，已拒收。"), code=UNKNOWN_KEY)
        key_id = _verify_signature(keys, manifest_bytes, signature_text)
        listed = manifest["files"]
        present = set(infos) - {MANIFEST, SIGNATURE}
        if set(listed) != present:
            raise PackageRejected(_("数据包文件与清单不一致，已拒收。"), code=HASH_MISMATCH)
        rows = {}
        for name in sorted(present):
            is_file = name.startswith(FILE_DIR)
            data = _read_member(archive, infos[name],
                                settings.ATTACHMENT_MAX_BYTES if is_file else settings.EXCHANGE_MAX_BYTES)
            digest = sha256_hex(data)
            if digest != listed[name] or (is_file and name != FILE_DIR + digest):
                raise PackageRejected(_("数据包文件 %(name)s 的校验值不符（已被篡改或损坏），已拒收。")
                                      % {"name": name}, code=HASH_MISMATCH)
            if not is_file:
                rows[name[:-len(".jsonl")]] = _jsonl_rows(data)
        counts = manifest["counts"]
        if set(counts) != set(rows) or any(counts[name] != len(items) for name, items in rows.items()):
            raise PackageRejected(_("数据包行数与清单不一致，已拒收。"), code=COUNT_MISMATCH)
    except BaseException:
        archive.close()
        raise
    return Sealed(manifest=manifest, digest=manifest_digest(manifest_bytes), rows=rows, archive=archive,
                  key_id=key_id, file_names={n for n in infos if n.startswith(FILE_DIR)})
