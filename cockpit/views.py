"""Pages of the cockpit (态势研判): thin, GET → selector → render, POST → form → one service."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error
from accounts.replica import replica_reads
from petitions import clock
from petitions.lib.paging import CappedPaginator, HydratingPaginator, capped
from petitions.permissions import page_facts
from petitions.selectors import case_get_visible

from cockpit.forms import AcknowledgeForm, ChargeEndForm, ChargeForm, DrillForm, RulesForm, WindowForm
from cockpit.selectors import charges as charge_selectors
from cockpit.selectors import overview
from cockpit.selectors.drill import drill_qs, drill_rows
from cockpit.selectors.hotspots import hotspots, text_clusters
from cockpit.selectors.scope import cases_url, jurisdiction_for, roles_of
from cockpit.selectors.warnings import (
    can_manage_warnings, can_see_warnings, effective_rules, warning_get_visible, warnings_qs,
)
from cockpit.services import charges as charge_services
from cockpit.services import warnings as warning_services
from cockpit.domain import hotspots as hotspot_rule

PAGE_SIZE = 20
WALL_REFRESH_SECONDS = 120
WALL_CHARTS = ("weekly", "problem", "area", "visits")


def _crumbs(*items):
    return [(label, reverse(name) if name else None) for label, name in items]


def _sections(request, *, days, full):
    user, today = request.user, clock.today()
    roles = roles_of(user)
    if not roles:
        raise PermissionDenied
    context = {"roles": roles, "today": today}
    j = jurisdiction_for(user) if "situation" in roles else None
    if j is not None:
        context["situation"] = overview.situation(j, today, days=days, full=full)
        context["can_charge"] = user.has_perm("petitions.instruct_case")
    if "intake" in roles:
        context["intake"] = overview.intake(user, today)
    if "deadlines" in roles:
        context["handler"] = overview.handler(user, today)
    charts = []
    if "situation" in context:
        s = context["situation"]
        charts += s["charts"] + [s["unit_chart"]] + s["kpi_charts"]
    for key in ("intake", "handler"):
        if key in context:
            charts += context[key]["charts"]
    context["charts_json"] = overview.charts_json(charts)
    return context


@replica_reads
def index(request):
    """态势研判: the cockpit of each of the user's roles, in full."""
    form = WindowForm(request.GET or None)
    days = form.cleaned_data["days"] if form.is_valid() else overview.DEFAULT_WINDOW
    context = _sections(request, days=days, full=True)
    context.update({"form": form, "page_title": _("态势研判"), "breadcrumbs": _crumbs((_("态势研判"), None))})
    return render(request, "cockpit/index.html", context)


def home_section(request):
    """``accounts.hooks.HOME_SECTIONS``: the home page opens on the cockpit of the user's roles."""
    if not roles_of(request.user):
        return ""
    context = _sections(request, days=overview.DEFAULT_WINDOW, full=False)
    return render_to_string("cockpit/_home.html", context, request=request)


@replica_reads
def wall(request):
    """大屏: the situation in large type for the duty room, full screen, refreshed every two minutes."""
    j = jurisdiction_for(request.user)
    if j is None:
        raise PermissionDenied
    situation = overview.situation(j, clock.today(), days=7, full=True)
    charts = [c for c in situation["charts"] if c["id"] in WALL_CHARTS] + [situation["unit_chart"]]
    context = {"situation": situation, "wall_charts": charts, "now": clock.now(), "refresh": WALL_REFRESH_SECONDS,
               "charts_json": overview.charts_json(charts), "page_title": _("态势大屏")}
    return render(request, "cockpit/wall.html", context)


def cases(request):
    """The cases behind a figure, as far as the user may open them."""
    if not roles_of(request.user):
        raise PermissionDenied
    form = DrillForm(request.GET)
    if not form.is_valid():
        raise Http404
    today = clock.today()
    qs = drill_qs(request.user, form.cleaned_data, today).order_by("-registered_at", "-id")
    count = capped(qs)
    paginator = HydratingPaginator(qs, PAGE_SIZE, count=count, hydrate=drill_rows)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cockpit/cases.html", {
        "page_obj": page, "count": count, "query": query.urlencode(), "filters": _describe(form.cleaned_data),
        "today": today, "page_title": _("清单"),
        "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("清单"), None)),
    })


