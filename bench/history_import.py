"""What the historical Excel import costs at the sizing target: 100,000 rows on PostgreSQL.

    .venv/bin/python bench/history_import.py [--rows N] [--database URL] [--regenerate]

1. A workbook of N rows in the real template format (``_meta`` sheet, the template's header), with
   the state mix of an office's archive (mostly finished cases, some running, some under 复查/复核),
   valid GB 11643 numbers, phones, addresses, a handling unit and dates over 2015–2022. Written once
   to ``var/bench/history-<N>.xlsx`` and reused.
2. A fresh database (default ``postgres://postgres@127.0.0.1:5432/xf_bench_history``): dropped,
   created, migrated, the demo organizations loaded.
3. The import of ``manage.py import_history FILE --org 53392201`` (the service it calls) in a child
   process that reports its wall time (and of the check and write phases), its CPU time and peak RSS
   (``ru_maxrss``), the CPU time of its PostgreSQL server process and the load average: the whole
   import, container and row checks included, one transaction. On a machine shared with other work
   the wall time grows with the load; the CPU times do not.
4. The same file again: the idempotent run (every row already imported, nothing written).

The requirement it checks (issue #13): 100,000 rows in at most 3 minutes at no more than 500 MB.
"""
import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/xf_bench_history"
LIMIT_SECONDS = 180
LIMIT_MB = 500

STATES = [("已办结", 60), ("已归档", 10), ("已答复", 10), ("办理中", 5), ("待分流", 5), ("复查中", 4), ("复核中", 3),
          ("不予受理", 2), ("不再受理", 1)]
WORDS = "反映 拖欠 工资 征地 补偿 安置 房屋 拆迁 噪音 污染 社保 医保 低保 户籍 土地 承包 林权 水利 道路 物业 供暖 学校 教师 医院".split()


def _check_char(body):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def _id_number(rng):
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    body = f"533922{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + _check_char(body), "男" if int(body[16]) % 2 else "女"


def _row(i, rng):
    from petitions.services.history_import.columns import COLUMNS

    state = rng.choices([s for s, _w in STATES], [w for _s, w in STATES])[0]
    day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 7))
    number, sex = _id_number(rng)
    v = {
        "source_number": f"SM{day.year}-{i:06d}", "channel": rng.choice(["来访", "来信", "电话", "网上信访"]),
        "petition_date": day.isoformat(), "status": state, "purpose": rng.choice(["求决", "申诉", "建议意见", "咨询"]),
        "problem": rng.choice(["劳动社保", "城乡建设", "农村农业", "国土资源水利林业", "民政"]), "problem_region": "533922",
        "content": "群众" + "、".join(rng.sample(WORDS, 6)) + f"等问题，要求有关部门依法处理。编号{i}。" * 2,
        "name": rng.choice("张王李赵刘陈杨黄周吴") + rng.choice(["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"]),
        "sex": sex, "id_number": number, "ethnicity": "汉族", "phone": f"139{rng.randrange(10**8):08d}",
        "address": f"石门县石门镇第{rng.randrange(1, 30)}村民小组",
    }
    accepted = day + dt.timedelta(days=rng.randrange(1, 15))
    answered = accepted + dt.timedelta(days=rng.randrange(5, 60))
    if state != "待分流" and state not in ("不予受理", "不再受理"):
        v.update(handling_org="533922101", accepted_at=accepted.isoformat())
    if state in ("已答复", "复查中", "复核中", "已办结", "已归档"):
        v.update(handling_opinion="支持", answer_text="经核查，已依法处理并答复信访人。", answered_at=answered.isoformat())
    if state in ("复查中", "复核中"):
        v["review_requested_at"] = (answered + dt.timedelta(days=10)).isoformat()
    if state == "复核中":
        decided = answered + dt.timedelta(days=30)
        v.update(review_opinion="维持原处理意见。", review_conclusion="维持", review_decided_at=decided.isoformat(),
                 recheck_requested_at=(decided + dt.timedelta(days=10)).isoformat())
    if state in ("已办结", "已归档"):
        v.update(closure_category="解决", closed_at=(answered + dt.timedelta(days=35)).isoformat())
    if state == "已归档":
        v["archived_at"] = (answered + dt.timedelta(days=70)).isoformat()
    if state == "不予受理":
        v.update(reject_reason="1", reject_channel="向人民法院提起诉讼", closed_at=accepted.isoformat())
    if state == "不再受理":
        v.update(answer_text="该事项已经复核终结。", closed_at=accepted.isoformat())
    return [v.get(c.key) for c in COLUMNS]


