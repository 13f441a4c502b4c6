"""Writes of the reports app: the audit record of an export (who took which data out) and the
sign-off names a statistician keeps for his reports."""
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.text import clean_line
from reports.models import SIGNER_MAX_LENGTH, ReportSigners
from reports.selectors import can_view_statistics

# Filter fields that may carry personal data: recorded by name only, never by value.
PII_FILTERS = frozenset({"name", "id_number", "phone", "q", "number"})


def export_record(*, actor, kind, title, rows=None, filters=None, request=None):
    """Append an ``export`` row to the audit chain.

    ``filters`` (a dict of the query used) is stored without personal data: the values of
    name / ID number / phone / keyword / case-number filters are replaced by "*".
    """
    safe = {}
    for key, value in (filters or {}).items():
        if value in ("", None, [], False):
            continue
        safe[key] = "*" if key in PII_FILTERS else str(value)
    data = {"kind": kind, "filters": safe}
    if rows is not None:
        data["rows"] = rows
    return audit_record(action="export", actor=actor, summary=str(title)[:200], data=data, request=request)


@transaction.atomic
def report_signers_save(*, actor, unit_head, preparer, request=None):
    """Remember the 单位负责人 and 填表人 ``actor`` prints under his reports (the statistical form's
    sign-off lines; either may be empty, leaving a line to sign by hand).

    Needs ``reports.view_statistics`` (NotAllowed). Names are cleaned to one line; longer than 50
    characters is a ServiceError on the field, and nothing is saved. Audit: ``report.signers``."""
    if not can_view_statistics(actor):
        raise NotAllowed(_("您没有执行此操作的权限。"))
    values = {"unit_head": clean_line(unit_head), "preparer": clean_line(preparer)}
    errors = {name: _("不能超过%(n)d个字。") % {"n": SIGNER_MAX_LENGTH}
              for name, value in values.items() if len(value) > SIGNER_MAX_LENGTH}
    if errors:
        raise ServiceError(errors=errors, code="signer_too_long")
    row, _created = ReportSigners.objects.select_for_update().get_or_create(user=actor, defaults=values)
    if not _created and (row.unit_head, row.preparer) != (values["unit_head"], values["preparer"]):
        row.unit_head, row.preparer = values["unit_head"], values["preparer"]
        row.save()
    audit_record(action="report.signers", actor=actor, request=request, summary=_("报表签署人"),
                 data=values)
    return row
