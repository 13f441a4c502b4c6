"""Synthetic petition data at scale, for benchmarks and demonstrations (``manage.py generate_cases``).

- ``data``: names, real county codes, places and phrase templates;
- ``core``: the simulator (one ``random.Random(seed)``; cases in time order, each walked
  through the workflow table), producing PostgreSQL COPY text per table;
- ``loader``: COPY into PostgreSQL (or executemany into SQLite) in one transaction.

Generated history is imported history, not actions taken in this system: its CaseEvent
rows carry no audit-chain row (``audit`` is NULL). Writing ~7 events per case into the
hash chain would serialise the load on the chain head and, worse, would claim that users
performed those actions here. The actors are real demo accounts where the organization has
one in the matching role, otherwise one inactive archive account per organization
(``hist_<org code>``, no password, no role), as an import from an older system would do.
"""
import sys
import time
from datetime import date

from django.contrib.auth.models import Permission
from django.db import transaction

from bench.generator.core import Context, Org, Simulator
from bench.generator.loader import loader_for, table_specs

ARCHIVE_USER_PREFIX = "hist_"


class Progress:
    """A one-line progress bar on stderr (no dependency); silent when ``stream`` is None."""

    def __init__(self, total, stream=sys.stderr, width=30):
        self.total = total
        self.stream = stream
        self.width = width
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done, force=False):
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0
        eta = (self.total - done) / rate if rate else 0
        filled = int(self.width * done / self.total) if self.total else self.width
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{self.total:,} cases "
                          f"{rate:,.0f}/s elapsed {elapsed:,.0f}s eta {eta:,.0f}s ")
        self.stream.flush()

    def phase(self, text):
        if self.stream is None:
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{text} (elapsed {elapsed:,.0f}s)".ljust(100))
        self.stream.flush()

    def done(self):
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


@transaction.atomic
def ensure_orgs_and_staff():
    """Demo organization tree (idempotent) and the archive account of each organization."""
    from accounts.demo import load_demo_orgs
    from accounts.models import OrgUnit, User
    from accounts.seed import seed_roles

    seed_roles()
    load_demo_orgs()
    existing = set(User.objects.filter(username__startswith=ARCHIVE_USER_PREFIX).values_list("username", flat=True))
    for org in OrgUnit.objects.order_by("id"):
        username = f"{ARCHIVE_USER_PREFIX}{org.code}"
        if username in existing:
            continue
        user = User(username=username, real_name=f"{org.name}（历史数据）", organization=org, is_active=False,
                    must_change_password=False)
        user.set_unusable_password()
        user.save()


def build_context():
    from accounts.models import OrgUnit, User
    from accounts.roles import STANDARD_ROLES

    from petitions.models import DictEntry
    from petitions.services.intake import case_number_format

    orgs = [Org(*row) for row in OrgUnit.objects.order_by("path").values_list(
        "id", "code", "name", "path", "kind", "parent_id")]
    dicts, dict_names = {}, {}
    for kind, code, name, pk in DictEntry.objects.filter(is_active=True).order_by("id").values_list(
            "kind", "code", "name", "id"):
        dicts.setdefault(kind, {})[code] = pk
        dict_names.setdefault(kind, {}).setdefault(name, pk)
    role_by_group = {r.name: r.key for r in STANDARD_ROLES}
    staff, fallback = {}, {}
    for uid, org_id, group, username in User.objects.filter(organization__isnull=False).order_by("id").values_list(
            "id", "organization_id", "groups__name", "username"):
        if username.startswith(ARCHIVE_USER_PREFIX):
            fallback.setdefault(org_id, uid)
        elif group in role_by_group:
            staff.setdefault((org_id, role_by_group[group]), uid)
    perm = Permission.objects.filter(content_type__app_label="petitions", codename="view_case").first()
    return Context(orgs=orgs, dicts=dicts, dict_names=dict_names, staff=staff, fallback_staff=fallback,
                   view_case_perm=perm.pk if perm else None, number_format=case_number_format)


def generate(*, count, seed, years=3, end_date=None, batch_size=20000, index_mode="auto", stream=sys.stderr):
    """Generate and load ``count`` cases; return a dict of row counts and timings.

    Deterministic for (seed, count, years, end_date) on an empty database. On a database
    that already has cases, numbering continues after the existing per-(org, year) numbers.
    """
    end_date = end_date or date.today()
    started = time.monotonic()
    ensure_orgs_and_staff()
    ctx = build_context()
    progress = Progress(count, stream)
    specs = table_specs(now_text=time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime()))
    loader = loader_for(specs, count=count, index_mode=index_mode, progress=progress)
    totals = {spec.key: 0 for spec in specs}
    try:
        loader.begin()
        first_ids = loader.next_ids()
        counters = loader.existing_counters()
        sim = Simulator(ctx, seed=seed, count=count, years=years, end_date=end_date,
                        first_case_id=first_ids["case"], first_assignment_id=first_ids["assignment"],
                        counters=counters)
        loader.start()
        done = 0
        gen_started = time.monotonic()
        for batch in sim.batches(batch_size):
            for key, lines in batch.rows.items():
                totals[key] += len(lines)
            loader.put(batch)
            done += batch.cases
            progress.update(done)
        progress.update(done, force=True)
        load_seconds = time.monotonic() - gen_started
        loader.finish(counters, first_ids)
        loader.commit()
    except BaseException:
        loader.rollback()
        progress.done()
        raise
    loader.close()
    progress.done()
    elapsed = time.monotonic() - started
    return {"cases": count, "rows": totals, "seconds": elapsed, "load_seconds": load_seconds,
            "timings": loader.timings, "cpu": loader.cpu_phases, "first_case_id": first_ids["case"],
            "vendor": loader.vendor}