def generate(path, rows):
    from openpyxl import Workbook

    from petitions.services.history_import.columns import DATA_SHEET, HEADERS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION

    rng = random.Random(13)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append(list(HEADERS))
    for i in range(1, rows + 1):
        ws.append(_row(i, rng))
    meta = wb.create_sheet(META_SHEET)
    meta.append([TEMPLATE_MARK, TEMPLATE_VERSION])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    wb.save(tmp)
    tmp.rename(path)


def _manage(*args, env):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def fresh_database(url, env):
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    _manage("migrate", "--verbosity", "0", env=env)
    subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                    "from accounts.demo import load_demo_orgs; load_demo_orgs()"], check=True, env=env, cwd=ROOT)


def _cpu_of(pid):
    """User + system CPU seconds of process ``pid`` so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(path):
    """Run the import in this process (what ``manage.py import_history FILE --org 53392201`` runs) and
    print as JSON: wall time, the check and write phases, this process's CPU and peak RSS, and the
    CPU of its PostgreSQL server process (same machine)."""
    import django

    django.setup()
    from django.db import connection

    from accounts.models import OrgUnit
    from petitions.services.history_import import history_import

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    marks = {}

    def progress(phase, done, total):
        marks.setdefault(phase, time.monotonic())

    org = OrgUnit.objects.get(code="53392201")
    load = os.getloadavg()[0]
    server_before = _cpu_of(backend)
    started = time.monotonic()
    result = history_import(path=str(path), name=path.name, default_org=org, progress=progress)
    elapsed = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    write_start = marks.get("import", time.monotonic())
    print(f"rows {result.total}, created {result.created}, already imported {result.existing}")
    print(json.dumps({
        "seconds": elapsed, "check_seconds": write_start - started, "write_seconds": time.monotonic() - write_start,
        "cpu_seconds": usage.ru_utime + usage.ru_stime, "server_cpu_seconds": _cpu_of(backend) - server_before,
        "peak_mb": usage.ru_maxrss / 1024, "load": load, "load_end": os.getloadavg()[0]}))


def measure(path, env):
    out = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True, env=env, cwd=ROOT,
                         capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]), lines[-2] if len(lines) > 1 else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if args.child:
        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or args.database
        child(Path(args.child))
        return
    env = {**os.environ, "DATABASE_URL": args.database, "DJANGO_HISTORY_IMPORT_MAX_ROWS": str(max(args.rows, 100_000))}
    import django

    os.environ["DATABASE_URL"] = args.database
    django.setup()
    path = ROOT / "var" / "bench" / f"history-{args.rows}.xlsx"
    if args.regenerate or not path.exists():
        started = time.monotonic()
        generate(path, args.rows)
        print(f"workbook: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, written in "
              f"{time.monotonic() - started:.0f} s ({path})")
    fresh_database(args.database, env)
    first, summary = measure(path, env)
    print(f"import: {summary}; {_figures(first)}")
    second, summary2 = measure(path, env)
    print(f"again:  {summary2}; {_figures(second)}")
    ok = first["seconds"] <= LIMIT_SECONDS and first["peak_mb"] <= LIMIT_MB
    print(f"history import, {args.rows:,} rows on PostgreSQL: {first['seconds']:.0f} s (check "
          f"{first['check_seconds']:.0f} s + write {first['write_seconds']:.0f} s), peak RSS {first['peak_mb']:.0f} MB, "
          f"CPU {first['cpu_seconds']:.0f} s importer + {first['server_cpu_seconds']:.0f} s PostgreSQL, load average "
          f"{first['load']:.1f}–{first['load_end']:.1f} (limit {LIMIT_SECONDS} s, {LIMIT_MB} MB: "
          f"{'met' if ok else 'NOT met'}); the same file again: {second['seconds']:.0f} s, nothing written")
    sys.exit(0 if ok else 1)


def _figures(m):
    return (f"{m['seconds']:.1f} s wall (check {m['check_seconds']:.1f} s, write {m['write_seconds']:.1f} s), "
            f"CPU {m['cpu_seconds']:.1f} s + server {m['server_cpu_seconds']:.1f} s, peak {m['peak_mb']:.0f} MB, "
            f"load {m['load']:.1f}")


if __name__ == "__main__":
    main()
