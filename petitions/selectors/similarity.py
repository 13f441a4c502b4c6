"""Possible earlier cases of a registration being typed (docs/architecture.md §3, issue 3 item 4).

A selector: it reads only through ``case_visible_qs``, so a clerk is never offered a case he
may not open.

Three signals, each limited to cases registered in the last two years:
- the same resident ID number (exact, normalised to upper-case X);
- the same name *and* phone of a petitioner;
- very similar content in the same 问题属地 (problem region).

Content similarity is the Sørensen–Dice coefficient over the sets of character bigrams
that ``petitions.lib.text.tokens`` produces (plus ASCII words and digit runs):
``2·|A∩B| / (|A| + |B|)``, threshold ``CONTENT_THRESHOLD``. Why bigrams and not jieba:
no dictionary to ship or maintain; place names, personal names, company names and local
terms (石门镇、龙潭乡、欠薪) that a word segmenter cuts unpredictably still produce the same
bigrams; a clerk's retelling of the same complaint with different word order still shares
most bigrams; and it reuses the tokens the full-text index already stores, so candidates
come from the index instead of a table scan: on PostgreSQL
``search_vector @@ to_tsquery('simple', 'a | b | …')`` ranked by ``ts_rank`` (top N), on
SQLite ``petitions_case_fts MATCH '"a" OR "b" …'``. Bigrams common to a large share of all
cases (boilerplate such as 反映、请求) are left out of that query (``common_tokens``). Only
those N candidates are scored in Python. Dice rather than Jaccard because it weighs the shared part more generously for
texts of different length (a short retelling of a long letter); 0.5 Dice ≈ 0.33 Jaccard.
"""
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import BooleanField, FloatField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.models import Case, Petitioner
from petitions.selectors.visibility import case_visible_qs
from petitions.lib.text import tokens

WINDOW_DAYS = 730  # "in the last 2 years"
CONTENT_THRESHOLD = 0.5
CANDIDATES = 50  # top-N cases from the full-text index that are scored
MAX_QUERY_TOKENS = 48  # distinct tokens of the typed text put into the OR query
MIN_CONTENT_TOKENS = 4  # shorter texts are not compared (too little to be "very similar")
MAX_RESULTS = 10
COMMON_FRACTION = 0.005  # a bigram in more than 0.5% of cases does not select candidates
COMMON_CACHE_SECONDS = 600


@dataclass
class SimilarCase:
    case: Case
    reasons: list = field(default_factory=list)
    score: float = 0.0

    def as_json(self):
        case = self.case
        return {
            "id": case.pk, "number": case.number, "date": case.registered_at and timezone.localdate(
                case.registered_at).isoformat(),
            "status": case.status, "status_label": str(case.get_status_display()),
            "url": case.get_absolute_url(), "reasons": self.reasons,
        }


def dice(a, b):
    """Sørensen–Dice coefficient of two token sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


_common_cache = {"at": 0.0, "tokens": frozenset()}


def common_tokens():
    """Bigrams found in more than ``COMMON_FRACTION`` of all cases ("反映", "请求", place names …).

    Read from PostgreSQL's own statistics of the tsvector column (``pg_stats.most_common_elems``,
    kept by ANALYZE/autovacuum), cached for ``COMMON_CACHE_SECONDS``. They are left out of the
    candidate query: a bigram that is in every other case selects nothing and makes the index
    return most of the table (measured: 1M cases, 3.5 s instead of tens of milliseconds). They
    still count in the Dice score. Empty on SQLite and before the first ANALYZE."""
    if connection.vendor != "postgresql":
        return frozenset()
    now = time.monotonic()
    if now - _common_cache["at"] < COMMON_CACHE_SECONDS and _common_cache["at"]:
        return _common_cache["tokens"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'petitions_case' AND attname = 'search_vector'")
        row = cursor.fetchone()
    found = frozenset()
    if row and row[0]:
        elems, freqs = row
        found = frozenset(e for e, f in zip(elems, freqs) if f > COMMON_FRACTION)
    _common_cache.update(at=now, tokens=found)
    return found


def _fulltext_candidates(qs, query_tokens):
    """Restrict ``qs`` to cases whose search tokens share any of ``query_tokens`` (top N)."""
    if connection.vendor == "postgresql":
        tsquery = " | ".join(f"'{t}'" for t in query_tokens)
        return qs.filter(
            RawSQL("petitions_case.search_vector @@ to_tsquery('simple', %s)", [tsquery],
                   output_field=BooleanField())
        ).annotate(
            rank=RawSQL("ts_rank(petitions_case.search_vector, to_tsquery('simple', %s))", [tsquery],
                        output_field=FloatField())
        ).order_by("-rank", "-registered_at")[:CANDIDATES]
    if connection.vendor == "sqlite":
        match = " OR ".join(f'"{t}"' for t in query_tokens)
        return qs.filter(
            pk__in=RawSQL("SELECT rowid FROM petitions_case_fts WHERE petitions_case_fts MATCH %s", [match])
        ).order_by("-registered_at")[:CANDIDATES]
    return qs.order_by("-registered_at")[:CANDIDATES]


def similar_cases(user, *, id_numbers=(), name_phones=(), content="", region=None, exclude_pk=None, now=None):
    """Visible cases of the last two years that may be the same matter; newest first.

    ``id_numbers``: resident ID numbers typed on the form; ``name_phones``: (name, phone)
    pairs; ``content``: the 反映问题及诉求 text; ``region``: the 问题属地 OrgUnit (content
    is compared only within it). Returns at most ``MAX_RESULTS`` ``SimilarCase`` objects,
    each with the Chinese reasons it was offered.
    """
    now = now or timezone.now()
    base = case_visible_qs(user).filter(registered_at__gte=now - timedelta(days=WINDOW_DAYS))
    if exclude_pk:
        base = base.exclude(pk=exclude_pk)
    found = {}

    def add(case, reason, score=0.0):
        hit = found.setdefault(case.pk, SimilarCase(case=case))
        if reason not in hit.reasons:
            hit.reasons.append(reason)
        hit.score = max(hit.score, score)

    ids = sorted({n.strip().upper() for n in id_numbers if n and len(n.strip()) == 18})
    if ids:
        for case in base.filter(pk__in=Petitioner.objects.filter(id_number__in=ids).values("case_id"))[:MAX_RESULTS]:
            add(case, _("同一身份证号"))

    pairs = {(n.strip(), p.strip()) for n, p in name_phones if n and n.strip() and p and p.strip()}
    if pairs:
        match = Q()
        for name, phone in sorted(pairs):
            match |= Q(name=name, phone=phone)
        people = Petitioner.objects.filter(match).values("case_id")
        for case in base.filter(pk__in=people)[:MAX_RESULTS]:
            add(case, _("同一姓名和电话"))

    ordered = list(dict.fromkeys(tokens(content)))  # distinct, in reading order
    typed = set(ordered)
    if region is not None and len(typed) >= MIN_CONTENT_TOKENS:
        common = common_tokens()
        query = [t for t in ordered if t not in common][:MAX_QUERY_TOKENS]
        candidates = _fulltext_candidates(base.filter(problem_region=region), query) if query else []
        for case in candidates:
            score = dice(typed, set(tokens(case.content)))
            if score >= CONTENT_THRESHOLD:
                add(case, _("同一问题属地内容相似（%(pct)d%%）") % {"pct": round(score * 100)}, score)

    return sorted(found.values(), key=lambda h: (h.case.registered_at, h.case.pk), reverse=True)[:MAX_RESULTS]
