"""Reads of the petitions app that depend on who asks, each already scoped to what the user may see.

- ``visibility``: the one rule of which cases a user may see (``case_visible_qs``) and the 404
  for everything else (``case_get_visible``); every other selector starts from it;
- ``pool``: the triage pool (分流池); ``queues``: the leader's page, the inbox, supervision, review;
- ``case_records``: the related rows of one case, read once for everything a page shows of it;
- ``search``: 信访查询 and 办结存档; ``similarity``: possible earlier cases at registration;
- ``dashboards``: the home-page cards; ``dictionaries``: the coded lists;
- ``workdays``: the holiday calendar rows a working-day computation needs.

Other apps (reports, bulletin, portal) use what this package exports, not the modules inside.
"""
from petitions.selectors.dictionaries import dictionary_entries_tree
from petitions.selectors.pool import pool_qs
from petitions.selectors.visibility import (
    BUSINESS_PERMS, case_get_visible, case_statistics_qs, case_visible_qs, has_case_access, own_assignments_qs,
    scope_q,
)

__all__ = [
    "BUSINESS_PERMS", "case_get_visible", "case_statistics_qs", "case_visible_qs", "dictionary_entries_tree", "has_case_access",
    "own_assignments_qs", "pool_qs", "scope_q",
]
