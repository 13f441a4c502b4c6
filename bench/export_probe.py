"""Run one Excel export in a fresh process and report time, size and peak memory (JSON on stdout).

    python bench/export_probe.py <username> <url> [--post CRITERIA_JSON] [--profile N]

Used by bench/run.py so that the peak RSS (``ru_maxrss``) is the export's own and not the
benchmark's. The response is consumed chunk by chunk and discarded, as a client would. With
``--post`` the criteria are first posted to ``url`` (信访查询 takes no criteria from the query
string) and the export is the saved search's ``&export=xlsx``.
``--profile N`` runs the export under cProfile and prints the N functions with the most own
time to stderr (the timing is then the profiled one, slower than the real export).
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
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
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
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"seconds": seconds, "bytes": size, "maxrss_mb": peak * 1.024, "baseline_mb": baseline,
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
