"""Writes of the 信访情况年度报告 (条例第四十一条, docs/reports.md §3.9): its text sections with the
figures they were written against."""
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from petitions import clock
from reports.annual import SECTIONS, TEXT_MAX
from reports.models import AnnualReport
from reports.selectors import can_view_statistics, scope_allowed


def annual_report_save(*, actor, org, year, texts, figures, request=None):
    """Save the text sections of ``org``'s 信访情况年度报告 for ``year`` with the figures computed now
    (``reports.annual.annual_figures``), creating the report on the first save.

    Needs ``reports.view_statistics`` and ``org`` inside the actor's statistics scope (NotAllowed).
    ``texts`` maps the section fields (``reports.annual.SECTIONS``) to text; a section longer than
    ``TEXT_MAX`` characters is a ServiceError on its field and nothing is saved. Audit: ``report.annual``
    (which sections changed, not their text)."""
    if not can_view_statistics(actor) or not scope_allowed(actor, org):
        raise NotAllowed(_("您没有执行此操作的权限。"))
    fields = [name for name, _heading in SECTIONS]
    values = {name: (texts.get(name) or "").strip() for name in fields}
    errors = {name: _("不能超过%(n)d个字。") % {"n": TEXT_MAX} for name, v in values.items()
              if len(v) > TEXT_MAX}
    if errors:
        raise ServiceError(errors=errors, code="annual_text_too_long")
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().filter(org=org, year=year).first()
        changed = [name for name in fields if report is None or getattr(report, name) != values[name]]
        if report is None:
            report = AnnualReport(org=org, year=year)
        for name, value in values.items():
            setattr(report, name, value)
        report.figures, report.figures_at, report.updated_by = figures, clock.now(), actor
        report.save()
        audit_record(action="report.annual", actor=actor, target=report, request=request,
                     summary=_("信访情况年度报告 %(org)s %(year)d") % {"org": org.name, "year": year},
                     data={"org": org.code, "year": year, "changed": changed})
    return report
