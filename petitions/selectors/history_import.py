"""Reads of the 数据导入 page: the imports of the user's jurisdiction and the organizations he may
import for (petitions/services/history_import)."""
from django.http import Http404

from accounts.models import OrgUnit
from accounts.selectors import jurisdiction_path
from petitions.models import HistoryImport


def history_imports_visible(user):
    """Imports registered for organizations of ``user``'s jurisdiction, newest first (counts and
    file names only: no case content)."""
    scope = jurisdiction_path(user)
    if scope is None:
        return HistoryImport.objects.none()
    return HistoryImport.objects.filter(org__path__startswith=scope).select_related("org", "created_by")


def history_import_get_visible(user, pk):
    """One import of ``history_imports_visible``; 404 for a missing or foreign one."""
    job = history_imports_visible(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def history_import_org_choices(user):
    """Active organizations of ``user``'s jurisdiction: where imported cases may be registered."""
    scope = jurisdiction_path(user)
    if scope is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(is_active=True, path__startswith=scope).order_by("path")
