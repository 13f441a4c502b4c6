"""The hot-spot rule (docs/cockpit.md §2): a matter rises above its own baseline.

For each cell (an area × a 所属问题) the cases registered in the last seven days (window 0, today
included) are compared with the eight seven-day windows before it:

    λ = max(mean of the 8 previous weekly counts, LAMBDA_FLOOR)
    flagged  ⇔  x ≥ MIN_COUNT  and  P(X ≥ x | X ~ Poisson(λ)) < ALPHA

The Poisson tail is the chance of seeing at least this many cases if nothing had changed; the
floor keeps a cell that was quiet for eight weeks from being "certain" to stay at zero, and the
minimum count keeps single cases in rare categories from ever being a hot spot. The false-alarm
rate this gives on generated data without a planted spike is measured by ``bench/hotspot_rate.py``
and stated in docs/cockpit.md.
"""
import math
from dataclasses import dataclass

WINDOW_DAYS = 7
BASELINE_WINDOWS = 8
LAMBDA_FLOOR = 0.5
MIN_COUNT = 3
ALPHA = 0.01


def poisson_sf(x, lam):
    """P(X ≥ x) for X ~ Poisson(lam), computed in log space (no underflow for large lam)."""
    if x <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_lam = math.log(lam)

    def log_pmf(k):
        return -lam + k * log_lam - math.lgamma(k + 1)

    if x > lam:
        # The upper tail from x on: terms fall geometrically beyond the mode.
        total, k = 0.0, x
        first = log_pmf(x)
        while True:
            term = math.exp(log_pmf(k) - first)
            total += term
            if term < 1e-12 or k > x + 50 + 20 * math.sqrt(lam):
                break
            k += 1
        return min(1.0, math.exp(first) * total)
    # x at or below the mean: 1 − P(X ≤ x − 1), the lower tail summed from 0.
    lower = sum(math.exp(log_pmf(k)) for k in range(0, x))
    return max(0.0, 1.0 - lower)


def baseline(previous):
    """λ for a cell from its previous weekly counts (oldest first or newest first alike)."""
    mean = sum(previous) / len(previous) if previous else 0.0
    return max(mean, LAMBDA_FLOOR)


@dataclass(frozen=True)
class Verdict:
    count: int
    expected: float
    p_value: float
    flagged: bool

    @property
    def ratio(self):
        return self.count / self.expected if self.expected else None


def judge(count, previous, *, alpha=ALPHA, min_count=MIN_COUNT):
    """The rule for one cell: ``count`` this window, ``previous`` the baseline windows' counts."""
    lam = baseline(previous)
    p = poisson_sf(count, lam)
    return Verdict(count=count, expected=lam, p_value=p, flagged=count >= min_count and p < alpha)


def windows(today, n=BASELINE_WINDOWS + 1, days=WINDOW_DAYS):
    """The ``n`` seven-day windows ending ``today``, newest first: ``[(first day, last day), …]``."""
    from datetime import timedelta

    out = []
    for i in range(n):
        end = today - timedelta(days=i * days)
        out.append((end - timedelta(days=days - 1), end))
    return out
