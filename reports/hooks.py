"""What the reports app adds to the menu and to the case pages (``accounts.hooks``): the
statistics pages, the Excel export of 信访查询 / 办结存档 and of one case, and the upkeep of the
statistics aggregates (after every change to cases, and after ``migrate``)."""
from django.utils.translation import gettext_lazy as _

from accounts import hooks


def register():
    from reports import views

    hooks.register_nav(
        hooks.NavItem(_("分析图表"), "reports:charts", ("reports.view_statistics",), order=110),
        hooks.NavItem(_("生成报表"), "reports:index", ("reports.view_statistics",), order=120),
    )
    from reports.aggregates import statistics_ensure, statistics_refresh

    hooks.register(hooks.SEARCH_EXPORT, views.search_export)
    hooks.register(hooks.CASE_EXPORT, views.case_export)
    # The statistics aggregates follow every change to a case in its transaction (docs/reports.md §8).
    hooks.register(hooks.CASES_CHANGED, statistics_refresh)
    hooks.register(hooks.BASE_DATA, statistics_ensure, order=90)
