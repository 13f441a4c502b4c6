"""How the pool's filter lists and the case page are built: the option lists are reused
between requests but always follow the dictionaries and organizations and the user's scope;
the case page reads its dictionary entries apart from the case row and shows the same."""
import re

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrgUnit
from accounts.services import org_update
from petitions.forms.pool import PoolFilterForm, PreparedSelect
from petitions.models import Channel
from petitions.services.dictionary import dictionary_entry_save, dictionary_entry_set_active
from tests.petitions.intake_factories import d, dicts, letter_data, org, register, visit_data

__all__ = ["dicts"]
pytestmark = pytest.mark.usefixtures("dicts")


def pool_html(client, **params):
    response = client.get(reverse("petitions:pool"), params)
    assert response.status_code == 200
    return response.content.decode()


def select_of(html, name):
    return re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)


def option_labels(html, name):
    return re.findall(r"<option [^>]*>([^<]*)</option>", select_of(html, name))


def selected_values(html, name):
    return re.findall(r'<option value="([^"]*)" selected>', select_of(html, name))


# --- pool filter lists ---------------------------------------------------------------------------

def test_pool_lists_follow_a_renamed_or_deactivated_dictionary_entry(client, clerk, sysadmin):
    client.force_login(clerk)
    entry = d("problem", "60201401")
    assert "国土资源水利林业 / 征地补偿" in option_labels(pool_html(client), "problem")
    dictionary_entry_save(actor=sysadmin, kind="problem", code=entry.code, name="征收补偿", parent=entry.parent,
                          sort_order=entry.sort_order, entry=entry)
    labels = option_labels(pool_html(client), "problem")
    assert "国土资源水利林业 / 征收补偿" in labels and "国土资源水利林业 / 征地补偿" not in labels
    dictionary_entry_set_active(actor=sysadmin, entry=d("purpose", "02"), active=False)
    assert "02 检举控告" not in option_labels(pool_html(client), "purpose")
    dictionary_entry_set_active(actor=sysadmin, entry=d("purpose", "02"), active=True)
    assert "02 检举控告" in option_labels(pool_html(client), "purpose")


def test_pool_org_list_follows_a_renamed_or_deactivated_organization(client, clerk, sysadmin):
    client.force_login(clerk)
    county = org("53392201")
    assert f"{county.code} {county.name}" in option_labels(pool_html(client), "org")
    org_update(actor=sysadmin, org=county, name="石门县人民政府信访办")
    assert f"{county.code} 石门县人民政府信访办" in option_labels(pool_html(client), "org")
    org_update(actor=sysadmin, org=county, is_active=False)
    assert not any(label.startswith(f"{county.code} ") for label in option_labels(pool_html(client), "org"))


def test_pool_org_list_is_the_users_own_scope_whatever_was_rendered_before(client, clerk, county_clerk):
    client.force_login(clerk)
    prefecture_list = option_labels(pool_html(client), "org")
    client.force_login(county_clerk)
    county_list = option_labels(pool_html(client), "org")
    client.force_login(clerk)
    assert option_labels(pool_html(client), "org") == prefecture_list
    county_path = county_clerk.organization.jurisdiction_path
    inside = {f"{o.code} {o.name}" for o in OrgUnit.objects.filter(path__startswith=county_path, is_active=True)}
    assert set(county_list[1:]) == inside  # after 全部
    assert len(prefecture_list) > len(county_list)
    assert "云溪镇" not in "".join(county_list)  # a township of another county


def test_pool_filter_marks_the_chosen_options(client, clerk):
    client.force_login(clerk)
    problem, county = d("problem", "60201401"), org("53392201")
    html = pool_html(client, problem=problem.pk, org=county.pk, channel="letter", is_repeat="0")
    assert selected_values(html, "problem") == [str(problem.pk)]
    assert selected_values(html, "org") == [str(county.pk)]
    assert selected_values(html, "channel") == ["letter"]
    assert selected_values(html, "is_repeat") == ["0"]
    assert selected_values(html, "purpose") == [""]  # 全部
    # an unknown value selects nothing, as a plain <select> does
    assert selected_values(pool_html(client, problem="999999"), "problem") == []


