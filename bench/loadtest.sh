#!/usr/bin/env bash
# make loadtest: locust, headless, against `make serve-prod` on 127.0.0.1 (loopback only).
#
#   LOADTEST_USERS=50 LOADTEST_TIME=3m BENCH_CASES=100000 bench/loadtest.sh
#
# 1. ensures the benchmark database (bench/run.py --prepare: DATABASE_URL, default xf_bench
#    on the local PostgreSQL, with BENCH_CASES generated cases);
# 2. starts serve-prod (gunicorn, production settings, plain HTTP for this local run) on a
#    free port in its own process group, and waits until the login page answers;
# 3. runs locust for LOADTEST_TIME with LOADTEST_USERS users (bench/locustfile.py), CSV to var/loadtest/;
# 4. prints requests/s and p50/p95/p99 per page, stops the server, exits non-zero on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/xf_bench}"
USERS="${LOADTEST_USERS:-50}"
RUN_TIME="${LOADTEST_TIME:-3m}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-5}"
OUT=var/loadtest
mkdir -p "$OUT"

$BIN/python bench/run.py --prepare

PORT="${LOADTEST_PORT:-$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
LOG="$OUT/server.log"
# Local plain-HTTP run of the production settings (no TLS terminator in front of it).
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SESSION_COOKIE_SECURE=0 DJANGO_CSRF_COOKIE_SECURE=0 DJANGO_SECURE_HSTS_SECONDS=0
setsid make --no-print-directory serve-prod PORT="$PORT" >"$LOG" 2>&1 &
SERVER=$!
cleanup() {
    kill -TERM -- "-$SERVER" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$SERVER" 2>/dev/null || return 0; sleep 0.5; done
    kill -KILL -- "-$SERVER" 2>/dev/null || true
}
trap cleanup EXIT

for i in $(seq 1 120); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/accounts/login/" | grep -q 200; then break; fi
    if ! kill -0 "$SERVER" 2>/dev/null; then echo "serve-prod exited; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; fi
    sleep 1
    if [ "$i" = 120 ]; then echo "serve-prod did not answer within 120 s; see $LOG" >&2; exit 1; fi
done
echo "serve-prod up on 127.0.0.1:$PORT ($(grep -c 'Booting worker' "$LOG") workers); $USERS users for $RUN_TIME" >&2

status=0
timeout --kill-after=30 "$(( $($BIN/python -c "import re,sys; v='$RUN_TIME'; m=re.fullmatch(r'(\d+)([smh]?)', v); print(int(m[1])*{'':1,'s':1,'m':60,'h':3600}[m[2]])") + 120 ))" \
    $BIN/locust -f bench/locustfile.py --headless --host "http://127.0.0.1:$PORT" -u "$USERS" -r "$SPAWN_RATE" \
    --run-time "$RUN_TIME" --stop-timeout 10 --csv "$OUT/run" --only-summary --exit-code-on-error 1 \
    --loglevel WARNING || status=$?

$BIN/python bench/loadtest_summary.py "$OUT/run_stats.csv" || status=1
REQUESTS="$($BIN/python -c "import csv; print(next(r['Request Count'] for r in csv.DictReader(open('$OUT/run_stats.csv')) if r['Name'] == 'Aggregated'))")"
$BIN/python bench/loadtest_cpu.py "$SERVER" "$($BIN/python -c "from urllib.parse import urlparse; print(urlparse('$DATABASE_URL').path.lstrip('/'))")" "$REQUESTS" || true
exit $status
