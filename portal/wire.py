"""The packages that cross the network gap between the portal and the intranet (docs/architecture.md §7.2).

Each side writes only into its outbound directory and reads only from its inbound directory; what
carries the files across (a 网闸, a one-way transfer) is outside the code. A package is a zip:

``manifest.json``  format, schema, sender (``portal`` or ``intranet``), sequence number, creation
                   time, what the sender has received from the other side (``ack``: ranges of sequence
                   numbers and the refusals, ``ack_build``), up to which number the sender needs no
                   more word of its own packages (``settled``), row counts and the SHA-256 of every
                   other member;
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

A writer sizes its packages with a ``Budget`` so that the reader's limits (PORTAL_TRANSFER_MAX_BYTES for
the file and the sum of its members, MAX_MANIFEST_BYTES for the manifest, the blob limit) never refuse
what it wrote; ``package_write`` checks both again and writes nothing rather than a package over them.
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


def _manifest_bytes(*, sender, seq, created_at, ack, settled, counts, files):
    manifest = {
        "format": FORMAT, "schema": SCHEMA, "sender": sender, "seq": seq, "created_at": created_at.isoformat(),
        "ack": ack, "settled": settled, "counts": counts, "files": files,
    }
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


class PackageTooLarge(ValueError):
    """A package would exceed a limit of the reader: nothing was written (the writer's ``Budget`` should
    have kept it within; this is the last guard)."""


def package_write(directory, *, sender, seq, private_key, created_at, ack, rows, blobs=None, settled=0):
    """Write one signed package into ``directory`` atomically; return its path.

    ``rows`` maps each row member of ``sender`` to a list of JSON-ready dicts; ``blobs`` maps the
    SHA-256 (hex) of each blob to its bytes; ``settled``: every package of this sender up to that
    number is confirmed, refused or given up, so the other side need not name it in its ``ack`` any
    more. The zip goes to a hidden temporary file first, is flushed and synced, and is then renamed
    into place, so the directory never shows half a package under a package name. A manifest over
    MAX_MANIFEST_BYTES or a file over PORTAL_TRANSFER_MAX_BYTES (which the reader would refuse) raises
    ``PackageTooLarge`` and leaves nothing under the package's name."""
    blobs = blobs or {}
    members = {name: jsonl(rows.get(name, [])) for name in ROWS[sender]}
    files = {name: sha256_hex(data) for name, data in members.items()}
    for sha in blobs:
        files[BLOB_DIR + sha] = sha
    manifest_bytes = _manifest_bytes(sender=sender, seq=seq, created_at=created_at, ack=ack, settled=settled,
                                     counts={name: len(rows.get(name, [])) for name in ROWS[sender]}, files=files)
    limit = settings.PORTAL_TRANSFER_MAX_BYTES
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        raise PackageTooLarge(f"{file_name(sender, seq)}: manifest of {len(manifest_bytes)} bytes "
                              f"(limit {MAX_MANIFEST_BYTES})")
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
        size = out.tell()
    unpacked = (len(manifest_bytes) + len(signature) + sum(len(d) for d in members.values())
                + sum(len(d) for d in blobs.values()))
    if max(size, unpacked) > limit:
        os.remove(temporary)
        raise PackageTooLarge(f"{final.name}: {max(size, unpacked)} bytes (PORTAL_TRANSFER_MAX_BYTES {limit})")
    os.replace(temporary, final)
    _fsync_directory(directory)
    return final


# --- sizing a package ----------------------------------------------------------------------------------
#
# The reader refuses a file over PORTAL_TRANSFER_MAX_BYTES, members whose sizes add up to more, a manifest
# over MAX_MANIFEST_BYTES, more than MAX_MEMBERS members and a blob over the blob limit. A writer that
# fills a package asks a ``Budget`` before it adds a row or a blob. The counts are bounds, not guesses:
# every member costs its bytes plus its zip headers (local header, central directory entry, data
# descriptor and zip64 fields, the name twice: under MEMBER_OVERHEAD), a deflated member at most its
# bytes plus 1/1000 and 64 bytes (deflate's worst case on bytes that do not compress is 5 bytes per
# 16 KiB block), and each blob one line of the manifest's ``files`` (BLOB_ENTRY_BYTES: 144 bytes, so a
# 1 MiB manifest lists about 7,200 blobs).

