"""``make bench``: latency of the pages that matter, at scale, against hand-written SQL floors.

    BENCH_CASES=100000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench .venv/bin/python bench/run.py

1. Data: the database (default ``xf_bench`` on the local PostgreSQL) is created if missing,
   migrated, given the demo organizations and users, and filled by ``generate_cases`` with
   BENCH_CASES cases (seed 1) — only when its number of generated cases differs, in which
   case the database is dropped and rebuilt first. Generated cases are those without a
   ``submit_token`` (every registration through the service has one).
2. Pages: Django's test client, logged in as the demo users, in this process (DEBUG off),
   BENCH_REPEAT runs after warm-up; median and p95 (nearest rank) in milliseconds.
3. Floors: for the key pages, the hand-written SQL that fetches the same rows, timed on the
   same connection; the ratio page/floor is Python + ORM + template cost over the database's.
4. Excel export of 100,000 rows in a subprocess (time and peak RSS from ``ru_maxrss``).
5. Generator throughput: of this run's generation, or of a BENCH_GEN_CASES load into a
   scratch database when the data was already there.

Pages whose URL names do not resolve yet are printed as "not available". The table is
printed and written to var/bench/<database>-<timestamp>.md. ``--prepare`` only ensures the
data (used by bench/loadtest.sh).
"""
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and bench/documents.py would hide the documents app:
# the project's packages first, bench/'s helper modules (htmlform) after everything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/xf_bench"
SEED = 1
EXPORT_ROWS = 100_000

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DJANGO_DEBUG"] = "0"  # measure what production runs: no query log, no debug pages
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")


def log(text):
    print(text, file=sys.stderr, flush=True)


def manage(*args, env=None, capture=False):
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(cmd, cwd=ROOT, env=env or os.environ.copy(), text=True,
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout


# --- data -----------------------------------------------------------------------------------------

class Database:
    """The benchmark database (PostgreSQL; SQLite works too, without create/drop/vacuum)."""

    def __init__(self, url):
        self.url = url
        parsed = urlparse(url)
        self.is_pg = parsed.scheme.startswith("postgres")
        self.name = parsed.path.lstrip("/") if self.is_pg else Path(parsed.path).stem

    def _admin(self):
        import psycopg2

        parsed = urlparse(self.url)
        conn = psycopg2.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                                user=parsed.username or "postgres", password=parsed.password or None,
                                dbname="postgres")
        conn.autocommit = True
        return conn

    def exists(self):
        if not self.is_pg:
            return Path(urlparse(self.url).path).exists()
        with self._admin() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return cur.fetchone() is not None

    def create(self):
        if self.is_pg:
            conn = self._admin()
            conn.cursor().execute(f'CREATE DATABASE "{self.name}"')
            conn.close()

    def drop(self):
        if self.is_pg:
            conn = self._admin()
            conn.cursor().execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.close()
        else:
            Path(urlparse(self.url).path).unlink(missing_ok=True)

    def query(self, sql):
        if not self.is_pg:
            import sqlite3

            with sqlite3.connect(urlparse(self.url).path) as conn:
                return conn.execute(sql).fetchall()
        import psycopg2

        with psycopg2.connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def vacuum(self):
        if not self.is_pg:
            return
        import psycopg2

        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        conn.cursor().execute("VACUUM (ANALYZE)")
        conn.close()


def generated_count(db):
    try:
        return db.query("SELECT COUNT(*) FROM petitions_case WHERE submit_token IS NULL")[0][0]
    except Exception:  # no schema yet
        return -1


def generate(db, count, env=None):
    """Run generate_cases; return (seconds, cases/s) as the command measured them."""
    out = manage("generate_cases", "--count", str(count), "--seed", str(SEED),
                 "--years", os.environ.get("BENCH_YEARS", "3"), env=env, capture=True)
    log(out.strip())
    match = re.search(r"in ([\d.]+)s \(([\d,]+) cases/s\)", out)
    return float(match.group(1)), float(match.group(2).replace(",", ""))


