"""信访查询 and 办结存档: one query language over the cases a user may see, on both databases.

Filters are plain ORM conditions on ``case_visible_qs(user)``. Content keywords use the bigram
index of migration 0003 (petitions/lib/text.py): every whitespace-separated term becomes a phrase
of its bigram tokens, and all terms must match (AND):

- PostgreSQL: ``search_vector @@ phraseto_tsquery('simple', 't1 t2')`` (GIN index), ranked by
  ``ts_rank``;
- SQLite: ``petitions_case_fts MATCH '"t1 t2" AND "t3 t4"'`` (FTS5), ranked by ``bm25``.

User text never reaches SQL as text: terms become tokens of letters and digits only, quoted and
passed as parameters. A term containing a lone Chinese character (a one-character word such as
"房", or one character next to letters or digits, "A区") has no bigram to look up; it is matched
by a substring scan (LIKE) of the indexed text within the other filters.

Counting stops at ``COUNT_CAP`` + 1 rows ("1000+"). A keyword search with at most that many
hits is paged from a ``MATERIALIZED`` common table expression: first all matching rows
(bitmap / FTS index scan), then rank, sort and LIMIT over those. This avoids the planner trap
of docs/performance.md R2, where ``ORDER BY … LIMIT 20`` over a rare term walks the whole date
index filtering row by row. With more hits the term is frequent, the ordinary ordered LIMIT
finds a page quickly, and the page is ordered by date (see ``result_page``).
"""
import hashlib
import json
import re
from dataclasses import dataclass
from itertools import islice
from datetime import datetime, time, timedelta

from django.db import connection
from django.http import QueryDict
from django.db.models import BooleanField, F, FloatField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


from petitions import clock
from petitions.domain.idcard import mask_id_number, mask_phone
from petitions.models import Case, Channel, DictEntry, DictKind, Petitioner, Procedure, SavedSearch
from petitions.models.workflow import Assignment
from petitions.selectors.visibility import case_visible_qs, own_assignments_qs
from petitions.lib.text import CJK, tokens
from petitions.workflow import FINISHED_STATUSES, OPEN_STATUSES, Status

PAGE_SIZE = 20
COUNT_CAP = 1000
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200

SORT_RELEVANCE = "relevance"
SORT_CHOICES = [
    (SORT_RELEVANCE, _("相关度")),
    ("-date", _("登记时间（新→旧）")),
    ("date", _("登记时间（旧→新）")),
    ("number", _("信访件编号")),
    ("due", _("当前期限（近→远）")),
]
ARCHIVE_STATUSES = tuple(sorted(FINISHED_STATUSES))
YES_NO = [("", _("不限")), ("yes", _("是")), ("no", _("否"))]


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


# ---------------------------------------------------------------- keywords

LONE_CJK = re.compile(rf"^[{CJK}]$")


def _is_lone_cjk(token):
    """A one-character CJK token: the index holds bigrams, so it cannot be looked up."""
    return bool(LONE_CJK.match(token))


@dataclass
class Keywords:
    """A keyword query split into index phrases (lists of tokens) and substring terms."""

    phrases: list
    substrings: list

    @classmethod
    def parse(cls, text):
        phrases, substrings = [], []
        for term in (text or "").split():
            toks = tokens(term)
            if not toks:
                continue
            if any(_is_lone_cjk(t) for t in toks):
                substrings.append(term)
            else:
                phrases.append(toks)
        return cls(phrases, substrings)

    def __bool__(self):
        return bool(self.phrases or self.substrings)

    def fts5_match(self):
        """FTS5 query: each phrase double-quoted (tokens are letters/digits; quotes doubled anyway)."""
        return " AND ".join('"' + " ".join(p).replace('"', '""') + '"' for p in self.phrases)

    def tsquery_texts(self):
        return [" ".join(p) for p in self.phrases]


