"""Dictionary administration: entries in use are deactivated, never deleted (docs/architecture.md §3)."""
import uuid

import pytest
from django.urls import reverse

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog
from petitions.models import Case, Channel, DictEntry, DictKind
from petitions.services.dictionary import (
    dictionary_entry_delete, dictionary_entry_references, dictionary_entry_save, dictionary_entry_set_active,
)
from petitions.services.intake import register_case


def entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def make_case(actor, ethnicity=None, **data):
    """Register a case through the real intake service; ``data`` overrides dictionary fields."""
    values = {"purpose": entry("purpose", "04"), "problem": entry("problem", "60200602"),
              "content": "测试：拖欠工资请求追讨。", "visit_nature": entry("visit_nature", "1"), "visitor_count": 1,
              "visit_level": entry("visit_level", "3")}
    values.update(data)
    return register_case(actor=actor, channel=Channel.VISIT, data=values,
                         petitioners=[{"name": "张三", "ethnicity": ethnicity}], submit_token=uuid.uuid4().hex)


@pytest.fixture
def problem_parent():
    return entry("problem", "602006")  # 劳动社保


# --- seeded lists ---------------------------------------------------------------------------

def test_migrations_seeded_the_standard_lists(db):
    ethnicity = DictEntry.objects.filter(kind=DictKind.ETHNICITY)
    assert ethnicity.count() == 56
    assert ethnicity.get(code="01").name == "汉族" and ethnicity.get(code="56").name == "基诺族"
    assert len(set(ethnicity.values_list("name", flat=True))) == 56
    top = DictEntry.objects.filter(kind=DictKind.PROBLEM, parent__isnull=True)
    assert top.count() == 18 and set(top.values_list("level", flat=True)) == {1}
    assert DictEntry.objects.filter(kind=DictKind.PROBLEM, parent__isnull=False, level=2).exists()
    for kind in DictKind.values:
        assert DictEntry.objects.filter(kind=kind).exists(), kind


# --- save -----------------------------------------------------------------------------------

def test_create_child_entry_and_audit(sysadmin, problem_parent):
    child = dictionary_entry_save(actor=sysadmin, kind="problem", code="60200604", name="欠薪",
                                  parent=problem_parent, sort_order=4)
    assert (child.level, child.parent, child.is_active) == (2, problem_parent, True)
    row = AuditLog.objects.get(action="dictionary.create")
    assert row.actor == sysadmin and row.data == {"kind": "problem", "code": "60200604", "parent": "602006"}


def test_duplicate_code_in_same_list_refused(sysadmin):
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_save(actor=sysadmin, kind="ethnicity", code="01", name="重复")
    assert exc.value.field == "code" and "已存在" in str(exc.value.message)
    assert DictEntry.objects.filter(kind="ethnicity").count() == 56


def test_same_code_in_another_list_is_fine(sysadmin):
    assert dictionary_entry_save(actor=sysadmin, kind="purpose", code="56", name="测试").pk


def test_flat_list_refuses_a_parent(sysadmin):
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_save(actor=sysadmin, kind="ethnicity", code="57", name="测试",
                              parent=entry("ethnicity", "01"))
    assert exc.value.code == "dictionary_flat"


def test_parent_from_another_list_refused(sysadmin):
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_save(actor=sysadmin, kind="problem", code="699", name="测试", parent=entry("purpose", "01"))
    assert exc.value.code == "dictionary_parent_kind"


def test_moving_under_own_descendant_refused(sysadmin, problem_parent):
    child = entry("problem", "60200601")
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_save(actor=sysadmin, entry=problem_parent, kind="problem", code="602006", name="劳动社保",
                              parent=child)
    assert exc.value.code == "dictionary_parent_cycle"
    assert entry("problem", "602006").parent is None


def test_tree_depth_is_limited(sysadmin, problem_parent):
    level2 = entry("problem", "60200601")
    level3 = dictionary_entry_save(actor=sysadmin, kind="problem", code="6020060101", name="农民工", parent=level2)
    assert level3.level == 3
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_save(actor=sysadmin, kind="problem", code="602006010101", name="太深", parent=level3)
    assert exc.value.code == "dictionary_too_deep"


