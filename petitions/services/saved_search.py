"""Saved search criteria: 信访查询 and 办结存档 post their form and show the results under a
random key (``?s=<key>``), so names, ID numbers, phone numbers and keywords never reach the
address bar, the browser history or an access log (docs/architecture.md §9). The criteria are
kept server-side, encrypted, for their user only, and expire."""
import json
import secrets
from datetime import timedelta

from petitions import clock
from petitions.models import SavedSearch
from petitions.selectors.search import SAVED_SEARCH_HOURS, URL_PARAMS, session_hash

SAVED_SEARCHES_KEPT = 20  # per user; older ones are dropped


def saved_search_store(*, user, session, post):
    """Keep the submitted criteria (a QueryDict) under a new random key; return the key. Drops
    the user's searches beyond the newest ``SAVED_SEARCHES_KEPT`` and everyone's expired ones."""
    criteria = {k: post.getlist(k) for k in post if k != "csrfmiddlewaretoken" and k not in URL_PARAMS}
    key = secrets.token_urlsafe(12)
    SavedSearch.objects.create(key=key, user=user, session_hash=session_hash(session),
                               criteria=json.dumps(criteria, ensure_ascii=False))
    SavedSearch.objects.filter(created_at__lt=clock.now() - timedelta(hours=SAVED_SEARCH_HOURS)).delete()
    stale = SavedSearch.objects.filter(user=user).order_by("-created_at").values_list("pk", flat=True)[
        SAVED_SEARCHES_KEPT:]
    SavedSearch.objects.filter(pk__in=list(stale)).delete()
    return key
