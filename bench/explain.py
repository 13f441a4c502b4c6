"""EXPLAIN (ANALYZE, BUFFERS) of the queries behind the benchmarked pages (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench .venv/bin/python bench/explain.py [page ...]

Renders each page once through Django's test client (DEBUG off), captures its SQL, and for
every query slower than BENCH_EXPLAIN_MS (default 5 ms) prints the query and its plan. This is
how docs/performance.md ties each index to the query it serves; run it after a schema change.
"""
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xf_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")


def pages(end):
    start = end - timedelta(days=364)
    year = f"start={start}&end={end}"
    return {
        "pool": ("triage", "/cases/pool/"),
        "detail": ("triage", None),
        "inbox": ("township_handler", "/cases/inbox/"),
        "inbox-progress": ("township_handler", "/cases/inbox/?tab=in_progress"),
        "leader": ("leader", "/cases/leader/"),
        "supervision": ("supervisor", "/cases/supervision/"),
        "review": ("triage", "/cases/review/"),
        "instructions": ("leader", "/cases/instructions/"),
        "inbox-done": ("township_handler", "/cases/inbox/?tab=done"),
        "home-triage": ("triage", "/"),
        "home-leader": ("leader", "/"),
        "home-handler": ("township_handler", "/"),
        "search-common": ("triage", "/cases/search/?q=拆迁"),
        "search-rare": ("triage", "/cases/search/?q=噪音扰民"),
        "search-id": ("triage", "/cases/search/?id_number=11010519491231002X"),
        "archive": ("triage", "/cases/archive/"),
        "report-summary": ("statistician", f"/reports/summary/?{year}"),
        "report-bureau": ("statistician", f"/reports/bureau-data/?{year}"),
        "kpi": ("statistician", f"/reports/kpi/?{year}"),
        "charts": ("statistician", f"/reports/charts/?{year}"),
    }


def main(selected):
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from petitions.models import Case

    threshold = float(os.environ.get("BENCH_EXPLAIN_MS", "5"))
    clients = {}
    for name, (username, url) in pages(timezone.localdate()).items():
        if selected and name not in selected:
            continue
        if url is None:
            url = f"/cases/{Case.objects.filter(is_confidential=False).order_by('-id').values_list('id', flat=True)[500]}/"
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            total = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        print(f"\n=== {name} {url}: HTTP {response.status_code}, {total:.0f} ms, {len(ctx.captured_queries)} queries, "
              f"{sql_ms:.0f} ms in SQL")
        for q in ctx.captured_queries:
            ms = float(q["time"]) * 1000
            sql = q["sql"]
            if ms < threshold or not sql.lstrip().upper().startswith("SELECT"):
                continue
            print(f"\n--- {ms:.1f} ms: {sql[:600]}{' …' if len(sql) > 600 else ''}")
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cur.fetchall():
                    print("    " + line)


if __name__ == "__main__":
    main(set(sys.argv[1:]))
