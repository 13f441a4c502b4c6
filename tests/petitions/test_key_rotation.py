"""manage.py rotate_field_key: every encrypted identity number and TOTP secret moves to the new
key in one transaction, or nothing changes."""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import otp
from accounts.models import AuditLog, User
from petitions.models import Petitioner
from tests.petitions.workflow_helpers import clock, make_case  # noqa: F401 (clock is a fixture)

ID = "11010519491231002X"
NEW = "ab" * 32
SECRET = b"12345678901234567890"


def raw_tokens():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM petitions_petitioner WHERE id_number <> '' ORDER BY id")
        return cursor.fetchall()


@pytest.fixture
def encrypted(clerk, triage, clock, settings):
    case = make_case(clerk, channel="visit")
    Petitioner.objects.filter(case=case).update(id_number=ID)
    User.objects.filter(pk=triage.pk).update(otp_secret=otp.seal(SECRET), otp_enabled=True)
    return settings.FIELD_ENCRYPTION_KEY


def test_rotation_moves_everything_to_the_new_key(encrypted, settings, tmp_path, triage):
    old_file = tmp_path / "old.key"
    old_file.write_text(encrypted + "\n")
    before = raw_tokens()
    settings.FIELD_ENCRYPTION_KEY = NEW
    call_command("rotate_field_key", old_key_file=str(old_file))
    after = raw_tokens()
    assert [pk for pk, _t in after] == [pk for pk, _t in before]
    assert all(a != b for (_p, a), (_q, b) in zip(after, before))  # every token rewritten
    assert Petitioner.objects.filter(id_number=ID).count() == 1  # found by equality under the new key
    assert otp.unseal(User.objects.get(pk=triage.pk).otp_secret) == SECRET
    row = AuditLog.objects.get(action="security.field_key_rotate")
    assert row.data["otp_secrets"] == 1 and row.data["identities"] == len(before)


def test_a_wrong_old_key_changes_nothing(encrypted, settings, tmp_path, triage):
    wrong = tmp_path / "wrong.key"
    wrong.write_text("cd" * 32)
    before = raw_tokens()
    secret_before = User.objects.get(pk=triage.pk).otp_secret
    settings.FIELD_ENCRYPTION_KEY = NEW
    with pytest.raises(CommandError, match="不能用旧密钥解密"):
        call_command("rotate_field_key", old_key_file=str(wrong))
    assert raw_tokens() == before and User.objects.get(pk=triage.pk).otp_secret == secret_before
    assert not AuditLog.objects.filter(action="security.field_key_rotate").exists()


def test_same_or_malformed_keys_are_refused(encrypted, tmp_path):
    same = tmp_path / "same.key"
    same.write_text(encrypted)
    with pytest.raises(CommandError, match="新旧密钥相同"):
        call_command("rotate_field_key", old_key_file=str(same))
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(CommandError, match="不是64位十六进制密钥"):
        call_command("rotate_field_key", old_key_file=str(short))