def ensure_data(db, count):
    """Make the database hold exactly ``count`` generated cases; return generator stats or None."""
    if not db.exists():
        log(f"creating database {db.name}")
        db.create()
    manage("migrate", "--noinput", "-v0")
    have = generated_count(db)
    if have == count:
        log(manage("load_demo", capture=True).strip())
        log(f"{db.name}: {have:,} generated cases present")
        return None
    if have > 0:
        log(f"{db.name}: {have:,} generated cases, want {count:,}: rebuilding the database")
        db.drop()
        db.create()
        manage("migrate", "--noinput", "-v0")
    log(manage("load_demo", capture=True).strip())
    log(f"generating {count:,} cases into {db.name}")
    seconds, rate = generate(db, count)
    # The cockpit's daily tables (registration days, late units, KPI snapshots) are rebuilt by the hourly
    # scan; load_demo ran it before the generated cases existed, so the home pages would read empty days.
    # Before the VACUUM ANALYZE, so that the planner knows those tables' sizes too.
    log("scan_warnings (the cockpit's tables over the generated days)")
    started = time.monotonic()
    log(manage("scan_warnings", capture=True).strip())
    scan = time.monotonic() - started
    log("VACUUM ANALYZE")
    started = time.monotonic()
    db.vacuum()
    return {"cases": count, "seconds": seconds, "rate": rate, "vacuum": time.monotonic() - started, "scan": scan}


def scratch_generator_run(db, count):
    """Throughput of a fresh ``count``-case load into a scratch database (PostgreSQL only)."""
    if not db.is_pg:
        return None
    scratch = Database(db.url.rsplit("/", 1)[0] + f"/{db.name}_gen")
    scratch.drop()
    scratch.create()
    env = {**os.environ, "DATABASE_URL": scratch.url}
    manage("migrate", "--noinput", "-v0", env=env)
    seconds, rate = generate(scratch, count, env=env)
    scratch.drop()
    return {"cases": count, "seconds": seconds, "rate": rate}


# --- measuring ------------------------------------------------------------------------------------

def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Result:
    def __init__(self, name, samples=None, *, floor=None, note="", status="ok"):
        self.name, self.samples, self.floor, self.note, self.status = name, samples or [], floor, note, status

    @property
    def median(self):
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self):
        return percentile(self.samples, 95) if self.samples else None

    def row(self):
        if self.status != "ok":
            return [self.name, "", "", "", "", "", self.status + (f" ({self.note})" if self.note else "")]
        floor = statistics.median(self.floor) if self.floor else None
        ratio = f"{self.median / floor:.1f}×" if floor else ""
        return [self.name, f"{self.median:,.1f}", f"{self.p95:,.1f}", str(len(self.samples)),
                f"{floor:,.2f}" if floor is not None else "", ratio, self.note]


def timed(fn, repeat, warmup=2):
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class PageError(Exception):
    pass


def sql_floor(queries, repeat):
    """Time a list of (sql, params) run back to back on Django's connection."""
    from django.db import connection

    def run(_i):
        with connection.cursor() as cur:
            for sql, params in queries:
                cur.execute(sql, params)
                cur.fetchall()
    return timed(run, repeat)


class Bench:
    SEARCH_PAGES = ("petitions:search", "petitions:archive")

    def __init__(self, repeat):
        from django.test import Client

        from accounts.models import User

        self.repeat = repeat
        self.results = []
        self.users = {u.username: u for u in User.objects.filter(username__in=[
            "clerk", "triage", "leader", "township_handler", "statistician", "supervisor"])}
        self.clients = {}
        for username, user in self.users.items():
            client = Client()
            client.force_login(user)
            self.clients[username] = client

    def url(self, name, *args, query=None):
        from django.urls import NoReverseMatch, reverse

        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            return None
        return url + ("?" + urlencode(query) if query else "")

    def get(self, username, url, expect=200):
        response = self.clients[username].get(url)
        if response.status_code != expect:
            raise PageError(f"HTTP {response.status_code}")
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        return response

    def page(self, name, username, url_name, *args, query=None, floor=None, repeat=None, urls=None):
        """Measure GETs of one page (``urls`` rotates through several, e.g. case ids). The search
        pages take no criteria from the query string: they are posted once and the results page
        of the saved search (``?s=<key>``) is what is measured."""
        if url_name in self.SEARCH_PAGES and query and username in self.clients and self.url(url_name):
            url = self.clients[username].post(self.url(url_name), query)["Location"]
        else:
            url = self.url(url_name, *args, query=query)
        if url is None:
            self.results.append(Result(name, status="not available", note=url_name))
            log(f"  {name}: not available ({url_name})")
            return
        if username not in self.clients:
            self.results.append(Result(name, status="not available", note=f"user {username} missing"))
            return
        targets = urls or [url]
        try:
            samples = timed(lambda i: self.get(username, targets[i % len(targets)]), repeat or self.repeat)
        except PageError as exc:
            self.results.append(Result(name, status="error", note=str(exc)))
            log(f"  {name}: {exc}")
            return
        floor_samples = sql_floor(floor, repeat or self.repeat) if floor else None
        result = Result(name, samples, floor=floor_samples)
        self.results.append(result)
        log(f"  {name}: median {result.median:.1f} ms, p95 {result.p95:.1f} ms")

    def add(self, result):
        self.results.append(result)


