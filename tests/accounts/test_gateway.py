"""E-mail and SMS beside the in-app reminders (accounts/gateway.py), after commit, without PII."""
import pytest
from django.db import transaction

from accounts.reminders import reminders_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SENT = []


class FakeSms:
    def send(self, phone, text):
        SENT.append((phone, text))


class BrokenSms:
    def send(self, phone, text):
        raise ConnectionError("carrier down")


@pytest.fixture
def people(orgs):
    with_both = make_user("notified", org_code="53390001", roles=["triage"])
    with_both.email, with_both.phone = "triage@example.gov.cn", "13800001111"
    with_both.save()
    nothing = make_user("quiet", org_code="53390001", roles=["triage"])
    return with_both, nothing


def test_nothing_is_sent_unless_configured(settings, mailoutbox, people):
    settings.NOTIFY_EMAIL, settings.NOTIFY_SMS_GATEWAY = False, None
    SENT.clear()
    assert reminders_create(user_ids=[u.pk for u in people], title="请受理：533900-2026-000001",
                            url="/cases/1/") == 2
    assert mailoutbox == [] and SENT == []


def test_email_and_sms_after_commit_with_an_absolute_link(settings, mailoutbox, people):
    settings.NOTIFY_EMAIL = True
    settings.NOTIFY_SMS_GATEWAY = "tests.accounts.test_gateway.FakeSms"
    settings.SITE_URL = "https://xf.example.gov.cn"
    SENT.clear()
    with transaction.atomic():
        reminders_create(user_ids=[u.pk for u in people], title="请受理：533900-2026-000001", url="/cases/1/")
        assert mailoutbox == [] and SENT == []  # nothing leaves before the commit
    assert len(mailoutbox) == 1  # only the user with an address
    mail = mailoutbox[0]
    assert mail.to == ["triage@example.gov.cn"] and "533900-2026-000001" in mail.subject
    assert "https://xf.example.gov.cn/cases/1/" in mail.body
    assert SENT == [("13800001111", "请受理：533900-2026-000001\nhttps://xf.example.gov.cn/cases/1/")]


def test_a_rolled_back_step_sends_nothing(settings, mailoutbox, people):
    settings.NOTIFY_EMAIL = True
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            reminders_create(user_ids=[people[0].pk], title="请受理：533900-2026-000002", url="/cases/2/")
            raise RuntimeError("the step failed")
    assert mailoutbox == []


def test_a_failing_gateway_is_logged_not_raised(settings, people, caplog):
    settings.NOTIFY_EMAIL = False
    settings.NOTIFY_SMS_GATEWAY = "tests.accounts.test_gateway.BrokenSms"
    assert reminders_create(user_ids=[people[0].pk], title="督办：533900-2026-000003", url="") == 1
    assert "SMS notification failed" in caplog.text


def test_deduplicated_reminders_are_sent_once(settings, mailoutbox, people):
    settings.NOTIFY_EMAIL = True
    for _ in range(2):
        reminders_create(user_ids=[people[0].pk], title="即将到期：533900-2026-000004", dedup_key="due:4")
    assert len(mailoutbox) == 1


def test_the_shipped_sms_gateway_logs_a_masked_number(settings, people, caplog):
    import logging

    settings.NOTIFY_SMS_GATEWAY = "accounts.gateway.LogSmsGateway"
    with caplog.at_level(logging.INFO, logger="xf.sms"):
        reminders_create(user_ids=[people[0].pk], title="请批示：533900-2026-000005")
    assert "138****1111" in caplog.text and "13800001111" not in caplog.text
