"""Whose situation a cockpit shows: the user's jurisdiction (his statistics root) and its areas.

A leader or statistician of the prefecture sees the prefecture with its counties as areas, one of a
county the county with its townships (docs/reports.md §1, "Rows per organization"); counts come
from ``petitions.selectors.case_statistics_qs``, lists from ``case_visible_qs``.
"""
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from urllib.parse import urlencode

from django.db import connections
from django.urls import reverse

from reports.selectors import Period, Scope, can_view_statistics, scope_areas, statistics_root

SITUATION_PERM = "reports.view_statistics"
LEADER_PERM = "petitions.instruct_case"
TRIAGE_PERM = "petitions.triage_case"
HANDLER_PERM = "petitions.handle_case"


@dataclass(frozen=True)
class Jurisdiction:
    """A user's cockpit scope: ``org`` (his statistics root) and what is derived from it once."""

    user: object
    org: object

    @cached_property
    def scope(self):
        # The period is not used by the cockpit's own queries; Scope carries the subtree.
        return Scope(org=self.org, period=Period(date(2000, 1, 1), date(2000, 1, 1)))

    @cached_property
    def org_ids(self):
        return self.scope.org_ids

    @cached_property
    def _areas(self):
        return scope_areas(self.scope)

    @property
    def areas(self):
        """``[Area]``: 本级 first, then each territorial child (reports' rows)."""
        return self._areas[0]

    @property
    def area_of(self):
        """``{organization id: area key}`` for every organization of the subtree."""
        return self._areas[1]

    @cached_property
    def area_by_key(self):
        return {a.key: a for a in self.areas}

    def area_org_ids(self, key):
        return [pk for pk, area in self.area_of.items() if area == key]

    @cached_property
    def registration_build(self):
        """Which days the aggregate tables hold (``RegistrationDayBuild``), read once per page."""
        from cockpit.models import RegistrationDayBuild

        return RegistrationDayBuild.objects.first()


def jurisdiction_for(user):
    """The user's Jurisdiction, or None without the statistics right or an organization."""
    if not can_view_statistics(user):
        return None
    root = statistics_root(user)
    return None if root is None else Jurisdiction(user=user, org=root)


def roles_of(user):
    """Which cockpit sections the user gets, in page order."""
    roles = []
    if user.has_perm(SITUATION_PERM) and statistics_root(user) is not None:
        roles.append("situation")
    if user.has_perm(TRIAGE_PERM):
        roles.append("intake")
    if user.has_perm(HANDLER_PERM):
        roles.append("deadlines")
    return roles


@lru_cache(maxsize=1)
def _cases_path():
    return reverse("cockpit:cases")  # a page links to it a few hundred times


def cases_url(**params):
    """The list behind a figure (``cockpit:cases``) with its filter in the query string (no
    personal data: dates, organizations, dictionary entries and flags only)."""
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()
             if v not in (None, "", False)}
    clean = {k: (1 if v is True else v) for k, v in clean.items()}
    return _cases_path() + ("?" + urlencode(clean) if clean else "")


def raw_rows(qs):
    """The rows of a ``values_list()`` query of integers (ids, counts) straight from the cursor.

    Django runs its converters over every row; for the few thousand group rows of a breakdown that
    cost more than the query itself, and integers need none."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
