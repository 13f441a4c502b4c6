"""Encryption of backup archives: AES-256-GCM in chunks, streamed (README, "备份与恢复 / Backup and restore").

A backup can be many gigabytes, so it is encrypted as it is written and decrypted as it is read,
one chunk (1 MiB) at a time, never held in memory whole. The framing follows the STREAM
construction (online authenticated encryption):

    header  = b"XFBACKUP" | version (1 byte) | chunk size (4 bytes, big-endian) | salt (16 bytes)
              | key id (8 bytes)
    chunk i = AES-256-GCM(file key, nonce = i as 11 bytes big-endian | last flag (1 byte),
                          plaintext of at most chunk-size bytes, associated data = header)

The file key is HKDF-SHA-256 of the master key with the archive's random salt, so no two archives
share a key and the per-archive counter nonce never repeats. Every chunk is authenticated with its
position and with whether it is the last one, so reordering, dropping, duplicating or cutting off
chunks fails like any altered byte does; the header is authenticated with every chunk. The key id
(HMAC-SHA-256 of the master key, 8 bytes) lets a wrong key be named as such instead of being
reported as damage.

The master key is 32 random bytes written as 64 hexadecimal characters, from ``DJANGO_BACKUP_KEY``
or a key file. It is kept apart from the backups and differs from the field-encryption key: whoever
holds a backup must not hold the means to read it.
"""
import hashlib
import hmac
import os
import stat
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"XFBACKUP"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
SALT_SIZE = 16
KEY_ID_SIZE = 8
HEADER = struct.Struct(f">{len(MAGIC)}sBI{SALT_SIZE}s{KEY_ID_SIZE}s")
KEY_ENV = "DJANGO_BACKUP_KEY"


class BackupError(Exception):
    """A refusal with a message for the operator (wrong key, damaged archive, non-empty target …)."""


def _parse_key(text, source):
    text = (text or "").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError(f"the backup key from {source} must be 64 hexadecimal characters (32 random bytes)")
    return key


def load_key(key_file=None, *, field_key=None, forbidden_dirs=()):
    """The master key from ``key_file`` or else ``DJANGO_BACKUP_KEY``; 32 bytes.

    Refuses (``BackupError``) when there is none, when it is malformed, when it equals the
    field-encryption key ``field_key`` (one stolen key must not open both), when the key file can be
    read by group or others, and when the key file lies inside one of ``forbidden_dirs`` (the backup
    directory: a key stored beside the backups protects nothing).
    """
    if key_file:
        path = Path(key_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise BackupError(f"cannot read the backup key file {path}: {exc}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BackupError(f"the backup key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
                              f"chmod 600 it")
        resolved = path.resolve()
        for directory in forbidden_dirs:
            directory = Path(directory).resolve()
            if resolved == directory or directory in resolved.parents:
                raise BackupError(f"the backup key file {path} is inside the backup directory {directory}: "
                                  f"keep the key apart from the backups")
        key = _parse_key(text, path)
    else:
        text = os.environ.get(KEY_ENV, "")
        if not text.strip():
            raise BackupError(f"no backup key: set {KEY_ENV} (64 hexadecimal characters) or pass --key-file; "
                              f"keep the key apart from the backups and from the field-encryption key")
        key = _parse_key(text, KEY_ENV)
    if field_key and hmac.compare_digest(key.hex(), str(field_key).strip().lower()):
        raise BackupError("the backup key must differ from the field-encryption key (DJANGO_FIELD_ENCRYPTION_KEY)")
    return key


def key_id(key):
    return hmac.new(key, b"xf-backup key id", hashlib.sha256).digest()[:KEY_ID_SIZE]


def _file_key(key, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"xf-backup v1 archive").derive(key)


def _nonce(index, last):
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written goes to ``raw`` encrypted.

    ``close()`` writes the last chunk (possibly empty), without which a reader refuses the archive
    as cut off; it does not close ``raw``.
    """

    def __init__(self, raw, key, chunk_size=CHUNK_SIZE):
        self.raw = raw
        self.chunk_size = chunk_size
        salt = os.urandom(SALT_SIZE)
        self.header = HEADER.pack(MAGIC, VERSION, chunk_size, salt, key_id(key))
        self.aead = AESGCM(_file_key(key, salt))
        self.index = 0
        self.buffer = bytearray()
        self.closed = False
        raw.write(self.header)

    def _emit(self, data, last):
        self.raw.write(self.aead.encrypt(_nonce(self.index, last), bytes(data), self.header))
        self.index += 1

    def write(self, data):
        self.buffer += data
        # Hold back at least one byte: a chunk goes out only when more is known to follow, so
        # the chunk flagged last is always the true end.
        while len(self.buffer) > self.chunk_size:
            self._emit(self.buffer[: self.chunk_size], last=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def flush(self):
        self.raw.flush()

    def close(self):
        if not self.closed:
            self._emit(self.buffer, last=True)
            self.buffer = bytearray()
            self.closed = True
            self.raw.flush()


def read_header(raw, key):
    """Read and check the header of an archive open at its start; return (header bytes, chunk size, salt)."""
    header = raw.read(HEADER.size)
    if len(header) != HEADER.size:
        raise BackupError("not a backup archive (file too short)")
    magic, version, chunk_size, salt, stored_id = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupError("not a backup archive of this system (wrong file signature)")
    if version != VERSION:
        raise BackupError(f"backup archive format version {version} is not supported (this code reads {VERSION})")
    if not 1024 <= chunk_size <= 64 * 1024 * 1024:
        raise BackupError("backup archive header is damaged (implausible chunk size)")
    if not hmac.compare_digest(stored_id, key_id(key)):
        raise BackupError(f"wrong backup key: the archive was encrypted with key id {stored_id.hex()}, "
                          f"the key given has id {key_id(key).hex()}; nothing was restored")
    return header, chunk_size, salt


class DecryptingReader:
    """A read-only file object over an encrypted archive; raises ``BackupError`` on any damage.

    Plaintext is released one authenticated chunk at a time. A caller must not act on what it read
    until ``finished`` is true: only then has the last chunk been authenticated (``drain()`` reads
    to the end).
    """

    def __init__(self, raw, key):
        self.raw = raw
        self.header, self.chunk_size, salt = read_header(raw, key)
        self.aead = AESGCM(_file_key(key, salt))
        self.index = 0
        self.pending = b""
        self.buffer = bytearray()
        self.finished = False
        self.next_block = raw.read(self.chunk_size + TAG_SIZE)

    def _next_chunk(self):
        block, self.next_block = self.next_block, self.raw.read(self.chunk_size + TAG_SIZE)
        last = not self.next_block
        if len(block) < TAG_SIZE or (not last and len(block) != self.chunk_size + TAG_SIZE):
            raise BackupError("backup archive is cut off or damaged; nothing was restored")
        try:
            plain = self.aead.decrypt(_nonce(self.index, last), block, self.header)
        except InvalidTag:
            raise BackupError(f"backup archive was altered or damaged (chunk {self.index} fails authentication); "
                              f"nothing was restored") from None
        self.index += 1
        self.finished = last
        return plain

    def read(self, size=-1):
        while not self.finished and (size is None or size < 0 or len(self.buffer) < size):
            self.buffer += self._next_chunk()
        if size is None or size < 0:
            size = len(self.buffer)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def drain(self):
        """Read and authenticate the rest; return the number of plaintext bytes that were left."""
        left = len(self.buffer)
        self.buffer = bytearray()
        while not self.finished:
            left += len(self._next_chunk())
        return left