# --- the pages ------------------------------------------------------------------------------------

def bench_registration(bench):
    """POST of a 来访登记 form as the clerk, filled the way the page is filled."""
    from htmlform import find_form, option_value, with_values

    name = "登记保存 (POST 来访登记)"
    url = bench.url("petitions:register_visit")
    if url is None or "clerk" not in bench.clients:
        bench.add(Result(name, status="not available", note="petitions:register_visit"))
        return
    client = bench.clients["clerk"]
    rng = random.Random(7)
    from petitions.domain.idcard import make_id_number

    def post(i):
        html = client.get(url).content.decode()
        form = find_form(html, method="post", has_field="submit_token")
        if form is None:
            raise PageError("no registration form on the page")
        birth = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        data = with_values(
            form["fields"],
            content=f"反映在青峰建筑工程有限公司务工期间被拖欠工资{rng.randrange(1, 90) * 1000}元，请求协调解决（基准测试）",
            purpose=option_value(form, "purpose", "求决") or "",
            problem=option_value(form, "problem", "拖欠工资") or "",
            petitioners__0__name="基准测试", petitioners__0__id_number=make_id_number("533922", birth, 11 + i % 400),
            petitioners__0__phone="13800000000",
            petitioners__0__sex="", petitioners__0__age="",
        )
        started = time.perf_counter()
        response = client.post(url, data)
        post.elapsed.append((time.perf_counter() - started) * 1000)
        if response.status_code != 302:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
            raise PageError(f"HTTP {response.status_code} {re.sub('<[^>]+>', ' ', ' '.join(errors))[:200]}")

    post.elapsed = []
    try:
        timed(post, bench.repeat)
    except PageError as exc:
        bench.add(Result(name, status="error", note=str(exc)))
        log(f"  {name}: {exc}")
        return
    samples = post.elapsed[2:]  # the POST alone, without the GET of the form; warm-up dropped
    result = Result(name, samples, note="POST only (form GET excluded)")
    bench.add(result)
    log(f"  {name}: median {result.median:.1f} ms")


def keyword_floor(term):
    tokens = " ".join(_tokens(term))
    return [
        ("SELECT COUNT(*) FROM petitions_case WHERE search_vector @@ phraseto_tsquery('simple', %s)", [tokens]),
        ("SELECT id, number, registered_at, channel, summary, status, current_due FROM petitions_case "
         "WHERE search_vector @@ phraseto_tsquery('simple', %s) ORDER BY registered_at DESC, id DESC LIMIT 20",
         [tokens]),
    ]


def _tokens(term):
    from petitions.lib.text import tokens

    return tokens(term)


