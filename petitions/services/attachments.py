"""Uploaded attachments: content checks, private storage and the no-orphan rule.

Files are checked by extension *and* content (magic bytes; Office Open XML packages are
opened as zip archives and refused when they look like a zip bomb), limited to
``settings.ATTACHMENT_MAX_BYTES`` each, and stored under a random name in
``settings.PRIVATE_STORAGE_ROOT`` (outside the web root; served only by the download view
through the visibility selectors).

Writing happens in two steps so that a failed registration leaves no file behind:

1. ``attachment_stage`` streams the upload to ``<root>/.staging/<random>.part`` while
   computing SHA-256 and size (before any database transaction, so the slow part never
   holds a lock);
2. ``attachments_store`` — called inside the caller's transaction — inserts the rows and
   renames the staged files into place (``os.replace`` on one file system, atomic).

``staging()`` wraps both: if anything raises before the transaction commits, every staged
and already moved file is removed. A rollback of an *outer* transaction after a successful
call cannot be observed by Django (there is no on-rollback hook), so
``attachment_orphans_sweep`` (``manage.py sweep_attachments``) deletes stored files that
have no row and are older than an hour.
"""
import codecs
import hashlib
import os
import secrets
import time
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from petitions.models import Attachment

STAGING_DIR = ".staging"
CHUNK = 64 * 1024
MAX_FILES = 20
# Office Open XML packages: refuse archives whose directory promises more than this.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED_FACTOR = 10  # × ATTACHMENT_MAX_BYTES
ORPHAN_GRACE_SECONDS = 3600

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_pdf(head, fileobj):
    return head.startswith(b"%PDF-")


def _is_jpeg(head, fileobj):
    return head.startswith(b"\xff\xd8\xff")


def _is_png(head, fileobj):
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_gif(head, fileobj):
    return head.startswith((b"GIF87a", b"GIF89a"))


def _is_tiff(head, fileobj):
    return head.startswith((b"II*\x00", b"MM\x00*"))


def _is_ole(head, fileobj):
    return head.startswith(OLE_MAGIC)


def _ooxml_checker(main_prefix):
    def check(head, fileobj):
        if not head.startswith(b"PK\x03\x04"):
            return False
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as archive:
                infos = archive.infolist()
                if len(infos) > ZIP_MAX_ENTRIES:
                    raise ServiceError(_("压缩包内文件数量异常，已拒收。"), code="zip_bomb")
                total = sum(info.file_size for info in infos)
                if total > ZIP_MAX_UNCOMPRESSED_FACTOR * settings.ATTACHMENT_MAX_BYTES:
                    raise ServiceError(_("文件解压后体积异常（疑似压缩炸弹），已拒收。"), code="zip_bomb")
                names = {info.filename for info in infos}
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(main_prefix) for n in names)

    return check


def _is_text(head, fileobj):
    """Plain text: no NUL byte and decodable as UTF-8 or GB18030 from start to end."""
    for encoding in ("utf-8", "gb18030"):
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := fileobj.read(CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False


# extension → (content type recorded and sent, content check)
FILE_TYPES = {
    "pdf": ("application/pdf", _is_pdf),
    "jpg": ("image/jpeg", _is_jpeg),
    "jpeg": ("image/jpeg", _is_jpeg),
    "png": ("image/png", _is_png),
    "gif": ("image/gif", _is_gif),
    "tif": ("image/tiff", _is_tiff),
    "tiff": ("image/tiff", _is_tiff),
    "doc": ("application/msword", _is_ole),
    "xls": ("application/vnd.ms-excel", _is_ole),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml_checker("word/")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml_checker("xl/")),
    "txt": ("text/plain", _is_text),
}
ALLOWED_EXTENSIONS = tuple(FILE_TYPES)


@dataclass
class StagedFile:
    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str
    staged_path: Path

    @property
    def final_path(self):
        return storage_path(self.stored_name)


def storage_root():
    return Path(settings.PRIVATE_STORAGE_ROOT)


def storage_path(stored_name):
    """Absolute path of a stored file; ``stored_name`` is ours (random hex), never user input."""
    return storage_root() / stored_name


