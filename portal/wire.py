"""The packages that cross the network gap between the portal and the intranet (docs/architecture.md §7.2).

Each side writes only into its outbound directory and reads only from its inbound directory; what
carries the files across (a 网闸, a one-way transfer) is outside the code. A package is a zip:

``manifest.json``  format, schema, sender (``portal`` or ``intranet``), sequence number, creation
                   time, what the sender has received from the other side (``ack``), row counts and
                   the SHA-256 of every other member;
``manifest.sig``   base64 Ed25519 signature of the exact manifest bytes (the keys and the signing of
                   petitions/lib/package.py, used as they are);
the rows           from the portal ``items.jsonl`` (new petitions, evaluations, 复查/复核 requests,
                   downloads); from the intranet ``cases.jsonl`` (sealed public sheets),
                   ``documents.jsonl`` and ``blobs/<sha256>`` (sealed documents), ``acks.jsonl``
                   (the outcome of each item) and ``reference.jsonl`` (bureaus and the form's lists).

Writing is atomic: the zip is written under a hidden temporary name in the outbound directory,
flushed to disk, then renamed to ``<sender>-<seq, 10 digits>.xfgap``; a reader sees a package
complete or not at all, and ignores every other name. Reading checks, before any row is used: the
file size, the zip, the member names the sender may write (no directories, no ``..``), each member's
size while it is read (a lying zip header cannot inflate past the limit), the manifest's shape,
format and schema, that the sender and sequence agree with the file name, the signature by one of
the keys trusted for the other side, every member's hash and the row counts. A refusal names the
file (and the member) and writes nothing.
"""
import base64
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from petitions.lib.package import (
    BAD_MANIFEST, BAD_MEMBER, BAD_ROW, BAD_SCHEMA, BAD_SIGNATURE, BAD_ZIP, COUNT_MISMATCH, HASH_MISMATCH, TOO_LARGE,
    UNKNOWN_KEY, PackageRejected, jsonl, public_key_load, sha256_hex,
)

FORMAT = "xf-portal-gap"
SCHEMA = 1
PORTAL, INTRANET = "portal", "intranet"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ITEMS = "items.jsonl"
CASES = "cases.jsonl"
DOCUMENTS = "documents.jsonl"
ACKS = "acks.jsonl"
REFERENCE = "reference.jsonl"
BLOB_DIR = "blobs/"
BLOB_NAME = re.compile(r"^blobs/[0-9a-f]{64}$")
ROWS = {PORTAL: (ITEMS,), INTRANET: (CASES, DOCUMENTS, ACKS, REFERENCE)}
FILE_NAME = re.compile(r"^(portal|intranet)-([0-9]{10})\.xfgap$")
MAX_MEMBERS = 200_000
MAX_MANIFEST_BYTES = 1024 * 1024
CHUNK = 64 * 1024
BAD_SENDER = "bad_sender"


def file_name(sender, seq):
    return f"{sender}-{seq:010d}.xfgap"


def complete_packages(directory, sender):
    """``(seq, path)`` of the complete packages of ``sender`` in ``directory``, in sequence order.
    Temporary files (a transfer or a write still under way) do not match the name and are left."""
    found = []
    for entry in os.scandir(directory):
        match = FILE_NAME.match(entry.name)
        if match and match.group(1) == sender and entry.is_file():
            found.append((int(match.group(2)), Path(entry.path)))
    return sorted(found)


def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def package_write(directory, *, sender, seq, private_key, created_at, ack, rows, blobs=None):
    """Write one signed package into ``directory`` atomically; return its path.

    ``rows`` maps each row member of ``sender`` to a list of JSON-ready dicts; ``blobs`` maps the
    SHA-256 (hex) of each blob to its bytes. The zip goes to a hidden temporary file first, is
    flushed and synced, and is then renamed into place, so the directory never shows half a
    package under a package name."""
    blobs = blobs or {}
    members = {name: jsonl(rows.get(name, [])) for name in ROWS[sender]}
    files = {name: sha256_hex(data) for name, data in members.items()}
    for sha in blobs:
        files[BLOB_DIR + sha] = sha
    manifest = {
        "format": FORMAT, "schema": SCHEMA, "sender": sender, "seq": seq, "created_at": created_at.isoformat(),
        "ack": ack, "counts": {name: len(rows.get(name, [])) for name in ROWS[sender]}, "files": files,
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = base64.b64encode(private_key.sign(manifest_bytes))
    directory = Path(directory)
    final = directory / file_name(sender, seq)
    temporary = directory / f".{final.name}.part"
    with open(temporary, "wb") as out:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, manifest_bytes)
            archive.writestr(SIGNATURE, signature)
            for name, data in members.items():
                archive.writestr(name, data)
            for sha, data in blobs.items():
                # Sealed bytes do not compress.
                archive.writestr(BLOB_DIR + sha, data, compress_type=zipfile.ZIP_STORED)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, final)
    _fsync_directory(directory)
    return final


