"""Run one Excel export in a fresh process and report time, size and peak memory (JSON on stdout).

    python bench/export_probe.py <username> <url> [--post CRITERIA_JSON] [--profile N]

Used by bench/run.py so that the peak RSS (``ru_maxrss``) is the export's own and not the
benchmark's. The response is consumed chunk by chunk and discarded, as a client would. With
``--post`` the criteria are first posted to ``url`` (信访查询 takes no criteria from the query
string) and the export is the saved search's ``&export=xlsx``.
``--profile N`` runs the export under cProfile and prints the N functions with the most own
time to stderr (the timing is then the profiled one, slower than the real export).

Reported: ``seconds`` (wall), ``cpu_seconds`` (this process, user + system) and
``backend_cpu_seconds`` (the PostgreSQL server process of the connection, when it runs on this
machine; else null), ``maxrss_mb`` (peak resident set of the process), ``baseline_mb`` (resident
set just before the export) and ``added_mb`` (the difference: what the export itself added at
its peak). All sizes in MB of 10^6 bytes. On a shared machine the wall time depends on the
neighbours; the CPU seconds are what the export needs (docs/performance.md §13).
"""
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def rss_mb():
    """Current resident set size from /proc (MB)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb():
    """Peak resident set size of this process (MB; ``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def own_cpu():
    usage = os.times()
    return usage.user + usage.system


def backend_pid():
    """The server process of Django's connection, or None (not PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def process_cpu(pid):
    """CPU seconds (user + system) of process ``pid`` from /proc, or None (not on this machine)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def main(username, url, profile=0, post=None):
    import django

    django.setup()
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get("/")  # load templates, translations and the URLconf before measuring
    if post is not None:
        url = client.post(url, json.loads(post))["Location"] + "&export=xlsx"
    baseline = rss_mb()
    pid = backend_pid()
    backend_started = process_cpu(pid)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_started = own_cpu()
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"export returned HTTP {response.status_code}")
    size = 0
    if getattr(response, "streaming", False):
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    cpu = own_cpu() - cpu_started
    backend_ended = process_cpu(pid) if backend_pid() == pid else None  # same connection throughout
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
    peak = peak_rss_mb()
    backend = None if backend_started is None or backend_ended is None else backend_ended - backend_started
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "backend_cpu_seconds": backend, "bytes": size,
                      "maxrss_mb": peak, "baseline_mb": baseline, "added_mb": peak - baseline,
                      "content_type": response.get("Content-Type", "")}))


if __name__ == "__main__":
    args = sys.argv[1:]
    top, criteria = 0, None
    if "--profile" in args:
        i = args.index("--profile")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--post" in args:
        i = args.index("--post")
        criteria = args[i + 1]
        del args[i:i + 2]
    main(args[0], args[1], profile=top, post=criteria)