def clean_filename(name):
    """Base name only, control characters removed, at most 200 characters (extension kept)."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip() or "file"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:200]
    return base


def _extension(name):
    return name.rpartition(".")[2].lower() if "." in name else ""


def attachment_check(upload):
    """Validate one uploaded file; return ``(extension, content_type)``.

    Raises ``ServiceError`` (Chinese message naming the file) when the extension is not
    allowed, the file is empty or over ``ATTACHMENT_MAX_BYTES``, or the content does not
    match the extension (e.g. an executable renamed to .pdf). Leaves the file position at 0.
    """
    name = clean_filename(upload.name)
    ext = _extension(name)
    if ext not in FILE_TYPES:
        raise ServiceError(_("“%(name)s”的文件类型不允许，只接受 %(types)s。") % {
            "name": name, "types": "、".join(ALLOWED_EXTENSIONS)}, code="extension")
    if upload.size is None or upload.size == 0:
        raise ServiceError(_("“%(name)s”是空文件。") % {"name": name}, code="empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ServiceError(_("“%(name)s”超过单个附件大小上限 %(limit)s。") % {
            "name": name, "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}, code="too_large")
    content_type, matches = FILE_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    try:
        ok = matches(head, upload)
    except ServiceError as exc:
        raise ServiceError(_("“%(name)s”：%(reason)s") % {"name": name, "reason": exc.message}, code=exc.code)
    finally:
        upload.seek(0)
    if not ok:
        raise ServiceError(_("“%(name)s”的内容与扩展名 .%(ext)s 不符（文件可能已损坏或被改名），已拒收。") % {
            "name": name, "ext": ext}, code="content")
    return ext, content_type


def attachment_stage(upload):
    """Check ``upload`` and copy it to the staging area; return a ``StagedFile``.

    No database access. On error nothing is left in the staging area.
    """
    _ext, content_type = attachment_check(upload)
    upload.seek(0)
    return stage_chunks(upload.chunks(CHUNK), original_name=clean_filename(upload.name), content_type=content_type,
                        limit=settings.ATTACHMENT_MAX_BYTES)


def stage_chunks(chunks, *, original_name, content_type, limit=None):
    """Write ``chunks`` (bytes) to a new file in the staging area under a random name, computing
    size and SHA-256; return a ``StagedFile``. Over ``limit`` bytes raises ``ServiceError``.
    Used by uploads (after ``attachment_check``) and by package imports (already verified)."""
    token = secrets.token_hex(20)
    stored_name = f"{token[:2]}/{token}"
    staging = storage_root() / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    staged_path = staging / f"{token}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(staged_path, "xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise ServiceError(_("“%(name)s”超过单个附件大小上限 %(limit)s。") % {
                        "name": original_name, "limit": filesizeformat(limit)}, code="too_large")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        staged_path.unlink(missing_ok=True)
        raise
    return StagedFile(original_name=original_name, stored_name=stored_name,
                      content_type=content_type, size=size, sha256=digest.hexdigest(), staged_path=staged_path)


def discard(staged_files):
    """Remove staged and moved files (used when the registration fails)."""
    for staged in staged_files:
        staged.staged_path.unlink(missing_ok=True)
        staged.final_path.unlink(missing_ok=True)


@contextmanager
def staging(uploads):
    """Stage every upload; on any exception inside the block, remove all of them again.

    Raises ``ServiceError`` (``errors={"files": [...]}``) listing every bad file before staging any.
    """
    uploads = list(uploads or ())
    errors = []
    if len(uploads) > MAX_FILES:
        errors.append(_("一次最多上传 %(n)d 个附件。") % {"n": MAX_FILES})
    for upload in uploads:
        try:
            attachment_check(upload)
        except ServiceError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ServiceError(errors={"files": errors}, code="bad_files")
    staged = []
    try:
        for upload in uploads:
            staged.append(attachment_stage(upload))
        yield staged
    except BaseException:
        discard(staged)
        raise


def attachments_store(staged_files, *, case, actor, event=None):
    """Insert Attachment rows for staged files and move the files into place.

    Must run inside the caller's transaction (after the case row exists); the rename is the
    last step so a failure while inserting leaves the files staged for ``staging()`` to
    remove. Returns the created rows.
    """
    if not staged_files:
        return []
    rows = Attachment.objects.bulk_create([
        Attachment(case=case, event=event, original_name=s.original_name, stored_name=s.stored_name,
                   content_type=s.content_type, size=s.size, sha256=s.sha256, uploaded_by=actor)
        for s in staged_files
    ])
    for staged in staged_files:
        move_into_place(staged)
    return rows


def move_into_place(staged):
    """Rename a staged file to its final path (``os.replace``: atomic on one file system)."""
    staged.final_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged.staged_path, staged.final_path)


def attachment_open(attachment):
    """Open the stored file for reading (binary). Raises FileNotFoundError if it is missing."""
    return open(storage_path(attachment.stored_name), "rb")


def attachment_orphans_sweep(*, older_than=ORPHAN_GRACE_SECONDS, now=None):
    """Delete stored or staged files with no Attachment row, older than ``older_than`` seconds.

    Such files only exist after a crash or after an outer transaction rolled back a
    registration. Returns the number of files removed.
    """
    root = storage_root()
    if not root.exists():
        return 0
    cutoff = (now or time.time()) - older_than
    removed = 0
    for path in root.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        rel = path.relative_to(root)
        if rel.parts[0] == "bulletin":  # 公共信息 files (bulletin/services.py), stored with their rows
            continue
        if rel.parts[0] == STAGING_DIR:
            path.unlink(missing_ok=True)
            removed += 1
            continue
        stored_name = rel.as_posix()
        if not Attachment.objects.filter(stored_name=stored_name).exists():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