def _describe(f):
    """The filter in words, for the list's heading (dates, organizations, categories, flags)."""
    from cockpit.selectors.deadlines import DEADLINE_BUCKETS, POOL_AGES
    from reports.selectors import CHANNEL_GROUPS

    parts = []
    if f.get("from") or f.get("to"):
        start, end = f.get("from"), f.get("to")
        parts.append(_("登记日期 %(a)s 至 %(b)s") % {"a": start or "…", "b": end or "…"} if start != end
                     else _("登记日期 %(a)s") % {"a": start})
    if f.get("area"):
        parts.append(_("区域 %(p)s") % {"p": f["area"]} + (_("（本级）") if f.get("self") else ""))
    if f.get("channel"):
        parts.append(str(dict((k, lbl) for k, lbl, _c in CHANNEL_GROUPS).get(f["channel"], _("其他"))))
    if f.get("problem"):
        parts.append(f["problem"].name)
    if f.get("collective"):
        parts.append(_("集体访"))
    if f.get("skip"):
        parts.append(_("越级访"))
    if f.get("state") == "overdue":
        parts.append(_("超期未结"))
    elif f.get("state") == "soon":
        parts.append(_("3日内到期"))
    if f.get("unit"):
        parts.append(_("承办单位 %(u)s") % {"u": f["unit"].name})
    if f.get("charged"):
        parts.append(_("领导包案"))
    if f.get("matter"):
        parts.append(_("事项 %(n)s 及其重复信访") % {"n": f["matter"].number})
    if f.get("cluster"):
        parts.append(_("同一事项“%(p)s”") % {"p": f["cluster"].phrase})
    if f.get("warning"):
        parts.append(_("预警 %(t)s") % {"t": f["warning"].title})
    if f.get("mine"):
        parts.append(_("本单位承办") + (f" · {dict(DEADLINE_BUCKETS).get(f.get('due'), '')}" if f.get("due") else ""))
    if f.get("pool"):
        parts.append(_("分流池") + (f" · {dict((k, lbl) for k, lbl, *_r in POOL_AGES).get(f.get('age'), '')}"
                                    if f.get("age") else ""))
    return [str(p) for p in parts]


def hotspot_page(request):
    """热点与聚集: every flagged cell of the week with its nine weeks, and the text clusters."""
    j = jurisdiction_for(request.user)
    if j is None:
        raise PermissionDenied
    today = clock.today()
    cells, wins = hotspots(j, today)
    clusters = text_clusters(j)
    return render(request, "cockpit/hotspots.html", {
        "cells": cells, "windows": list(reversed(wins)), "clusters": clusters, "rule": hotspot_rule,
        "jurisdiction": j, "page_title": _("热点与聚集"),
        "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("热点与聚集"), None)),
    })


