"""Search tokens for Chinese full-text search (docs/performance.md §R2).

Text is cut into overlapping character bigrams for every CJK run, plus lower-cased ASCII
words and digit runs. The same function turns a query into tokens, which are then matched
as a phrase, so a two-character word such as 拆迁 or 工资 finds every case containing it
(substring recall, which case handling needs more than linguistic word boundaries). Bigrams
need no dictionary, work identically on PostgreSQL (tsvector 'simple' + GIN) and SQLite (FTS5),
and came out smaller than trigram indexes in the measurements.
"""
import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(rf"[{CJK}]+|[A-Za-z]+|[0-9]+")
CJK_RUN = re.compile(rf"^[{CJK}]+$")


def tokens(text):
    """List of tokens in order: bigrams of CJK runs (a lone character stays a unigram), words, numbers."""
    out = []
    for run in RUN.findall(text or ""):
        if CJK_RUN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run.lower())
    return out


def search_text(*parts):
    """The value stored in ``Case.search_tokens``."""
    return " ".join(tokens(" ".join(p for p in parts if p)))


def query_tokens(query):
    """Tokens of a user query; each whitespace-separated term is one phrase."""
    return [tokens(term) for term in (query or "").split() if tokens(term)]
