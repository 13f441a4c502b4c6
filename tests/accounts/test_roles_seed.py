"""Standard roles and their permissions, seeded after migrate and restored after a flush."""
import pytest
from django.contrib.auth.models import Group

from accounts.roles import STANDARD_ROLES, admin_classes, has_business_perm
from accounts.seed import seed_roles


def perms_of(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("spec", STANDARD_ROLES, ids=lambda s: s.key)
def test_standard_role_exists_with_its_permissions(db, spec):
    assert perms_of(Group.objects.get(name=spec.name)) == set(spec.permissions)


def test_the_role_table_is_as_designed(db):
    expected = {
        "系统管理员": {"accounts.role_sysadmin", "accounts.manage_user",
                  "accounts.manage_orgunit", "petitions.manage_dictionary"},
        "安全管理员": {"accounts.role_secadmin", "accounts.manage_role"},
        "安全审计员": {"accounts.role_auditor", "accounts.view_audit"},
        "登记员": {"petitions.register_case", "petitions.view_pii"},
        "分流员": {"petitions.triage_case", "petitions.register_case", "petitions.view_pii", "petitions.export_case",
                "petitions.exchange_package", "petitions.import_history"},
        "领导": {"petitions.instruct_case", "petitions.supervise_case", "petitions.export_case",
               "reports.view_statistics"},
        "承办人": {"petitions.handle_case", "petitions.view_pii", "petitions.export_case"},
        "督查员": {"petitions.supervise_case", "petitions.export_case"},
        "统计员": {"reports.view_statistics", "petitions.export_case"},
    }
    assert {g.name: perms_of(g) for g in Group.objects.filter(name__in=expected)} == expected


@pytest.mark.parametrize("spec", STANDARD_ROLES, ids=lambda s: s.key)
def test_each_standard_role_is_itself_a_legal_combination(spec):
    markers = admin_classes(spec.permissions)
    assert len(markers) <= 1
    assert not (markers and has_business_perm(spec.permissions))


def test_seed_never_overwrites_an_edited_role(db):
    clerk = Group.objects.get(name="登记员")
    clerk.permissions.clear()
    assert seed_roles() == 0
    assert not Group.objects.get(name="登记员").permissions.exists()


def test_seed_recreates_a_missing_role(db):
    Group.objects.filter(name="督查员").delete()
    assert seed_roles() == 1
    assert perms_of(Group.objects.get(name="督查员")) == {"petitions.supervise_case", "petitions.export_case"}


@pytest.mark.django_db(transaction=True)
def test_base_data_survives_a_flush_between_transactional_tests_first():
    """Run twice (this and the next test): after the flush between them the post_migrate
    handler has restored roles and dictionaries."""
    from petitions.models import DictEntry

    assert Group.objects.filter(name__in=[s.name for s in STANDARD_ROLES]).count() == len(STANDARD_ROLES)
    assert DictEntry.objects.filter(kind="ethnicity").count() == 56
    Group.objects.create(name="临时角色")


@pytest.mark.django_db(transaction=True)
def test_base_data_survives_a_flush_between_transactional_tests_second():
    from petitions.models import DictEntry

    assert not Group.objects.filter(name="临时角色").exists()
    assert Group.objects.filter(name__in=[s.name for s in STANDARD_ROLES]).count() == len(STANDARD_ROLES)
    assert DictEntry.objects.filter(kind="problem", parent__isnull=True).count() == 18