def test_update_records_the_changes(sysadmin):
    e = entry("purpose", "05")
    dictionary_entry_save(actor=sysadmin, entry=e, kind="purpose", code="05", name="政策咨询", sort_order=5)
    row = AuditLog.objects.get(action="dictionary.update")
    assert row.data["changes"] == {"name": ["咨询", "政策咨询"]}
    assert entry("purpose", "05").name == "政策咨询"


def test_moving_a_subtree_keeps_levels_right(sysadmin):
    moved = dictionary_entry_save(actor=sysadmin, kind="problem", code="602099", name="新类", parent=None)
    sub = dictionary_entry_save(actor=sysadmin, kind="problem", code="60209901", name="新子类", parent=moved)
    dictionary_entry_save(actor=sysadmin, entry=moved, kind="problem", code="602099", name="新类",
                          parent=entry("problem", "602018"))
    assert (entry("problem", "602099").level, DictEntry.objects.get(pk=sub.pk).level) == (2, 3)


def test_only_dictionary_managers_may_write(clerk, auditor):
    for user in (clerk, auditor):
        with pytest.raises(NotAllowed):
            dictionary_entry_save(actor=user, kind="purpose", code="77", name="x")
        with pytest.raises(NotAllowed):
            dictionary_entry_delete(actor=user, entry=entry("purpose", "99"))


# --- delete or deactivate -------------------------------------------------------------------

def test_unreferenced_entry_is_deleted(sysadmin):
    e = dictionary_entry_save(actor=sysadmin, kind="visit_level", code="9", name="测试层次")
    outcome = dictionary_entry_delete(actor=sysadmin, entry=e)
    assert outcome.deleted and "已删除" in outcome.message
    assert not DictEntry.objects.filter(pk=e.pk).exists()
    row = AuditLog.objects.get(action="dictionary.delete")
    assert row.data == {"kind": "visit_level", "code": "9", "id": e.pk}


def test_entry_referenced_by_a_case_is_deactivated_not_deleted(sysadmin, clerk, problem_parent):
    used = entry("problem", "60200601")
    make_case(clerk, problem=used)
    assert dictionary_entry_references(used) == ["信访件（所属问题）"]
    outcome = dictionary_entry_delete(actor=sysadmin, entry=used)
    assert not outcome.deleted
    assert "已被信访件（所属问题）引用，不能删除，已改为停用" in outcome.message
    used.refresh_from_db()
    assert used.is_active is False
    assert Case.objects.get().problem == used
    assert AuditLog.objects.filter(action="dictionary.deactivate", object_id=str(used.pk)).exists()
    assert not AuditLog.objects.filter(action="dictionary.delete").exists()


def test_entry_referenced_by_a_petitioner_is_deactivated(sysadmin, clerk):
    han = entry("ethnicity", "01")
    make_case(clerk, ethnicity=han)
    outcome = dictionary_entry_delete(actor=sysadmin, entry=han)
    assert not outcome.deleted and "信访人（民族）" in outcome.message
    assert DictEntry.objects.get(pk=han.pk).is_active is False


def test_entry_referenced_through_many_to_many_is_deactivated(sysadmin, clerk):
    behaviour = entry("abnormal", "02")
    case = make_case(clerk, abnormal_behaviors=[behaviour])
    outcome = dictionary_entry_delete(actor=sysadmin, entry=behaviour)
    assert not outcome.deleted
    assert list(case.abnormal_behaviors.all()) == [behaviour]  # the link survived
    assert DictEntry.objects.get(pk=behaviour.pk).is_active is False


def test_entry_with_children_is_deactivated_with_its_subtree(sysadmin, problem_parent):
    outcome = dictionary_entry_delete(actor=sysadmin, entry=problem_parent)
    assert not outcome.deleted and "下级项一并停用" in outcome.message
    assert not DictEntry.objects.filter(pk=problem_parent.pk, is_active=True).exists()
    assert not DictEntry.objects.filter(parent=problem_parent, is_active=True).exists()
    assert DictEntry.objects.filter(parent=problem_parent).count() == 3