def test_pool_lists_are_translated_per_request(client, clerk):
    client.force_login(clerk)
    assert option_labels(pool_html(client), "channel")[:2] == ["全部", "来访"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert option_labels(pool_html(client), "channel")[:2] == ["All", "Visit"]
    assert option_labels(pool_html(client), "org")[0] == "All"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert option_labels(pool_html(client), "org")[0] == "全部"


def test_prepared_select_renders_what_django_select_renders():
    choices = [("", "全部"), (1, "01 建议<意见>"), (2, "02 检举 & 控告"), ("x\"y", "引号")]
    attrs = {"id": "id_f", "aria-describedby": "id_f_error", "aria-invalid": "true", "required": True,
             "disabled": False}
    for value in (None, "", 2, "2", "x\"y", "missing"):
        ours = PreparedSelect(choices=choices).render("f", value, attrs=attrs)
        django = forms.Select(choices=choices).render("f", value, attrs=attrs)
        assert ours == re.sub(r">\s+<", "><", str(django)).replace("\n", ""), value


def test_pool_filter_form_reads_its_lists_in_two_queries(clerk):
    PoolFilterForm({}, user=clerk)  # the user's permissions and organization are loaded once
    with CaptureQueriesContext(connection) as queries:
        form = PoolFilterForm({}, user=clerk)
        html = "".join(str(field) for field in form)
    assert len(queries) == 2  # dictionaries, organizations
    assert html.count("<option") > 50


# --- case page -----------------------------------------------------------------------------------

def test_detail_shows_the_dictionary_entries_of_a_visit(client, clerk, sysadmin):
    behaviours = [d("abnormal", "04"), d("abnormal", "02")]
    case = register(clerk, data=visit_data(abnormal_behaviors=behaviours, visit_nature=d("visit_nature", "2"),
                                           visitor_count=6))
    dictionary_entry_set_active(actor=sysadmin, entry=behaviours[0], active=False)  # the case keeps it
    client.force_login(clerk)
    page = client.get(case.get_absolute_url()).content.decode()
    shown = re.search(r"异常行为</dt><dd>(.*?)</dd>", page).group(1)
    in_dictionary_order = sorted(behaviours, key=lambda e: (e.sort_order, e.code))
    assert re.findall(r'<span class="tag">([^<]*)</span>', shown) == [e.name for e in in_dictionary_order]
    for entry in (d("purpose", "04"), d("visit_nature", "2"), d("visit_level", "3")):
        assert f"<dd>{entry.name}</dd>" in page, entry.name
    assert f"<dd>{case.problem.label_with_parent}</dd>" in page and " / " in case.problem.label_with_parent


def test_detail_shows_the_dictionary_entries_of_a_letter(client, clerk):
    case = register(clerk, channel=Channel.LETTER, data=letter_data(attachment_kind=d("attachment_kind", "1")))
    client.force_login(clerk)
    page = client.get(case.get_absolute_url()).content.decode()
    for entry in (case.purpose, case.letter_nature, case.attachment_kind, case.registration_source):
        assert f"<dd>{entry.name}</dd>" in page, entry
    assert f"<dd>{case.problem.label_with_parent}</dd>" in page
    assert "异常行为" not in page


def test_detail_reads_its_entries_in_one_query_whatever_their_number(client, clerk):
    client.force_login(clerk)
    plain = register(clerk)
    full = register(clerk, data=visit_data(abnormal_behaviors=[d("abnormal", "01"), d("abnormal", "02")]))
    letter = register(clerk, channel=Channel.LETTER, data=letter_data(attachment_kind=d("attachment_kind", "1")))
    counts = []
    for case in (plain, full, letter):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(case.get_absolute_url()).status_code == 200
        counts.append(sum('FROM "petitions_dictentry"' in q["sql"] for q in queries.captured_queries))
    assert counts == [1, 1, 1]
