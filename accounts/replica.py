"""Reads on a streaming hot standby (docs/replica.md).

Reports, charts, exports and search may read from the database alias ``replica`` (DATABASE_REPLICA_URL):
a PostgreSQL hot standby fed by streaming replication. Everything else stays on ``default``, the primary.
The choice is made once per request, by the view decorator ``replica_reads``:

- only for GET and HEAD: a request that writes reads on the primary, where its writes are;
- only while the standby answers, is streaming and is at most REPLICA_MAX_LAG_SECONDS behind (its state is
  read at most every REPLICA_CHECK_SECONDS per process, and a standby that failed is left alone for
  REPLICA_RETRY_SECONDS);
- only once the standby has replayed the user's own last write: every request that may write (POST, PUT,
  PATCH, DELETE) leaves the primary's WAL position in a signed cookie (``ReadYourWritesMiddleware``), and a
  later read goes to the standby only when its replay position has reached it. Read-your-writes is exact, not a
  guess about the lag.

A query that fails on the standby (stopped, restarted, a statement cancelled by a recovery conflict) marks it
down and the view runs again on the primary; the user sees the page, not an error. A streamed export is read
on the standby while it streams; once its first bytes are sent it cannot move, and a failure then ends the
download as any other failure would.

The router never sends a write to the standby, never migrates it, and reads on the primary inside a transaction
of the primary (a service's reads before its write).
"""
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, fields
from functools import wraps

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections
from django.utils import timezone

REPLICA = "replica"
PRIMARY = "default"
LSN_COOKIE = "xf_wal"
LSN_SALT = "accounts.replica.lsn"
# The standby's own view of its lag: zero when it has replayed everything it received, otherwise the age of the
# last transaction it replayed; and whether its WAL receiver is streaming (a standby cut off from the primary has
# replayed "everything it received" and would otherwise look current for ever).
STANDBY_STATE_SQL = """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn()::text,
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END,
           (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
           pg_last_xact_replay_timestamp()
"""

_alias = ContextVar("replica_alias", default=None)


def configured():
    """Whether this deployment has a standby and reads from it."""
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", True)


def lsn_value(text):
    """A WAL position 'X/Y' as an integer (None for None)."""
    if not text:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass
class StandbyState:
    """What the standby said when last asked (shown on the health page)."""

    checked_at: float = 0.0
    reachable: bool = False
    in_recovery: bool = False
    streaming: bool = False
    lag_seconds: float | None = None
    replay_lsn: str | None = None
    last_replay_at: object = None
    error: str = ""
    down_until: float = 0.0
    primary_lsn: str | None = None
    lag_bytes: int | None = None

    @property
    def usable(self):
        return (self.reachable and self.in_recovery and self.streaming and self.lag_seconds is not None
                and self.lag_seconds <= settings.REPLICA_MAX_LAG_SECONDS and time.monotonic() >= self.down_until)

    @property
    def reason(self):
        """Why reads stay on the primary ('' when they may go to the standby)."""
        from django.utils.translation import gettext as _

        if not configured():
            return _("未配置只读副本")
        if time.monotonic() < self.down_until or not self.reachable:
            return _("只读副本无法连接：%(error)s") % {"error": self.error or "-"}
        if not self.in_recovery:
            return _("只读副本不处于恢复（备库）状态")
        if not self.streaming:
            return _("只读副本未在接收主库的日志流")
        if self.lag_seconds is None or self.lag_seconds > settings.REPLICA_MAX_LAG_SECONDS:
            return _("只读副本延迟超过 %(limit)s 秒") % {"limit": settings.REPLICA_MAX_LAG_SECONDS}
        return ""


_lock = threading.Lock()
_state = StandbyState()


def _close_replica():
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def mark_down(error):
    """The standby failed: reads stay on the primary for REPLICA_RETRY_SECONDS."""
    with _lock:
        _state.reachable = False
        _state.error = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        _state.down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        _state.checked_at = time.monotonic()
    _close_replica()


def standby_state(*, fresh=False):
    """The standby's state, read again when older than REPLICA_CHECK_SECONDS (or ``fresh``)."""
    now = time.monotonic()
    if not configured():
        return StandbyState()
    if not fresh and now - _state.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _state
    if not fresh and now < _state.down_until:
        return _state
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(STANDBY_STATE_SQL)
            in_recovery, replay_lsn, lag, receiver, last_replay_at = cursor.fetchone()
    except DatabaseError as exc:
        mark_down(exc)
        return _state
    with _lock:
        _state.checked_at = time.monotonic()
        _state.reachable, _state.error, _state.down_until = True, "", 0.0
        _state.in_recovery = bool(in_recovery)
        _state.replay_lsn = replay_lsn
        _state.lag_seconds = float(lag) if in_recovery else None
        _state.streaming = receiver == "streaming"
        _state.last_replay_at = last_replay_at
    return _state