@dataclass
class Received:
    """A verified package: its manifest, rows, the SHA-256 of the whole file and the open archive
    for its blobs (``blob``)."""

    name: str
    manifest: dict
    rows: dict
    sha256: str
    archive: zipfile.ZipFile
    blob_names: set = field(default_factory=set)

    @property
    def seq(self):
        return self.manifest["seq"]

    @property
    def ack(self):
        return self.manifest.get("ack") or {}

    def blob(self, sha):
        """The bytes of blob ``sha``, hashed again as they are read."""
        name = BLOB_DIR + sha
        if name not in self.blob_names:
            raise PackageRejected(_("数据包 %(file)s 缺少文件 %(member)s，已拒收。") % {"file": self.name, "member": name},
                                  code=HASH_MISMATCH)
        data = _read(self.archive, self.archive.getinfo(name), _blob_limit(), self.name)
        if sha256_hex(data) != sha:
            raise PackageRejected(_("数据包 %(file)s 中的文件 %(member)s 校验值不符（已被篡改或损坏），已拒收。")
                                  % {"file": self.name, "member": name}, code=HASH_MISMATCH)
        return data

    def close(self):
        self.archive.close()


def _blob_limit():
    return settings.ATTACHMENT_MAX_BYTES + 1024


def _refuse(name, message, code, **values):
    """A refusal whose message starts with the file's name."""
    return PackageRejected(_("数据包 %(file)s：") % {"file": name} + (message % values if values else message), code=code)


def _read(archive, info, limit, name):
    """At most ``limit`` bytes of a member, whatever its header claims."""
    if info.file_size > limit:
        raise _refuse(name, _("文件 %(member)s 超过大小上限，已拒收。"), TOO_LARGE, member=info.filename)
    buf = io.BytesIO()
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            buf.write(chunk)
            if buf.tell() > limit:
                raise _refuse(name, _("文件 %(member)s 超过大小上限，已拒收。"), TOO_LARGE, member=info.filename)
    return buf.getvalue()


def _digest(archive, info, limit, name):
    """The SHA-256 of a member, read in chunks and bounded like ``_read`` (blobs are not kept)."""
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _refuse(name, _("文件 %(member)s 超过大小上限，已拒收。"), TOO_LARGE, member=info.filename)
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _allowed(sender, member):
    if member in (MANIFEST, SIGNATURE) or member in ROWS[sender]:
        return True
    return sender == INTRANET and bool(BLOB_NAME.match(member))


def _ack_valid(ack):
    if not isinstance(ack, dict):
        return False
    through, also = ack.get("through", 0), ack.get("also", [])
    return (type(through) is int and through >= 0 and isinstance(also, list)
            and all(type(s) is int and s > through for s in also))


def package_read(path, *, sender, public_keys):
    """Open and verify the package at ``path`` written by ``sender``; return a ``Received`` or raise
    ``PackageRejected`` (message naming the file and member, stable ``code``).

    ``public_keys`` are the base64 Ed25519 keys trusted for the sender (settings
    PORTAL_TRANSFER_PEER_KEYS: more than one while a key is being replaced)."""
    path = Path(path)
    name = path.name
    match = FILE_NAME.match(name)
    if not match or match.group(1) != sender:
        raise _refuse(name, _("文件名不是%(sender)s的数据包名称，已拒收。"), BAD_SENDER, sender=sender)
    size = path.stat().st_size
    if size > settings.PORTAL_TRANSFER_MAX_BYTES:
        raise _refuse(name, _("超过大小上限，已拒收。"), TOO_LARGE)
    sha256 = file_sha256(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(name, _("不是有效的数据包（zip）文件（可能传输不完整），已拒收。"), BAD_ZIP) from None
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _refuse(name, _("文件数量异常，已拒收。"), TOO_LARGE)
        members = {}
        for info in infos:
            if info.is_dir() or not _allowed(sender, info.filename) or info.filename in members:
                raise _refuse(name, _("含有不允许的文件 %(member)s，已拒收。"), BAD_MEMBER, member=info.filename[:100])
            members[info.filename] = info
        if sum(i.file_size for i in infos) > settings.PORTAL_TRANSFER_MAX_BYTES:
            raise _refuse(name, _("解压后体积异常（疑似压缩炸弹），已拒收。"), TOO_LARGE)
        if MANIFEST not in members or SIGNATURE not in members:
            raise _refuse(name, _("缺少清单或签名，已拒收。"), BAD_MANIFEST)
        manifest_bytes = _read(archive, members[MANIFEST], MAX_MANIFEST_BYTES, name)
        signature_text = _read(archive, members[SIGNATURE], 1024, name)
        manifest = _manifest(name, manifest_bytes, sender, int(match.group(2)))
        _verify_signature(name, public_keys, manifest_bytes, signature_text)
        rows = _verify_members(name, archive, members, manifest, sender)
    except BaseException:
        archive.close()
        raise
    return Received(name=name, manifest=manifest, rows=rows, sha256=sha256, archive=archive,
                    blob_names={m for m in members if m.startswith(BLOB_DIR)})


def _manifest(name, manifest_bytes, sender, seq):
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(name, _("清单无法解析，已拒收。"), BAD_MANIFEST) from None
    if (not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict)
            or not isinstance(manifest.get("counts"), dict) or manifest.get("format") != FORMAT):
        raise _refuse(name, _("清单无法解析，已拒收。"), BAD_MANIFEST)
    if manifest.get("schema") != SCHEMA:
        raise _refuse(name, _("格式版本 %(v)s 不受支持（本系统为 %(ours)s），已拒收。"), BAD_SCHEMA,
                      v=manifest.get("schema"), ours=SCHEMA)
    if manifest.get("sender") != sender or manifest.get("seq") != seq:
        raise _refuse(name, _("清单中的发送方或序号与文件名不符，已拒收。"), BAD_SENDER)
    if not _ack_valid(manifest.get("ack")):
        raise _refuse(name, _("清单中的接收确认（ack）格式不正确，已拒收。"), BAD_MANIFEST)
    return manifest


