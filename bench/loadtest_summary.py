"""Print the load test's per-page table (requests/s, p50/p95/p99, failures) from locust's CSV.

    python bench/loadtest_summary.py var/loadtest/run_stats.csv

Exit status 1 when any request failed. Pages whose p95 exceeds the 500 ms target are marked.
"""
import csv
import sys

P95_TARGET_MS = 500


def main(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print("no requests recorded")
        return 1
    header = f"{'page':<28} {'requests':>8} {'fails':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
    print(header)
    print("-" * len(header))
    failures = 0
    over = []
    for row in rows:
        name = row["Name"] if row["Type"] else row["Name"]
        fails = int(row["Failure Count"])
        line = (f"{name[:28]:<28} {int(row['Request Count']):>8} {fails:>5} {float(row['Requests/s']):>6.2f} "
                f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}")
        if row["Name"] == "Aggregated":
            print("-" * len(header))
            failures = fails
        elif row["95%"] not in ("N/A", "") and float(row["95%"]) > P95_TARGET_MS:
            over.append(name)
            line += "  > p95 target"
        print(line)
    print(f"errors: {failures}; pages over the p95 target of {P95_TARGET_MS} ms: {', '.join(over) or 'none'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
