"""Saved search criteria: 信访查询 and 办结存档 post their form and show the results under a
random key (``?s=<key>``), so names, ID numbers, phone numbers and keywords never reach the
address bar, the browser history or an access log (docs/architecture.md §9)."""
import secrets

from petitions.selectors.search import SAVED_SEARCHES, URL_PARAMS

SAVED_SEARCHES_KEPT = 20


def saved_search_store(session, post):
    """Keep the submitted criteria (a QueryDict) under a random key in ``session``; return the key.
    The oldest of more than ``SAVED_SEARCHES_KEPT`` searches is dropped."""
    saved = dict(session.get(SAVED_SEARCHES) or {})
    key = secrets.token_urlsafe(9)
    saved[key] = {k: post.getlist(k) for k in post if k != "csrfmiddlewaretoken" and k not in URL_PARAMS}
    while len(saved) > SAVED_SEARCHES_KEPT:
        saved.pop(next(iter(saved)))
    session[SAVED_SEARCHES] = saved
    return key
