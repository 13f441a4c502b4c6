"""False-alarm rate of the cockpit's hot-spot and cluster rules on generated data (docs/cockpit.md §2–3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench .venv/bin/python bench/hotspot_rate.py [--weeks 52]

The generator (``manage.py generate_cases``) draws every case independently from fixed weights, with a
gentle growth over the years and no planted event, so whatever the rules flag in its data is a false
alarm. For each of the last ``--weeks`` weekly windows (7 days ending on the same weekday as the data's
last day), as the cockpit would have seen it on that day:

- hot spots: every (area × 所属问题) cell of each statistics jurisdiction that has a leader or
  statistician (the prefecture, and each county that has one) is tested against its 8 previous weeks;
  the rate is flagged cells ÷ cells tested, where a cell is tested when it had a case in the window or
  in its baseline (a cell never seen cannot be flagged);
- clusters (``--clusters N``): the text-cluster rule for the last N of those windows, the flagged
  clusters per window.

Also prints the rate the Poisson model itself promises for the cells' baselines (the sum over tested
cells of P(X ≥ max(x₀, MIN_COUNT)) where x₀ is the smallest count with a tail below ALPHA), which is
what the rule would give on data that is exactly Poisson.
"""
import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xf_bench")
os.environ["DJANGO_DEBUG"] = "0"


def promised_rate(lam, rule):
    """P(flagged) for a cell whose counts are exactly Poisson(lam) (its baseline taken as known)."""
    x = rule.MIN_COUNT
    while rule.poisson_sf(x, max(lam, rule.LAMBDA_FLOOR)) >= rule.ALPHA:
        x += 1
    return rule.poisson_sf(x, lam) if lam > 0 else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--clusters", type=int, default=8, help="windows to test the cluster rule on (0: none)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db.models import Count, Max
    from django.db.models.functions import TruncDate

    from cockpit.domain import hotspots as rule
    from cockpit.services.warnings import clusters_refresh, scan_jurisdictions
    from cockpit.models import TextCluster
    from cockpit.selectors.scope import Jurisdiction
    from cockpit.selectors.series import registered_between
    from petitions.models import Case

    last = Case.objects.aggregate(m=Max("registered_at"))["m"]
    from django.utils import timezone

    end = timezone.localdate(last)
    n_days = (args.weeks + rule.BASELINE_WINDOWS) * 7
    print(f"data: {Case.objects.count():,} cases, last registration {end}; {args.weeks} weekly windows ending "
          f"{end - timedelta(days=7 * (args.weeks - 1))} … {end}")
    for root, user in scan_jurisdictions():
        j = Jurisdiction(user=user, org=root)
        started = time.perf_counter()
        rows = (registered_between(j, end - timedelta(days=n_days - 1), end).exclude(problem_id=None)
                .annotate(day=TruncDate("registered_at")).values("day", "registered_org_id", "problem_id")
                .annotate(n=Count("pk")).order_by())
        daily = defaultdict(int)
        for row in rows:
            daily[(row["day"], j.area_of.get(row["registered_org_id"], j.org.path), row["problem_id"])] += row["n"]
        cells = {(a, p) for (_d, a, p) in daily}
        tested = flagged = 0
        promised = 0.0
        by_week = []
        for w in range(args.weeks):
            week_end = end - timedelta(days=7 * w)
            wins = rule.windows(week_end)
            week_flags = 0
            for area, problem in cells:
                counts = []
                for start, stop in wins:
                    n = 0
                    day = start
                    while day <= stop:
                        n += daily.get((day, area, problem), 0)
                        day += timedelta(days=1)
                    counts.append(n)
                if not any(counts):
                    continue
                tested += 1
                verdict = rule.judge(counts[0], counts[1:])
                promised += promised_rate(rule.baseline(counts[1:]), rule)
                if verdict.flagged:
                    flagged += 1
                    week_flags += 1
            by_week.append(week_flags)
        print(f"\n{root.name}: {len(j.areas)} areas, {len(cells)} cells (area × 所属问题) seen; "
              f"{tested:,} cell-weeks tested, {flagged} flagged = {flagged / tested:.4%} "
              f"(Poisson model promises {promised / tested:.4%}); per week: mean {flagged / args.weeks:.2f}, "
              f"max {max(by_week)}, weeks without any {by_week.count(0)}/{args.weeks}  "
              f"[{time.perf_counter() - started:.1f}s]")
        print("  flags per week, newest first:", " ".join(str(n) for n in by_week))
        if args.clusters:
            found = []
            for w in range(args.clusters):
                stored = clusters_refresh(j, end - timedelta(days=7 * w))
                found.append([(c.phrase, c.count, round(c.expected, 1)) for c in stored])
            TextCluster.objects.filter(org=root).delete()
            total = sum(len(f) for f in found)
            print(f"  clusters: {total} flagged in {args.clusters} windows ({total / args.clusters:.2f} per window)")
            for w, f in enumerate(found):
                print(f"    window -{w}: {f}")


if __name__ == "__main__":
    main()