def primary_position():
    """The primary's current WAL position ('X/Y'); None on SQLite."""
    connection = connections[PRIMARY]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def health():
    """Everything the health page shows: the standby's state read now, with its distance from the primary
    in bytes."""
    state = standby_state(fresh=True)
    report = StandbyState(**{f.name: getattr(state, f.name) for f in fields(StandbyState)})
    if configured():
        try:
            report.primary_lsn = primary_position()
        except DatabaseError:
            report.primary_lsn = None
        if report.primary_lsn and report.replay_lsn:
            report.lag_bytes = max(0, lsn_value(report.primary_lsn) - lsn_value(report.replay_lsn))
        if report.last_replay_at:
            report.last_replay_at = timezone.localtime(report.last_replay_at)
    return report


def read_alias(request):
    """Where this request's reads go: REPLICA or None (the primary)."""
    if not configured() or request.method not in ("GET", "HEAD"):
        return None
    state = standby_state()
    if not state.usable:
        return None
    needed = _own_write_position(request)
    if needed is not None and (lsn_value(state.replay_lsn) or 0) < needed:
        state = standby_state(fresh=True)
        if not state.usable or (lsn_value(state.replay_lsn) or 0) < needed:
            return None
    return REPLICA


def _own_write_position(request):
    raw = request.COOKIES.get(LSN_COOKIE)
    if not raw:
        return None
    try:
        return lsn_value(signing.Signer(salt=LSN_SALT).unsign(raw))
    except (signing.BadSignature, ValueError):
        return lsn_value("FFFFFFFF/FFFFFFFF")  # a cookie we cannot read: be safe, stay on the primary


def current_alias():
    return _alias.get()


def _reading_on(alias, chunks):
    """A streamed response's chunks, produced with reads on ``alias``."""
    iterator = iter(chunks)
    while True:
        token = _alias.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _alias.reset(token)
        yield chunk


def replica_reads(view):
    """Let a read-only view (a report, chart, export or search) read from the standby when it may."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # Who is asking is read on the primary: a lock or a role change takes effect at once.
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 (evaluates the lazy user)
        alias = read_alias(request)
        if alias is None:
            return view(request, *args, **kwargs)
        token = _alias.set(alias)
        try:
            response = view(request, *args, **kwargs)
        except DatabaseError:
            # Reads can be repeated: the page is made again on the primary. Whether the standby itself is
            # at fault is asked afresh (a stopped standby is then marked down; a statement cancelled by a
            # recovery conflict leaves it usable); an error of the primary's recurs and is raised.
            _alias.reset(token)
            token = None
            _close_replica()
            standby_state(fresh=True)
            return view(request, *args, **kwargs)
        finally:
            if token is not None:
                _alias.reset(token)
        if getattr(response, "streaming", False):
            response.streaming_content = _reading_on(alias, response.streaming_content)
        return response

    return wrapped


class ReplicaRouter:
    """Reads of a ``replica_reads`` request to the standby; every write, and every read inside a transaction
    of the primary, to the primary."""

    def db_for_read(self, model, **hints):
        alias = _alias.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return None
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY if configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


class ReadYourWritesMiddleware:
    """After a request that may have written, remember the primary's WAL position in a signed cookie so that the
    user's next reads go to the standby only once it has replayed them (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            try:
                position = primary_position()
            except DatabaseError:
                position = None
            if position:
                response.set_cookie(
                    LSN_COOKIE, signing.Signer(salt=LSN_SALT).sign(position),
                    max_age=settings.REPLICA_PIN_SECONDS, httponly=True, samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE)
        return response


def primary_summary():
    """The primary as the health page shows it: engine, version, size, and the standbys it streams to."""
    connection = connections[PRIMARY]
    summary = {"vendor": connection.vendor, "version": "", "size_bytes": None, "standbys": []}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('server_version'), pg_database_size(current_database())")
            summary["version"], summary["size_bytes"] = cursor.fetchone()
            cursor.execute(
                "SELECT application_name, COALESCE(host(client_addr), 'local'), state, sync_state, "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, "
                "COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication ORDER BY application_name")
            summary["standbys"] = [
                {"name": name, "address": address, "state": state, "sync": sync, "lag_bytes": lag_bytes,
                 "lag_seconds": float(lag_seconds)}
                for name, address, state, sync, lag_bytes, lag_seconds in cursor.fetchall()]
        else:
            cursor.execute("SELECT sqlite_version()")
            summary["version"] = cursor.fetchone()[0]
    return summary