MEMBER_OVERHEAD = 256
ARCHIVE_OVERHEAD = 1024
SIGNATURE_BYTES = 128
BLOB_ENTRY_BYTES = len(',\n  "%s%s": "%s"' % (BLOB_DIR, "0" * 64, "0" * 64))


def _deflated_bound(size):
    return size + size // 1000 + 64


def blob_limit():
    """The largest blob the other side accepts (its ``ATTACHMENT_MAX_BYTES`` + 1 KiB; the same setting
    is assumed on both sides)."""
    return _blob_limit()


class Budget:
    """What one package of ``sender`` may still take, given its ``ack`` and ``settled`` (which the
    manifest carries whatever else goes in). ``take`` adds rows (``{member: bytes}``, newlines
    included: ``row_bytes``) and blobs (their sizes) when they fit and says whether they did;
    ``fits_alone`` says whether they would fit an empty package at all (if not, they never will: the
    writer reports them instead of trying again)."""

    def __init__(self, *, sender, ack, settled=0, created_at, max_bytes=None, max_manifest=None):
        self.max_bytes = settings.PORTAL_TRANSFER_MAX_BYTES if max_bytes is None else max_bytes
        self.max_manifest = MAX_MANIFEST_BYTES if max_manifest is None else max_manifest
        widest = 10 ** 10 - 1  # counts and the sequence number at their widest
        self.base_manifest = len(_manifest_bytes(sender=sender, seq=widest, created_at=created_at, ack=ack,
                                                 settled=settled, counts={name: widest for name in ROWS[sender]},
                                                 files={name: "0" * 64 for name in ROWS[sender]}))
        self.rows = {name: 0 for name in ROWS[sender]}
        self.blob_sizes = []

    def _within(self, rows, blob_sizes):
        manifest = self.base_manifest + len(blob_sizes) * BLOB_ENTRY_BYTES
        members = 2 + len(rows) + len(blob_sizes)
        total = (manifest + SIGNATURE_BYTES + sum(_deflated_bound(size) for size in rows.values())
                 + sum(blob_sizes) + members * MEMBER_OVERHEAD + ARCHIVE_OVERHEAD)
        return (manifest <= self.max_manifest and members <= MAX_MEMBERS and total <= self.max_bytes
                and all(size <= _blob_limit() for size in blob_sizes))

    def _with(self, rows, blob_sizes):
        after = dict(self.rows)
        for member, size in (rows or {}).items():
            after[member] += size
        return after, self.blob_sizes + list(blob_sizes)

    def fits(self, *, rows=None, blob_sizes=()):
        """Whether ``rows`` and blobs of ``blob_sizes`` fit in what is left."""
        return self._within(*self._with(rows, blob_sizes))

    def fits_alone(self, *, rows=None, blob_sizes=()):
        """Whether they would fit in a package that carried nothing else."""
        empty = {name: 0 for name in self.rows}
        for member, size in (rows or {}).items():
            empty[member] += size
        return self._within(empty, list(blob_sizes))

    def take(self, *, rows=None, blob_sizes=()):
        after = self._with(rows, blob_sizes)
        if not self._within(*after):
            return False
        self.rows, self.blob_sizes = after
        return True

    @property
    def empty(self):
        return not self.blob_sizes and not any(self.rows.values())


def row_bytes(row):
    """The bytes one row takes in its ``.jsonl`` member (``jsonl``), newline included."""
    return len(jsonl([row]))


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

    @property
    def settled(self):
        """Up to which number the sender needs no more word of its packages (0 from a first-version sender)."""
        return self.manifest.get("settled", 0)

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


