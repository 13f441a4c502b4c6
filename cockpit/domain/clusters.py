"""Clusters of petitions about the same thing (docs/cockpit.md §3), found in the case texts.

The same project, company, village or official named in several *different* matters within a week
is what an office wants to see early (矛盾纠纷排查). No dictionary of names exists for that, so the
rule works on the text itself, as the search index does (character n-grams, no word segmentation):

1. Phrases are runs of ``MIN_LEN`` to ``MAX_LEN`` Chinese characters taken from each matter's texts
   (content and summary, with the petitioners' own names blanked out by the caller: a cluster is about
   a matter, never about who petitioned; a repeat petition belongs to the matter of its first case,
   so one person's repeats never make a cluster). A phrase's count is the number of distinct matters of the window that
   contain it. Longer phrases are grown from frequent shorter ones (a phrase of n + 1 characters can
   only be frequent when both its n-character ends are), which keeps the work linear in the text.
2. Its baseline is the background: the matters of the previous weeks. The expected count in the
   window is ``background count × window days ÷ background days``, where the background count of a
   phrase is taken as that of its rarest four-character piece — an upper bound of the phrase's own
   count, so the test errs on the quiet side: a new name (its pieces rare) stands out, a template
   phrase or a place named every week does not.
3. A phrase is flagged when it is named in at least ``min_matters`` matters, at least ``RATIO``
   times as often as expected, and the Poisson tail ``P(X ≥ count | λ = max(expected, LAMBDA_FLOOR))``
   is below ``alpha``. The ratio is there because template-like phrases ("以经营困难为由",
   "答复不满意") vary more from week to week than a Poisson count would, and a frequent phrase 30 %
   above its mean is not a new matter.
4. Flagged phrases that say the same thing make one cluster. The longest phrases are taken first
   (they name the matter most precisely); a shorter phrase then counts only the matters not
   already in a cluster and must pass the test again on them, except that a shorter form of a
   cluster's own name whose matters are at least 80 % that cluster's brings its few other
   matters in (the same project named without the word that followed it).
"""
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cockpit.domain.hotspots import LAMBDA_FLOOR, poisson_sf

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
PIECE = 4
MIN_LEN = 5  # shorter flagged phrases are mostly fragments of template text ("口村集体")
MAX_LEN = 16
ALPHA = 0.001
MIN_MATTERS = 5
RATIO = 4.0  # named at least this many times as often as the background expects
EXTEND_SHARE = 0.8


def runs(text):
    return CJK_RUN.findall(text or "")


def pieces(texts, length):
    """Distinct substrings of ``length`` characters of the Chinese runs of ``texts``."""
    out = set()
    for text in texts:
        for run in runs(text):
            for i in range(len(run) - length + 1):
                out.add(run[i:i + length])
    return out


@dataclass
class Cluster:
    phrase: str
    matters: set
    cases: set = field(default_factory=set)
    areas: set = field(default_factory=set)
    expected: float = 0.0
    p_value: float = 1.0

    @property
    def count(self):
        return len(self.matters)


def _frequent_phrases(matter_texts, min_matters):
    """``{phrase: set(matter keys)}`` for phrases of PIECE…MAX_LEN characters in ≥ min_matters matters."""
    frequent = {}
    counts = Counter()
    for texts in matter_texts.values():
        counts.update(pieces(texts, PIECE))
    level = {p for p, n in counts.items() if n >= min_matters}
    length = PIECE
    while level:
        holders = defaultdict(set)
        for key, texts in matter_texts.items():
            for p in pieces(texts, length):
                if p in level:
                    holders[p].add(key)
        frequent.update(holders)
        if length == MAX_LEN:
            break
        length += 1
        counts = Counter()
        for key, texts in matter_texts.items():
            grown = {p for p in pieces(texts, length) if p[:-1] in level and p[1:] in level}
            counts.update(grown)
        level = {p for p, n in counts.items() if n >= min_matters}
    return frequent


def mask(text, names):
    """``text`` with each of ``names`` (two characters or more) replaced by a line break."""
    for name in names:
        if name and len(name) >= 2:
            text = text.replace(name, "\n")
    return text


def find_clusters(window, background, *, window_days, background_days, alpha=ALPHA, min_matters=MIN_MATTERS,
                  ratio=RATIO):
    """Flagged clusters of the window, most significant first.

    ``window`` and ``background`` are iterables of ``(matter key, case id, area key, text)``.
    """
    matter_texts = defaultdict(list)
    case_of, area_of = defaultdict(set), defaultdict(set)
    for matter, case_id, area, text in window:
        matter_texts[matter].append(text)
        case_of[matter].add(case_id)
        area_of[matter].add(area)
    frequent = _frequent_phrases(matter_texts, min_matters)
    if not frequent:
        return []
    wanted = {p[i:i + PIECE] for p in frequent for i in range(len(p) - PIECE + 1)}
    bg_texts = defaultdict(list)
    for matter, _case_id, _area, text in background:
        bg_texts[matter].append(text)
    bg_counts = Counter()
    for texts in bg_texts.values():
        bg_counts.update(pieces(texts, PIECE) & wanted)
    scale = window_days / background_days if background_days else 1.0
    def test(count, expected):
        lam = max(expected, LAMBDA_FLOOR)
        if count < min_matters or count < ratio * lam:
            return None
        p = poisson_sf(count, lam)
        return p if p < alpha else None

    flagged = []
    for phrase, matters in frequent.items():
        if len(phrase) < MIN_LEN:
            continue
        bg = min(bg_counts.get(phrase[i:i + PIECE], 0) for i in range(len(phrase) - PIECE + 1))
        expected = bg * scale
        p = test(len(matters), expected)
        if p is not None:
            flagged.append(Cluster(phrase=phrase, matters=set(matters), expected=expected, p_value=p))
    # The most specific phrase first: a longer phrase names the matter more precisely, and what it
    # explains is not counted again for the shorter ones (so "反映石门县", flagged only because of
    # the nine "反映石门县某采石场爆破……" matters, adds nothing).
    flagged.sort(key=lambda c: (-len(c.phrase), -c.count, c.phrase))
    kept = []
    for candidate in flagged:
        explained = set().union(*(k.matters for k in kept)) if kept else set()
        rest = candidate.matters - explained
        if rest == candidate.matters:
            kept.append(candidate)
            continue
        home = next((k for k in kept if candidate.phrase in k.phrase
                     and len(candidate.matters & k.matters) >= EXTEND_SHARE * len(candidate.matters)), None)
        if home is not None:  # a shorter name of the same matter: the few that name only it join
            home.matters |= candidate.matters
            continue
        p = test(len(rest), candidate.expected)
        if p is not None:
            kept.append(Cluster(phrase=candidate.phrase, matters=rest, expected=candidate.expected, p_value=p))
    for cluster in kept:
        for matter in cluster.matters:
            cluster.cases |= case_of[matter]
            cluster.areas |= area_of[matter]
    kept.sort(key=lambda c: (c.p_value, -c.count))
    return kept
