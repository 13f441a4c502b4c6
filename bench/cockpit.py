"""Latency of the cockpit (态势研判, docs/cockpit.md §6) at scale: every page of every role.

    BENCH_CASES=1000000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench_1m .venv/bin/python bench/cockpit.py

The data are those of ``bench/run.py`` (BENCH_CASES generated cases, seed 1, the demo users; created
or rebuilt the same way when missing). First ``manage.py scan_warnings`` runs once, timed, as cron
would run it hourly (hot spots, text clusters, late units, the KPI snapshots of 12 months: the first
run computes all of them, later runs the last three). Then each page is requested BENCH_REPEAT times
(default 15) after two warm-up requests by Django's test client in this process (DEBUG off), logged
in as the demo user of that role; median and p95 in ms, the number of SQL statements, and the median
time spent in them (``sql ms``: the database's share, the rest is Python and the template).
Target: ≤ 300 ms for every page. The table is printed and written to var/bench/cockpit-<db>-<time>.md.
"""
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import run  # noqa: E402  (bench/run.py: the environment, the data and the timing helpers)

# bench/ itself must not stay on the path: bench/documents.py would hide the documents app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]

TARGET_MS = 300


def main():
    count = int(os.environ.get("BENCH_CASES", "100000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    db = run.Database(os.environ["DATABASE_URL"])
    run.ensure_data(db, count)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from cockpit.services.warnings import warnings_scan
    from petitions.models import Case

    started = time.perf_counter()
    scan = warnings_scan()
    scan_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    again = warnings_scan()
    rescan_ms = (time.perf_counter() - started) * 1000

    clients = {}
    for name in ("leader", "statistician", "triage", "township_handler"):
        client = Client()
        client.force_login(User.objects.get(username=name))
        clients[name] = client
    from cockpit.selectors.overview import situation
    from cockpit.selectors.scope import jurisdiction_for
    from petitions import clock

    tiles = {t.key: t.url for t in situation(jurisdiction_for(User.objects.get(username="leader")), clock.today(),
                                              full=False)["tiles"]}
    week_url, overdue_url = tiles["week"], tiles["overdue"]
    pages = [
        ("首页 (领导)", "leader", reverse("home")),
        ("首页 (统计员)", "statistician", reverse("home")),
        ("首页 (分流员)", "triage", reverse("home")),
        ("首页 (承办人)", "township_handler", reverse("home")),
        ("态势研判 (领导, 近7日)", "leader", reverse("cockpit:index") + "?days=7"),
        ("态势研判 (领导, 近28日)", "leader", reverse("cockpit:index")),
        ("态势研判 (领导, 近91日)", "leader", reverse("cockpit:index") + "?days=91"),
        ("态势研判 (分流员)", "triage", reverse("cockpit:index")),
        ("态势研判 (承办人)", "township_handler", reverse("cockpit:index")),
        ("大屏", "leader", reverse("cockpit:wall")),
        ("热点与聚集", "leader", reverse("cockpit:hotspots")),
        ("积案与重复信访", "leader", reverse("cockpit:backlog")),
        ("预警", "leader", reverse("cockpit:warnings")),
        ("清单: 近7日登记", "leader", week_url),
        ("清单: 超期未结", "leader", overdue_url),
    ]
    results = []
    for label, who, url in pages:
        client = clients[who]
        sql = []

        def wrapper(execute, query, params, many, context, spent=sql):
            t0 = time.perf_counter()
            try:
                return execute(query, params, many, context)
            finally:
                spent[-1].append((time.perf_counter() - t0) * 1000)

        def request(_i, client=client, url=url):
            sql.append([])
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{label} {url}: {response.status_code}")

        with connection.execute_wrapper(wrapper):
            samples = run.timed(request, repeat)
        measured = sql[-repeat:]
        results.append((label, samples, len(measured[0]), statistics.median(sum(s) for s in measured)))
        run.log(f"{label}: {statistics.median(samples):.1f} ms")

    version = connection.cursor().connection.server_version if connection.vendor == "postgresql" else ""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"Cockpit benchmark {datetime.now():%Y-%m-%d %H:%M %Z} — {Case.objects.count():,} cases on "
        f"{connection.vendor} {version}, database {db.name}; {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at the end {load}",
        "",
        f"scan_warnings: first run {scan_ms:,.0f} ms ({scan}), next run {rescan_ms:,.0f} ms ({again})",
        "",
        "| page | median ms | p95 ms | n | SQL statements | sql ms (median) | ≤ 300 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, samples, statements, sql_ms in results:
        median = statistics.median(samples)
        lines.append(f"| {label} | {median:,.1f} | {run.percentile(samples, 95):,.1f} | {len(samples)} | {statements} | "
                     f"{sql_ms:,.1f} | {'yes' if median <= TARGET_MS else 'NO'} |")
    text = "\n".join(lines)
    print(text)
    out = Path(run.ROOT) / "var" / "bench" / f"cockpit-{db.name}-{datetime.now():%Y%m%d-%H%M}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