def test_deleting_an_already_inactive_referenced_entry_says_so(sysadmin, clerk):
    used = entry("visit_level", "5")
    make_case(clerk, visit_level=used)
    dictionary_entry_set_active(actor=sysadmin, entry=used, active=False)
    outcome = dictionary_entry_delete(actor=sysadmin, entry=used)
    assert not outcome.deleted and "已处于停用状态" in outcome.message


def test_activate_needs_an_active_parent(sysadmin, problem_parent):
    child = entry("problem", "60200602")
    dictionary_entry_set_active(actor=sysadmin, entry=problem_parent, active=False)
    with pytest.raises(ServiceError) as exc:
        dictionary_entry_set_active(actor=sysadmin, entry=child, active=True)
    assert "请先启用上级" in str(exc.value.message)
    dictionary_entry_set_active(actor=sysadmin, entry=problem_parent, active=True)
    dictionary_entry_set_active(actor=sysadmin, entry=child, active=True)
    assert DictEntry.objects.get(pk=child.pk).is_active
    actions = list(AuditLog.objects.filter(action__startswith="dictionary.").values_list("action", flat=True)
                   .order_by("id"))
    assert actions == ["dictionary.deactivate", "dictionary.activate", "dictionary.activate"]


# --- pages ----------------------------------------------------------------------------------

def test_list_page_shows_the_problem_tree(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("petitions:dictionary_list"), {"kind": "problem"})
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.code for e in entries[:2]] == ["602001", "602002"]
    assert entries[2].parent.code == "602002" and entries[2].depth == 2
    assert "劳动社保" in response.content.decode()


def test_unknown_kind_falls_back_to_the_first_list(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("petitions:dictionary_list"), {"kind": "nope"}).context["kind"] == "purpose"
    assert client.get(reverse("petitions:dictionary_create"), {"kind": "nope"}).status_code == 404


def test_add_page_creates_an_entry(client, sysadmin, problem_parent):
    client.force_login(sysadmin)
    url = reverse("petitions:dictionary_create") + "?kind=problem"
    response = client.post(url, {"code": "60200609", "name": "欠薪", "parent": problem_parent.pk, "sort_order": 9,
                                 "note": ""})
    assert response.status_code == 302
    assert entry("problem", "60200609").parent == problem_parent


def test_add_page_shows_duplicate_code_next_to_the_field(client, sysadmin):
    client.force_login(sysadmin)
    url = reverse("petitions:dictionary_create") + "?kind=purpose"
    response = client.post(url, {"code": "01", "name": "重复", "sort_order": 0})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["代码“01”在该字典中已存在。"]


def test_delete_button_deactivates_a_used_entry_with_a_message(client, sysadmin, clerk):
    used = entry("purpose", "02")
    make_case(clerk, purpose=used)
    client.force_login(sysadmin)
    response = client.post(reverse("petitions:dictionary_delete", args=[used.pk]), follow=True)
    assert "不能删除，已改为停用" in response.content.decode()
    assert DictEntry.objects.get(pk=used.pk).is_active is False


def test_state_changes_are_post_only(client, sysadmin):
    client.force_login(sysadmin)
    e = entry("purpose", "99")
    assert client.get(reverse("petitions:dictionary_delete", args=[e.pk])).status_code == 405
    assert client.get(reverse("petitions:dictionary_set_active", args=[e.pk])).status_code == 405
    assert DictEntry.objects.filter(pk=e.pk, is_active=True).exists()


@pytest.mark.parametrize("who", ["clerk", "auditor", "triage"])
def test_pages_are_for_dictionary_managers_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("petitions:dictionary_list")).status_code == 403
    e = entry("purpose", "99")
    assert client.post(reverse("petitions:dictionary_delete", args=[e.pk])).status_code == 403
    assert DictEntry.objects.filter(pk=e.pk).exists()