def _unindexed_match(keywords):
    """PostgreSQL: the same phrase match, written so that no index can serve it.

    ``(search_vector @@ …) IS TRUE`` is the same condition, but the GIN index cannot answer it,
    so for a frequent term the planner walks the date index (``ORDER BY … LIMIT``) and stops
    after the first page of hits instead of reading and sorting every hit. Used only when
    there are more than ``COUNT_CAP`` hits (see ``result_page``).
    """
    sql = " && ".join("phraseto_tsquery('simple'::regconfig, %s)" for _p in keywords.phrases)
    return RawSQL(f'("petitions_case"."search_vector" @@ ({sql})) IS TRUE', keywords.tsquery_texts(),
                  output_field=BooleanField())


def _keyword_filter(qs, keywords, *, dense=False):
    """``(qs, rank expression or None)`` with the keyword conditions applied.

    ``dense``: many hits are known; on PostgreSQL match without the index (``_unindexed_match``)."""
    rank = None
    if keywords.phrases and dense and connection.vendor == "postgresql":
        qs = qs.filter(_unindexed_match(keywords))
    elif keywords.phrases:
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField

            query = None
            for text in keywords.tsquery_texts():
                part = SearchQuery(text, search_type="phrase", config="simple")
                query = part if query is None else query & part
            qs = qs.annotate(_sv=RawSQL('"petitions_case"."search_vector"', [], output_field=SearchVectorField()))
            qs = qs.filter(_sv=query)
            rank = SearchRank(F("_sv"), query)
        else:
            match = keywords.fts5_match()
            qs = qs.filter(pk__in=RawSQL(
                "SELECT rowid FROM petitions_case_fts WHERE petitions_case_fts MATCH %s", [match]))
            # bm25 is lower for better matches; negated so that higher is better on both databases.
            rank = RawSQL(
                "(SELECT -bm25(petitions_case_fts) FROM petitions_case_fts "
                "WHERE petitions_case_fts MATCH %s AND rowid = petitions_case.id)", [match],
                output_field=FloatField())
    for term in keywords.substrings:
        qs = qs.filter(Q(content__icontains=term) | Q(summary__icontains=term)
                       | Q(responsible_unit__icontains=term))
    return qs, rank


# ---------------------------------------------------------------- the query

@dataclass
class CaseQuery:
    """A filtered, visible queryset plus how to order it; built by ``case_search``.

    ``base`` holds every condition but the keywords; ``qs`` adds them (index-served) and
    ``rank`` is the relevance expression, or None without keywords.
    """

    base: object
    keywords: object
    sort: str

    def __post_init__(self):
        self.qs, self.rank = _keyword_filter(self.base, self.keywords)

    @property
    def has_keywords(self):
        return bool(self.keywords)

    def dense(self):
        """The same search for more than ``COUNT_CAP`` hits (``result_page``): the keyword match
        is not index-served and relevance becomes registration time, newest first."""
        sort = "-date" if self.sort == SORT_RELEVANCE else self.sort
        query = CaseQuery(base=self.base, keywords=self.keywords, sort=sort)
        query.qs, query.rank = _keyword_filter(self.base, self.keywords, dense=True)
        return query

    def ordering(self):
        """ORM ordering for the sort (relevance falls back to date when there are no keywords)."""
        if self.sort == SORT_RELEVANCE and self.rank is not None:
            return [F("_rank").desc(), F("registered_at").desc(), F("id").desc()]
        if self.sort == "date":
            return [F("registered_at").asc(), F("id").asc()]
        if self.sort == "number":
            return [F("number").asc()]
        if self.sort == "due":
            return [F("current_due").asc(nulls_last=True), F("registered_at").desc(), F("id").desc()]
        return [F("registered_at").desc(), F("id").desc()]

    def ordered(self):
        qs = self.qs
        if self.sort == SORT_RELEVANCE and self.rank is not None:
            qs = qs.annotate(_rank=self.rank)
        return qs.order_by(*self.ordering())