# --- acknowledgments ---------------------------------------------------------------------------------
#
# Every manifest tells the other side which of its packages arrived here: ``through`` (every number up
# to it), ``ranges`` (``[first, last]`` intervals above it, ascending, apart) and ``refused`` (the
# numbers refused here, each with the refusal's code and reason). A refused number counts as answered:
# it closes its gap like an applied one, and the sender learns why. A number that never arrived is a
# gap; the sender gives it up after PORTAL_TRANSFER_RESEND_MINUTES (what it carried goes again under a
# new number) and then says so in its own manifests (``settled``), and ``through`` moves past it. So the
# ranges only describe the sender's packages still in flight, however many arrived above a gap (one
# range), and stay few; MAX_ACK_RANGES and MAX_ACK_REFUSED bound them even if that word never comes.
# Schema 1 still: a reader of the first version sees ``through`` alone, and ``also`` (the numbers above
# ``through`` of the first version) is still read.

MAX_ACK_RANGES = 1000
MAX_ACK_REFUSED = 100
ACK_REASON_CHARS = 300
EMPTY_ACK = {"through": 0, "ranges": [], "refused": []}
# Refusals that say the file was not what its sender wrote (damaged or cut short on the way, signed by a
# key not trusted here, under another name): what it carried is worth sending again at once. Any other
# code (a row the receiver does not accept, a package over its limits, another schema) would be refused
# again: the sender logs it and does not send it again by itself.
TRANSIT_CODES = frozenset({BAD_ZIP, BAD_MEMBER, BAD_MANIFEST, HASH_MISMATCH, COUNT_MISMATCH, BAD_SIGNATURE,
                           UNKNOWN_KEY, BAD_SENDER})


def ack_build(*, settled, received, refused):
    """The ``ack`` of a manifest. ``settled``: the highest number the other side declared settled;
    ``received``: the numbers applied (or recognised as duplicates) here above it; ``refused``:
    ``(seq, code, reason)`` of the packages refused here above it, newest first or in any order."""
    received = {s for s in received if s > settled}
    listed = {}
    for seq, code, reason in sorted(refused, key=lambda r: -r[0]):
        if seq <= settled or seq in received or seq in listed:
            continue
        if len(listed) >= MAX_ACK_REFUSED:
            break
        listed[seq] = {"seq": seq, "code": (code or "")[:50], "reason": (reason or "")[:ACK_REASON_CHARS]}
    answered = received | set(listed)
    through = settled
    while through + 1 in answered:
        through += 1
    ranges = []
    for seq in sorted(s for s in answered if s > through):
        if ranges and ranges[-1][1] == seq - 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return {"through": through, "ranges": ranges[-MAX_ACK_RANGES:], "refused": [listed[s] for s in sorted(listed)]}


def ack_parse(ack):
    """``(through, ranges, refused)`` of a verified ``ack``, the first version's ``also`` as ranges."""
    ranges = [tuple(r) for r in ack.get("ranges", [])] + [(s, s) for s in ack.get("also", [])]
    return ack.get("through", 0), ranges, list(ack.get("refused", []))


def ack_confirms(parsed, seq):
    """Whether the parsed ``ack`` says the package ``seq`` arrived (applied, duplicate or refused)."""
    through, ranges, _refused = parsed
    return seq <= through or any(first <= seq <= last for first, last in ranges)


def _int(value, *, low=0):
    return type(value) is int and value >= low


def _ack_valid(ack):
    if not isinstance(ack, dict):
        return False
    through, also = ack.get("through", 0), ack.get("also", [])
    ranges, refused = ack.get("ranges", []), ack.get("refused", [])
    if not (_int(through) and isinstance(also, list) and len(also) <= MAX_ACK_RANGES
            and all(_int(s) and s > through for s in also)):
        return False
    if not isinstance(ranges, list) or len(ranges) > MAX_ACK_RANGES:
        return False
    last = through
    for entry in ranges:
        if not (isinstance(entry, list) and len(entry) == 2 and _int(entry[0]) and _int(entry[1])
                and last < entry[0] <= entry[1]):
            return False
        last = entry[1]
    if not isinstance(refused, list) or len(refused) > MAX_ACK_REFUSED:
        return False
    return all(isinstance(e, dict) and _int(e.get("seq"), low=1) and isinstance(e.get("code"), str)
               and len(e["code"]) <= 50 and isinstance(e.get("reason"), str)
               and len(e["reason"]) <= ACK_REASON_CHARS for e in refused)


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
    if not (_int(manifest.get("settled", 0)) and manifest.get("settled", 0) < seq):
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
