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
    """P(X ≥ x) for X ~ Poisson(lam), in log space at one point and by the pmf's recurrence from
    there (no underflow for large lam, one lgamma per call)."""
    if x <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_first = -lam + x * math.log(lam) - math.lgamma(x + 1)
    if x > lam:
        # The upper tail from x on: pmf(k + 1) = pmf(k) · lam / (k + 1), falling geometrically.
        total, term, k = 0.0, 1.0, x
        while term > 1e-15 * total or total == 0.0:
            total += term
            k += 1
            term *= lam / k
            if k > x + 100 + 40 * math.sqrt(lam):
                break
        return min(1.0, math.exp(log_first) * total)
    # x at or below the mean: 1 − P(X ≤ x − 1), the lower tail summed down from x − 1 with
    # pmf(k − 1) = pmf(k) · k / lam.
    log_start = log_first + math.log(x / lam)  # pmf(x − 1)
    total, term, k = 0.0, 1.0, x - 1
    while k >= 0 and (term > 1e-15 * total or total == 0.0):
        total += term
        term *= k / lam
        k -= 1
    return max(0.0, 1.0 - math.exp(log_start) * total)


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
    if count < min_count or count <= lam:
        # Not above its mean: the tail is above 0.4, never a hot spot; not worth computing.
        return Verdict(count=count, expected=lam, p_value=1.0, flagged=False)
    p = poisson_sf(count, lam)
    return Verdict(count=count, expected=lam, p_value=p, flagged=p < alpha)


def windows(today, n=BASELINE_WINDOWS + 1, days=WINDOW_DAYS):
    """The ``n`` seven-day windows ending ``today``, newest first: ``[(first day, last day), …]``."""
    from datetime import timedelta

    out = []
    for i in range(n):
        end = today - timedelta(days=i * days)
        out.append((end - timedelta(days=days - 1), end))
    return out