def run_pages(bench, end):
    from django.db import connection

    from accounts.models import OrgUnit
    from petitions.models import Case

    is_pg = connection.vendor == "postgresql"
    log("pages")
    bench_registration(bench)

    pool_floor = [
        ("SELECT COUNT(*) FROM petitions_case WHERE status = 'pending'", []),
        ("SELECT c.id, c.number, c.registered_at, c.channel, c.summary, c.current_due, p.name, pr.name, o.name "
         "FROM petitions_case c LEFT JOIN petitions_dictentry p ON p.id = c.purpose_id "
         "LEFT JOIN petitions_dictentry pr ON pr.id = c.problem_id LEFT JOIN accounts_orgunit o ON o.id = c.holder_org_id "
         "WHERE c.status = 'pending' ORDER BY c.registered_at DESC, c.id DESC LIMIT 20", []),
    ]
    bench.page("分流池首页", "triage", "petitions:pool", floor=pool_floor)

    rng = random.Random(SEED)
    top = Case.objects.order_by("-id").values_list("id", flat=True).first() or 1
    ids = [rng.randrange(1, top + 1) for _i in range(60)]
    ids = list(Case.objects.filter(id__in=ids, is_confidential=False).values_list("id", flat=True)) or [top]
    detail_urls = [bench.url("petitions:detail", pk) for pk in ids] if bench.url("petitions:detail", ids[0]) else None
    detail_floor = [
        ("SELECT c.*, o.name, p.name FROM petitions_case c JOIN accounts_orgunit o ON o.id = c.registered_org_id "
         "LEFT JOIN petitions_dictentry p ON p.id = c.problem_id WHERE c.id = %s", [ids[0]]),
        ("SELECT * FROM petitions_petitioner WHERE case_id = %s ORDER BY position", [ids[0]]),
        ("SELECT e.*, u.real_name, o.name FROM petitions_caseevent e LEFT JOIN accounts_user u ON u.id = e.actor_id "
         "LEFT JOIN accounts_orgunit o ON o.id = e.actor_org_id WHERE e.case_id = %s ORDER BY e.created_at, e.id",
         [ids[0]]),
    ]
    bench.page("信访件详情", "triage", "petitions:detail", ids[0], urls=detail_urls, floor=detail_floor)

    handler_org = OrgUnit.objects.filter(code="533922101").values_list("id", flat=True).first()
    inbox_floor = [
        ("SELECT status, COUNT(*) FROM petitions_assignment WHERE org_id = %s GROUP BY status", [handler_org]),
        ("SELECT a.id, a.acceptance_due, a.kind, c.id, c.number, c.summary, c.registered_at, o.name "
         "FROM petitions_assignment a JOIN petitions_case c ON c.id = a.case_id "
         "JOIN accounts_orgunit o ON o.id = a.assigned_by_org_id "
         "WHERE a.org_id = %s AND a.status = 'pending' ORDER BY a.acceptance_due, a.id LIMIT 30", [handler_org]),
    ]
    bench.page("承办人收件箱 (待受理)", "township_handler", "petitions:inbox", floor=inbox_floor)
    bench.page("承办人收件箱 (办理中)", "township_handler", "petitions:inbox", query={"tab": "in_progress"})
    bench.page("承办人收件箱 (已办结)", "township_handler", "petitions:inbox", query={"tab": "done"})
    bench.page("领导待批示", "leader", "petitions:leader")
    bench.page("督查督办", "supervisor", "petitions:supervision")
    bench.page("审核办理", "triage", "petitions:review_queue")
    for user, label in (("triage", "分流员"), ("leader", "领导"), ("township_handler", "承办人")):
        bench.page(f"首页 ({label})", user, "home")

    for term, label in (("拆迁", "常见词"), ("拖欠工资", "常见短语"), ("噪音扰民", "较少"), ("鹏程花园", "无命中")):
        bench.page(f"关键词搜索 “{term}” ({label})", "triage", "petitions:search", query={"q": term},
                   floor=keyword_floor(term) if is_pg else None)
    from petitions.models import Petitioner

    known_id = (Petitioner.objects.exclude(id_number="").order_by("-id").values_list("id_number", flat=True)[1000:1001]
                or ["11010519491231002X"])[0]  # decrypted by the field; the search encrypts it again
    bench.page("信访查询 按身份证号", "triage", "petitions:search", query={"id_number": known_id})
    bench.page("办结存档首页", "triage", "petitions:archive")

    start = end - timedelta(days=364)
    period = {"start": start.isoformat(), "end": end.isoformat()}
    report_repeat = max(3, bench.repeat // 3)
    try:
        from reports.definitions import CHARTS, REPORTS
    except ImportError:
        REPORTS, CHARTS = (), {}
    report_floor = [(
        "SELECT registered_org_id, COUNT(*), COUNT(*) FILTER (WHERE channel = 'visit'), "
        "SUM(COALESCE(visitor_count, 1)) FILTER (WHERE channel = 'visit'), COUNT(*) FILTER (WHERE is_repeat), "
        "COUNT(*) FILTER (WHERE is_collective), COUNT(*) FILTER (WHERE status IN ('closed', 'archived')) "
        "FROM petitions_case WHERE registered_at >= %s AND registered_at < %s GROUP BY registered_org_id",
        [start, end + timedelta(days=1)])]
    for definition in REPORTS:
        bench.page(f"报表 {definition.title} (全年)", "statistician", "reports:report", definition.slug,
                   query=period, floor=report_floor, repeat=report_repeat)
    bench.page("考核指标 (全年)", "statistician", "reports:kpi", query=period, repeat=report_repeat)
    bench.page("分析图表页 (全年)", "statistician", "reports:charts", query=period, repeat=report_repeat)
    if CHARTS:
        slug = next(iter(CHARTS))
        bench.page(f"图表图片 {slug}.png (全年)", "statistician", "reports:chart_image", slug, query=period,
                   repeat=report_repeat)
    else:
        bench.add(Result("分析图表", status="not available", note="reports:charts"))


def run_export(bench, db):
    """Excel export of 100,000 rows, in a subprocess for an honest peak RSS."""
    from django.db.models import Min

    from petitions.models import Case

    name = f"Excel 导出 {EXPORT_ROWS:,} 行 (信访查询)"
    if bench.url("petitions:search") is None:
        bench.add(Result(name, status="not available", note="petitions:search"))
        return None
    newest = list(Case.objects.order_by("-registered_at").values_list("registered_at", flat=True)[
        EXPORT_ROWS - 1:EXPORT_ROWS])
    if newest:
        from django.utils import timezone

        date_from = timezone.localdate(newest[0])
    else:
        date_from = timezone_date(Case.objects.aggregate(m=Min("registered_at"))["m"])
    rows = Case.objects.filter(registered_at__date__gte=date_from).count()
    url = bench.url("petitions:search")
    criteria = json.dumps({"date_from": date_from.isoformat()})
    probe = subprocess.run([sys.executable, str(ROOT / "bench" / "export_probe.py"), "triage", url, "--post", criteria],
                           cwd=ROOT, env=os.environ.copy(), text=True, capture_output=True)
    if probe.returncode != 0:
        bench.add(Result(name, status="error", note=probe.stderr.strip().splitlines()[-1][:200]))
        return None
    info = json.loads(probe.stdout.strip().splitlines()[-1])
    backend = info.get("backend_cpu_seconds")
    cpu = f"CPU {info['cpu_seconds']:.1f} s" + (f" + server {backend:.1f} s" if backend is not None else "")
    note = (f"{rows:,} rows, {info['bytes'] / 1e6:.1f} MB xlsx, peak RSS {info['maxrss_mb']:.0f} MB "
            f"(process before export {info['baseline_mb']:.0f} MB, added {info['added_mb']:.0f} MB), {cpu}")
    bench.add(Result(name, [info["seconds"] * 1000], note=note))
    log(f"  {name}: {info['seconds']:.1f} s, {note}")
    return info


def timezone_date(value):
    from django.utils import timezone

    return timezone.localdate(value) if value else date.today()


# --- report ---------------------------------------------------------------------------------------

def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, text=True, capture_output=True).stdout.strip()
        except OSError:
            return ""
    return {
        "nproc": sh("nproc"),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "python": platform.python_version(),
    }