def _verify_signature(name, public_keys, manifest_bytes, signature_text):
    if not public_keys:
        raise _refuse(name, _("未登记对方的公钥（PORTAL_TRANSFER_PEER_KEYS），无法验证签名，已拒收。"), UNKNOWN_KEY)
    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except ValueError:
        signature = b""
    for text in public_keys:
        try:
            public_key_load(text).verify(signature, manifest_bytes)
            return
        except Exception:  # noqa: BLE001 - InvalidSignature, or a malformed configured key: try the next
            continue
    raise _refuse(name, _("签名验证失败（签名不符，或不是已登记的对方密钥所签），已拒收。"), BAD_SIGNATURE)


def _verify_members(name, archive, members, manifest, sender):
    listed = manifest["files"]
    present = set(members) - {MANIFEST, SIGNATURE}
    required = set(ROWS[sender])
    if set(listed) != present or not required <= present:
        raise _refuse(name, _("文件与清单不一致，已拒收。"), HASH_MISMATCH)
    rows = {}
    for member in sorted(present):
        info = members[member]
        if member.startswith(BLOB_DIR):
            digest = _digest(archive, info, _blob_limit(), name)
            ok = digest == listed[member] and member == BLOB_DIR + digest
        else:
            data = _read(archive, info, settings.PORTAL_TRANSFER_MAX_BYTES, name)
            ok = sha256_hex(data) == listed[member]
            if ok:
                rows[member] = _rows(name, member, data)
        if not ok:
            raise _refuse(name, _("文件 %(member)s 的校验值不符（已被篡改或损坏），已拒收。"), HASH_MISMATCH, member=member)
    counts = manifest["counts"]
    for member in ROWS[sender]:
        if counts.get(member) != len(rows[member]):
            raise _refuse(name, _("文件 %(member)s 的行数与清单不一致，已拒收。"), COUNT_MISMATCH, member=member)
    return rows


def _rows(name, member, data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(name, _("文件 %(member)s 不是 UTF-8 文本，已拒收。"), BAD_ROW, member=member) from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            raise _refuse(name, _("文件 %(member)s 第%(line)d行无法解析，已拒收。"), BAD_ROW, member=member, line=number)
        rows.append(row)
    return rows


DONE_DIR = "done"
REFUSED_DIR = "refused"


def package_archive(path, *, refused=False):
    """Move a package out of the inbound directory's listing once it is imported (``done/``) or
    refused (``refused/``), where it stays PORTAL_TRANSFER_KEEP_DAYS for inspection. The inbound
    directory is the receiver's own: nothing goes back across the gap."""
    path = Path(path)
    target = path.parent / (REFUSED_DIR if refused else DONE_DIR)
    target.mkdir(exist_ok=True)
    destination = target / path.name
    if destination.exists():  # the same package delivered twice: keep both copies apart
        destination = target / f"{path.name}.{int(path.stat().st_mtime_ns)}"
    os.replace(path, destination)
    return destination


def archive_prune(directory, *, days, now_timestamp):
    """Delete archived packages older than ``days`` (by file time); returns how many."""
    removed = 0
    for sub in (DONE_DIR, REFUSED_DIR):
        folder = Path(directory) / sub
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if entry.is_file() and entry.stat().st_mtime < now_timestamp - days * 86400:
                os.remove(entry.path)
                removed += 1
    return removed
