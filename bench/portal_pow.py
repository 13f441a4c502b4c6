"""What the portal's browser check (portal/captcha.py) costs: the solver, and the server.

    .venv/bin/python bench/portal_pow.py [--count N] [--max-number M] [--browser] [--native]

- Python solve: N challenges at PORTAL_POW_MAX_NUMBER (the production figure of
  config/settings/base.py unless --max-number), each solved by ``challenge_solve`` (hashlib, one
  core): what a bot written in Python pays per form. Median, 90th percentile, hashes per second.
- Server: issuing a challenge, ``challenge_check`` (decode, HMAC, hash, expiry: no database) and
  ``challenge_verify`` (plus the replay row and the clean-up of expired rows) on DATABASE_URL
  (default an in-memory SQLite; the table is created inside a transaction that is rolled back,
  so nothing is left behind).
- --browser: the same N challenges solved by static/js/portal_pow_worker.js in headless Chromium
  (/usr/bin/chromium, Playwright), served from 127.0.0.1: what a visitor waits.
- --native: `openssl speed` SHA-256 on 64-byte inputs, for the hashes per second of a bot in C.

Solve times are uniform between 0 and the full sweep (the secret number is uniform), so the
median is about half of the worst case.
"""
import argparse
import functools
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from portal.captcha import (  # noqa: E402
    challenge_check, challenge_issue, challenge_solve, challenge_verify, solution_payload,
)
from portal.models import PortalChallengeUse  # noqa: E402


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(label, seconds, unit="ms", scale=1000):
    digits = 2 if unit == "s" else 1
    print(f"  {label:<38} median {statistics.median(seconds) * scale:9.{digits}f} {unit}"
          f"   p90 {quantile(seconds, 0.9) * scale:9.{digits}f} {unit}")


def python_solve(challenges):
    times, hashes = [], 0
    for challenge in challenges:
        started = time.perf_counter()
        number = challenge_solve(challenge)
        times.append(time.perf_counter() - started)
        hashes += number + 1
    return times, hashes / sum(times)


def server_costs(challenges, solutions, repeat):
    issue = []
    for _i in range(repeat):
        started = time.perf_counter()
        challenge_issue()
        issue.append(time.perf_counter() - started)
    check = []
    for payload in solutions * max(1, repeat // len(solutions)):
        started = time.perf_counter()
        assert challenge_check(payload)[0] is None
        check.append(time.perf_counter() - started)
    verify = []
    missing = PortalChallengeUse._meta.db_table not in connection.introspection.table_names()
    if missing and connection.vendor == "sqlite":  # SQLite's schema editor refuses to run in a transaction
        with connection.schema_editor() as editor:
            editor.create_model(PortalChallengeUse)
    with transaction.atomic():
        if missing and connection.vendor != "sqlite":
            with connection.schema_editor() as editor:
                editor.create_model(PortalChallengeUse)
        for payload in solutions:
            started = time.perf_counter()
            assert challenge_verify(payload) is None
            verify.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    return issue, check, verify


def browser_solve(challenges):
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(ROOT / "static")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    solve = """c => new Promise(done => { const w = new Worker('/js/portal_pow_worker.js');
        w.onmessage = e => { w.terminate(); done(e.data); }; w.postMessage(c); })"""
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/css/")
            times = []
            for challenge in challenges:
                result = page.evaluate(solve, challenge)
                assert result["number"] == challenge_solve(challenge)
                times.append(result["took"] / 1000)
            # A hash no number gives: every number is tried, the worst case.
            full_sweep = page.evaluate(solve, {**challenges[0], "challenge": "0" * 64})["took"] / 1000
            browser.close()
    finally:
        server.shutdown()
    return times, full_sweep


def native_rate():
    out = subprocess.run(["openssl", "speed", "-bytes", "64", "-seconds", "2", "sha256"], capture_output=True,
                         text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("sha256"))
    return float(line.split()[1].rstrip("k")) * 1000 / 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=31)
    parser.add_argument("--max-number", type=int, default=settings.PORTAL_POW_MAX_NUMBER)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--native", action="store_true")
    args = parser.parse_args()

    maxnumber = args.max_number
    challenges = [challenge_issue(max_number=maxnumber) for _i in range(args.count)]
    print(f"portal proof of work: SHA-256, maxnumber {maxnumber:,} (expected {maxnumber // 2:,} hashes), "
          f"{args.count} challenges, {os.cpu_count()} CPUs, database {connection.vendor}")

    times, rate = python_solve(challenges)
    print("solver")
    row("Python hashlib, one core", times, "s", 1)
    print(f"  {'':<38} {rate / 1e6:.2f} M hashes/s: expected median {maxnumber / 2 / rate:.2f} s, "
          f"full sweep {maxnumber / rate:.2f} s")
    solutions = [solution_payload(c, challenge_solve(c)) for c in challenges]
    if args.browser:
        btimes, sweep = browser_solve(challenges)
        row("Chromium worker (portal_pow_worker.js)", btimes, "s", 1)
        print(f"  {'':<38} {maxnumber / sweep / 1e6:.2f} M hashes/s: expected median {sweep / 2:.2f} s, "
          f"full sweep {sweep:.2f} s")
    if args.native:
        native = native_rate()
        print(f"  {'OpenSSL C (openssl speed, 64 B)':<38} {native / 1e6:.2f} M hashes/s: median about "
              f"{maxnumber / 2 / native * 1000:.0f} ms")

    issue, check, verify = server_costs(challenges, solutions, repeat=1000)
    print("server")
    row("issue a challenge", issue, "µs", 1e6)
    row("check a solution (no database)", check, "µs", 1e6)
    row(f"verify + replay row ({connection.vendor})", verify, "µs", 1e6)


if __name__ == "__main__":
    main()