def render(results, meta):
    header = ["测量", "median ms", "p95 ms", "n", "floor ms", "ours/floor", "note"]
    rows = [header, ["---"] * len(header)] + [r.row() for r in results]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    head = [
        f"Benchmark {meta['date']} — {meta['cases']:,} generated cases ({meta['total_cases']:,} in the table) "
        f"on {meta['vendor']} {meta['db_version']}, database {meta['database']} ({meta['db_size']})",
        f"Machine: {meta['machine']['nproc']} CPUs ({meta['machine']['cpu']}), {meta['machine']['memory']} RAM, "
        f"Python {meta['machine']['python']}, load average at start {meta['load']}",
        "",
    ]
    return "\n".join(head + lines)


def main():
    url = os.environ["DATABASE_URL"]
    count = int(os.environ.get("BENCH_CASES", "100000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "20"))
    db = Database(url)
    load = os.getloadavg()
    generated = ensure_data(db, count)
    if "--prepare" in sys.argv:  # loadtest.sh: data only
        return 0
    if generated is None and os.environ.get("BENCH_GEN_CASES", "50000") != "0":
        log(f"generator throughput: scratch load of {int(os.environ.get('BENCH_GEN_CASES', '50000')):,} cases")
        generated = scratch_generator_run(db, int(os.environ.get("BENCH_GEN_CASES", "50000")))

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from petitions.models import Case

    bench = Bench(repeat)
    end = timezone.localdate()
    run_pages(bench, end)
    log("export")
    run_export(bench, db)
    if generated:
        bench.add(Result("生成器吞吐 (generate_cases)", [generated["seconds"] * 1000],
                         note=f"{generated['cases']:,} cases in {generated['seconds']:.0f} s = "
                              f"{generated['rate']:,.0f} cases/s (median column in ms = whole run)"))
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cur.fetchone()[0]
        else:
            import sqlite3

            version, size = sqlite3.sqlite_version, f"{Path(urlparse(url).path).stat().st_size / 1e6:.0f} MB"
    meta = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cases": count, "total_cases": Case.objects.count(),
            "vendor": connection.vendor, "db_version": version, "database": db.name, "db_size": size,
            "machine": machine(), "load": " ".join(f"{x:.2f}" for x in load)}
    text = render(bench.results, meta)
    print(text)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{db.name}-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text + "\n", encoding="utf-8")
    log(f"written to {path.relative_to(ROOT)}")
    failed = [r for r in bench.results if r.status == "error"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