def case_search(user, cleaned, *, base=None, archive=False):
    """Apply the search form's cleaned values to the cases ``user`` may see.

    ``base`` narrows the visible set further (the archive passes finished cases). Returns a
    ``CaseQuery``. Reads only; visibility comes from ``case_visible_qs``.
    """
    qs = case_visible_qs(user, base)
    if archive:
        qs = qs.filter(status__in=ARCHIVE_STATUSES)
    c = cleaned
    if not c.get("number"):  # a voided registration is found by its number only
        # "<> voided", not "IN (every other status)": the IN list is index-served by case_status_time,
        # and PostgreSQL then reads every case in that index instead of walking the date order to the
        # first page (a rare keyword took 3.3 s at 1M cases; docs/performance.md §4).
        qs = qs.exclude(status=Status.VOIDED)
    if c.get("number"):
        # The system's number, or the number a historical case had before its import (原编号).
        number = c["number"].strip()
        qs = qs.filter(Q(number=number) | Q(source_number=number))
    person = Q()
    if c.get("name"):
        person &= Q(name=c["name"].strip())
    if c.get("id_number"):
        person &= Q(id_number=c["id_number"])
    if c.get("phone"):
        person &= Q(phone=c["phone"].strip())
    if person:
        qs = qs.filter(pk__in=Petitioner.objects.filter(person).values("case_id"))
    date_field = "closed_at" if archive and c.get("date_field") == "closed" else "registered_at"
    if c.get("date_from"):
        qs = qs.filter(**{f"{date_field}__gte": _day_start(c["date_from"])})
    if c.get("date_to"):
        qs = qs.filter(**{f"{date_field}__lt": _day_start(c["date_to"] + timedelta(days=1))})
    if c.get("channel"):
        qs = qs.filter(channel=c["channel"])
    if c.get("purpose") is not None:
        qs = qs.filter(purpose=c["purpose"])
    if c.get("problem") is not None:
        qs = qs.filter(problem_id__in=_descendant_ids(c["problem"]))
    if c.get("org") is not None:
        prefix = c["org"].path
        qs = qs.filter(Q(registered_path__startswith=prefix) | Q(pk__in=Assignment.objects.filter(
            org_path__startswith=prefix).values("case_id")))
    if c.get("status"):
        qs = qs.filter(status=c["status"])
    if c.get("overdue"):
        qs = qs.filter(current_due__lt=clock.today(), status__in=OPEN_STATUSES)
    if c.get("supervised"):
        qs = qs.filter(is_supervised=True)
    if c.get("matter_class"):
        qs = qs.filter(matter_class=c["matter_class"])
    if c.get("urgent"):
        qs = qs.filter(is_urgent=True)
    if c.get("simple"):
        qs = qs.filter(procedure=Procedure.SIMPLE)
    if c.get("due_to"):
        qs = qs.filter(current_due__lte=c["due_to"], status__in=OPEN_STATUSES)
    if c.get("mine"):  # 我的信访: cases assigned to the units the user acts for
        qs = qs.filter(pk__in=own_assignments_qs(user).values("case_id"))
    if c.get("repeat") == "yes":
        qs = qs.filter(is_repeat=True)
    elif c.get("repeat") == "no":
        qs = qs.filter(is_repeat=False)
    keywords = Keywords.parse(c.get("q"))
    sort = c.get("sort") or (SORT_RELEVANCE if keywords.phrases else "-date")
    return CaseQuery(base=qs, keywords=keywords, sort=sort)