def backlog(request):
    """积案与重复信访 (matters, with their units and 包案 leaders)."""
    j = jurisdiction_for(request.user)
    if j is None:
        raise PermissionDenied
    context = overview.backlog_lists(j, clock.today())
    context.update({"jurisdiction": j, "can_charge": request.user.has_perm("petitions.instruct_case"),
                    "charges": charge_selectors.open_charges(j), "page_title": _("积案与重复信访"),
                    "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("积案与重复信访"), None))})
    return render(request, "cockpit/backlog.html", context)


# ---------------------------------------------------------------- 领导包案

def charge(request, case_pk):
    """Put a leader in charge of a case (领导包案)."""
    case = case_get_visible(request.user, case_pk)
    if not charge_selectors.can_charge(request.user, case):
        raise PermissionDenied
    form = ChargeForm(request.POST or None, leaders=charge_selectors.leader_choices(request.user),
                      initial={"leader": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            charge_services.charge_assign(actor=request.user, case=case, leader=form.cleaned_data["leader"],
                                          note=form.cleaned_data["note"], request=request)
        except NotAllowed:
            raise PermissionDenied
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已确定包案领导：%(number)s") % {"number": case.number})
            return redirect(case.get_absolute_url())
    return render(request, "cockpit/charge_form.html", {
        "form": form, "case": case, "current": charge_selectors.open_charge(case), "page_title": _("领导包案"),
        "breadcrumbs": [(case.number, case.get_absolute_url()), (_("领导包案"), None)],
    })


@require_POST
def charge_end(request, pk):
    charge, case = charge_selectors.charge_get_visible(request.user, pk)
    form = ChargeEndForm(request.POST)
    if form.is_valid():
        try:
            charge_services.charge_end(actor=request.user, charge=charge, note=form.cleaned_data["note"],
                                       request=request)
        except NotAllowed:
            raise PermissionDenied
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已解除包案：%(number)s") % {"number": case.number})
    return redirect(case.get_absolute_url())


def case_panel(request, case):
    """``accounts.hooks.CASE_PANELS``: 领导包案 on the case page (who, since when, what is asked)."""
    charges = charge_selectors.charges_of_case(case)
    # Visibility from the case page's Facts (the page read the case as visible): no second query.
    may = charge_selectors.can_charge(request.user, case, visible=page_facts(request, case).visible)
    if not charges and not may:
        return ""
    return render_to_string("cockpit/_case_panel.html", {
        "case": case, "charges": charges, "open": next((c for c in charges if c.ended_at is None), None),
        "can_charge": may, "end_form": ChargeEndForm(),
    }, request=request)


# ---------------------------------------------------------------- warnings

def warnings_list(request):
    if not can_see_warnings(request.user):
        raise PermissionDenied
    qs = warnings_qs(request.user).select_related("acknowledged_by", "area", "unit", "case")
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(acknowledged_at=None)
    paginator = CappedPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "cockpit/warnings.html", {
        "page_obj": page, "state": state, "page_title": _("预警"),
        "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("预警"), None)),
    })


def warning_detail(request, pk):
    warning = warning_get_visible(request.user, pk)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning_services.warning_acknowledge(actor=request.user, warning=warning,
                                                 note=form.cleaned_data["note"], request=request)
        except NotAllowed:
            raise PermissionDenied
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已签收预警。"))
            return redirect("cockpit:warning", pk=warning.pk)
    detail = warning.detail or {}
    if detail.get("url"):
        cases_link = detail["url"]
    elif detail.get("cases"):
        cases_link = cases_url(warning=warning.pk)
    elif warning.case_id:
        cases_link = warning.case.get_absolute_url()
    else:
        cases_link = ""
    return render(request, "cockpit/warning_detail.html", {
        "warning": warning, "form": form, "cases_link": cases_link, "counts": detail.get("counts"),
        "can_ack": warning.acknowledged_at is None and can_manage_warnings(request.user, warning.org),
        "page_title": _("预警"),
        "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("预警"), "cockpit:warnings"),
                               (warning.title, None)),
    })


def rules(request):
    """预警设置: the thresholds of the user's jurisdiction."""
    j = jurisdiction_for(request.user)
    if j is None and not request.user.has_perm("petitions.instruct_case"):
        raise PermissionDenied
    from reports.selectors import statistics_root

    org = j.org if j is not None else statistics_root(request.user)
    if org is None or not can_manage_warnings(request.user, org):
        raise PermissionDenied
    current = effective_rules(org)
    form = RulesForm(request.POST or None, rules=current)
    if request.method == "POST" and form.is_valid():
        try:
            changed = warning_services.rules_save(actor=request.user, org=org, values=form.values(), request=request)
        except NotAllowed:
            raise PermissionDenied
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("预警设置已保存。") if changed else _("预警设置没有改动。"))
            return redirect("cockpit:rules")
    return render(request, "cockpit/rules.html", {
        "form": form, "org": org, "rules": current, "page_title": _("预警设置"),
        "breadcrumbs": _crumbs((_("态势研判"), "cockpit:index"), (_("预警设置"), None)),
    })
