"""CPU seconds the server spent during the load test: gunicorn (the server's process group)
plus the PostgreSQL backends connected to the benchmark database.

    python bench/loadtest_cpu.py <process group id> <database name> <requests>

On a machine shared with other work, latency percentiles measure the neighbours as much as
the application; CPU seconds per request do not, and 2 cores / (CPU seconds per request) is
the throughput this machine would give the application alone.
"""
import os
import sys

import psycopg2

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime of the process itself (not of reaped children: the master's would count
    # the migrate and collectstatic run before gunicorn started; workers are not recycled
    # within a run of this length, max_requests being 2000)
    return (int(fields[11]) + int(fields[12])) / TICK


def group_members(pgid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def main(pgid, dbname, requests):
    app = sum(cpu_seconds(pid) for pid in group_members(pgid))
    conn = psycopg2.connect(dbname="postgres", host="127.0.0.1", user="postgres")
    cur = conn.cursor()
    cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [dbname])
    db = sum(cpu_seconds(pid) for (pid,) in cur.fetchall())
    conn.close()
    total = app + db
    per = total / requests if requests else 0
    cores = os.cpu_count() or 1
    print(f"server CPU: gunicorn {app:.0f} s + PostgreSQL backends {db:.0f} s = {total:.0f} s for {requests} requests "
          f"= {per * 1000:.0f} ms per request; on {cores} otherwise idle cores: ~{cores / per:.1f} requests/s"
          if per else "server CPU: no requests")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