def _descendant_ids(entry):
    ids, frontier = {entry.pk}, [entry.pk]
    while frontier:
        frontier = list(DictEntry.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.update(frontier)
    return ids


# ---------------------------------------------------------------- one page

@dataclass
class ResultPage:
    """A page of results; ``count`` is exact or capped (``count_capped``)."""

    rows: list
    number: int
    count: int
    count_capped: bool
    page_size: int = PAGE_SIZE
    relevance_dropped: bool = False

    @property
    def num_pages(self):
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def count_label(self):
        return f"{self.count}+" if self.count_capped else str(self.count)


def _order_sql(query):
    """ORDER BY over the CTE columns for ``query.sort``; no user text involved."""
    if query.sort == SORT_RELEVANCE and query.rank is not None:
        return "rank DESC, registered_at DESC, id DESC"
    return {
        "date": "registered_at ASC, id ASC",
        "number": "number ASC",
        "due": "current_due IS NULL, current_due ASC, registered_at DESC, id DESC",
    }.get(query.sort, "registered_at DESC, id DESC")


def _ranked(query):
    """True when the page is ordered by relevance (keywords present and 相关度 chosen)."""
    return query.sort == SORT_RELEVANCE and query.rank is not None


def _keyword_page(query, offset, limit):
    """(ids of one page, hits counted up to ``COUNT_CAP`` + 1) of a keyword search, one statement.

    The first ``COUNT_CAP`` + 1 hits are materialized (bitmap / FTS index scan, no ordering):
    when there are no more than ``COUNT_CAP`` they are all the hits, and the page is ranked and
    sorted among them. Otherwise the caller pages with ``_dense_page``.
    """
    qs = query.qs
    if _ranked(query):
        inner = qs.annotate(_rank=query.rank).values_list("id", "registered_at", "current_due", "number", "_rank")
    else:
        inner = qs.values_list("id", "registered_at", "current_due", "number")
    sql, params = inner.order_by()[:COUNT_CAP + 1].query.sql_with_params()
    cols = "id, registered_at, current_due, number" + (", rank" if _ranked(query) else "")
    head = f"WITH hits({cols}) AS MATERIALIZED ({sql}) "
    with connection.cursor() as cursor:
        cursor.execute(head + f"SELECT id, (SELECT count(*) FROM hits) FROM hits ORDER BY {_order_sql(query)} "
                       "LIMIT %s OFFSET %s", [*params, limit, offset])
        rows = cursor.fetchall()
        if rows:
            return [r[0] for r in rows], rows[0][1]
        cursor.execute(head + "SELECT count(*) FROM hits", params)  # a page past the end
        return [], cursor.fetchone()[0]


def result_page(query, page_number, *, page_size=PAGE_SIZE):
    """One page of ``query`` with the rows a list shows loaded up front (no per-row queries).

    Counts stop at ``COUNT_CAP`` + 1 ("1000+"). A keyword search with at most ``COUNT_CAP``
    hits is paged from a MATERIALIZED CTE of all its hits, ranked by relevance: rare terms
    never walk the date index (the planner trap). With more hits, matches are dense, so an
    ordered ``LIMIT`` finds a page after a few rows; relevance over tens of thousands of hits
    would mean reading all of them, so such a page is ordered by registration time and says so
    (``relevance_dropped``). Filter-only searches use the ordinary ordered ``LIMIT``.
    """
    try:
        number = max(1, int(page_number or 1))
    except (TypeError, ValueError):
        number = 1
    number = min(number, COUNT_CAP // page_size + 1)
    offset = (number - 1) * page_size
    dropped = False
    if not query.has_keywords:
        total = query.qs.order_by()[:COUNT_CAP + 1].count()
        rows = list(_list_qs(query.ordered())[offset:offset + page_size])
    else:
        ids, total = _keyword_page(query, offset, page_size)
        if total > COUNT_CAP:
            # Many hits: newest first (relevance would mean reading every hit).
            dropped = query.sort == SORT_RELEVANCE
            rows = list(_list_qs(query.dense().ordered())[offset:offset + page_size])
        else:
            # The page's rows with what a list shows, fetched by id (joins on 20 rows only).
            by_id = {c.pk: c for c in _list_qs(Case.objects.filter(pk__in=ids))}
            rows = [by_id[i] for i in ids if i in by_id]
    return ResultPage(rows=rows, number=number, count=min(total, COUNT_CAP), count_capped=total > COUNT_CAP,
                      page_size=page_size, relevance_dropped=dropped)


def _list_qs(qs):
    from django.db.models import Prefetch

    return qs.select_related("purpose", "problem", "problem__parent", "registered_org").prefetch_related(
        Prefetch("petitioners", queryset=Petitioner.objects.order_by("position")))


# ---------------------------------------------------------------- export rows

EXPORT_FIELDS = ("id", "number", "registered_at", "registered_org_id", "channel", "purpose_id", "problem_id",
                 "summary", "status", "current_due", "closed_at")
EXPORT_CHUNK = 2000


def _first_petitioners(case_ids):
    """``{case id: (name, ID number, phone)}`` of the first petitioner of each case, one query."""
    out = {}
    rows = Petitioner.objects.filter(case_id__in=case_ids).order_by("case_id", "-position").values_list(
        "case_id", "name", "id_number", "phone")
    for case_id, name, id_number, phone in rows:
        out[case_id] = (name, id_number, phone)  # the lowest position wins (ordered last)
    return out


def export_rows(query, *, show_pii):
    """Yield value tuples for the Excel export, streamed from the database in chunks of 2,000.

    Same visibility, filters and order as the page. ID number and phone are masked unless
    ``show_pii``. The first petitioner (or representative) stands for the case. Per chunk one
    query fetches the petitioners; organization and dictionary names come from memory (small
    tables), so the case query needs no join or per-row subquery. Choice labels are translated
    once per export, not per row (a lazy label's ``str()`` is a gettext call).
    """
    from accounts.models import OrgUnit

    channels = {value: str(label) for value, label in Channel.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    orgs = dict(OrgUnit.objects.values_list("id", "name"))
    entries = dict(DictEntry.objects.filter(kind__in=(DictKind.PURPOSE, DictKind.PROBLEM)).values_list("id", "name"))
    rows = query.ordered().values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
    while True:
        chunk = list(islice(rows, EXPORT_CHUNK))
        if not chunk:
            return
        people = _first_petitioners([r[0] for r in chunk])
        for (pk, number, registered_at, org_id, channel, purpose_id, problem_id, summary, status, due,
             closed_at) in chunk:
            name, id_number, phone = people.get(pk, ("", "", ""))
            yield (
                number, registered_at, orgs.get(org_id, ""), channels.get(channel, channel), name or "",
                (id_number or "") if show_pii else mask_id_number(id_number or ""),
                (phone or "") if show_pii else mask_phone(phone or ""),
                entries.get(purpose_id, ""), entries.get(problem_id, ""), summary or "",
                statuses.get(status, status), due, closed_at,
            )


def display_rows(cases, *, show_pii):
    """What a result row shows, with identity masked unless ``show_pii``."""
    out = []
    for case in cases:
        people = list(case.petitioners.all())
        first = people[0] if people else None
        id_number = first.id_number if first else ""
        out.append({
            "case": case,
            "name": (first.name if first else "") + (f" 等{len(people)}人" if len(people) > 1 else ""),
            "id_number": id_number if show_pii else mask_id_number(id_number),
            "problem": case.problem.label_with_parent if case.problem_id else "",
        })
    return out


URL_PARAMS = ("page", "export")  # what may travel in the address besides the saved-search key
SAVED_SEARCH_HOURS = 12  # a saved search lives as long as a working day's session


def session_hash(session):
    """What a saved search keeps of the session that made it (never the key itself)."""
    if not session.session_key:
        session.save()
    return hashlib.sha256(session.session_key.encode()).hexdigest()


def saved_search_load(user, session, key, params=None):
    """The criteria ``user`` saved under ``key`` in this ``session`` as a QueryDict (plus
    ``page``/``export`` from ``params``), or None for an unknown, expired or foreign key."""
    if not key or not user.is_authenticated:
        return None
    since = clock.now() - timedelta(hours=SAVED_SEARCH_HOURS)
    row = SavedSearch.objects.filter(key=key, user=user, session_hash=session_hash(session),
                                     created_at__gte=since).first()
    if row is None:
        return None
    data = QueryDict(mutable=True)
    for name, values in json.loads(row.criteria).items():
        data.setlist(name, values)
    for name in URL_PARAMS:
        if params is not None and name in params:
            data[name] = params[name]
    return data
