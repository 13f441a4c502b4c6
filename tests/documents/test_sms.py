"""Texts to petitioners: queued in the step, sent after commit, never more than the number, the code
and what happened; a failing provider is logged and retried, never blocks the workflow; the Alibaba
Cloud and Tencent Cloud adapters build the providers' requests."""
import sys
import types
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import gateway
from documents.models import SmsMessage, SmsState
from documents.sms import mobile
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, org
from tests.documents.helpers import make_case

pytestmark = pytest.mark.django_db(transaction=True)

SENT = []


class RecordingGateway:
    templated = True

    def send(self, phone, text, *, purpose="", params=None):
        SENT.append((phone, text, purpose, params))
        return "id-1"


class DownGateway:
    def send(self, phone, text):
        raise ConnectionError("provider down")


@pytest.fixture
def recording(settings):
    settings.PETITIONER_SMS_GATEWAY = "tests.documents.test_sms.RecordingGateway"
    settings.SMS_SIGN_NAME = "青峰州信访局"
    SENT.clear()
    return SENT


def test_mobile_numbers_only():
    assert mobile("139-0887-1234") == "13908871234" and mobile("+8613908871234") == "13908871234"
    assert mobile("0871-65123456") == "" and mobile("") == ""


def test_registration_acceptance_and_answer_texts(recording, cast, clock):
    case = make_case(cast.clerk)
    assert len(SENT) == 1
    phone, text, purpose, params = SENT[0]
    assert phone == "13908871234" and purpose == "registration"
    assert case.number in text and case.query_code in text and text.startswith("【青峰州信访局】")
    assert "李建华" not in text and "拖欠工资" not in text  # no name, no content
    assert params == {"number": case.number, "code": case.query_code}
    act(case, "assign", cast.triage, targets=[{"org": org("53390003")}])
    act(case, "accept", cast.dept_handler)
    assert SENT[-1][2] == "accepted" and case.query_code not in SENT[-1][1]
    act(case, "report_result", cast.dept_handler, note="已核实。", opinion="support")
    act(case, "approve_result", cast.triage)
    assert [s[2] for s in SENT] == ["registration", "accepted", "answered"]
    assert SmsMessage.objects.filter(state=SmsState.SENT).count() == 3


def test_a_failing_provider_never_blocks_and_is_retried(settings, cast, clock):
    settings.PETITIONER_SMS_GATEWAY = "tests.documents.test_sms.DownGateway"
    case = make_case(cast.clerk)  # registration goes through
    message = SmsMessage.objects.get(case=case)
    assert message.state == SmsState.PENDING and message.attempts == 1 and "provider down" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # Not due yet: nothing is tried.
    call_command("send_sms", stdout=open("/dev/null", "w"))
    message.refresh_from_db()
    assert message.attempts == 1
    # Due, and the provider is back.
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    settings.PETITIONER_SMS_GATEWAY = "tests.documents.test_sms.RecordingGateway"
    SENT.clear()
    call_command("send_sms", stdout=open("/dev/null", "w"))
    message.refresh_from_db()
    assert message.state == SmsState.SENT and message.attempts == 2 and len(SENT) == 1


def test_gives_up_after_the_last_attempt(settings, cast, clock):
    settings.PETITIONER_SMS_GATEWAY = "tests.documents.test_sms.DownGateway"
    settings.SMS_MAX_ATTEMPTS = 2
    case = make_case(cast.clerk)
    message = SmsMessage.objects.get(case=case)
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_sms", stdout=open("/dev/null", "w"))
    message.refresh_from_db()
    assert message.state == SmsState.FAILED and message.attempts == 2 and message.next_attempt_at is None


def test_nothing_is_queued_without_a_gateway(settings, cast, clock):
    settings.PETITIONER_SMS_GATEWAY = None
    make_case(cast.clerk)
    assert not SmsMessage.objects.exists()


# --- the provider adapters, against stand-ins of the SDK modules -------------------------------------

class _Obj:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def _module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def test_aliyun_adapter(settings, monkeypatch):
    calls = []

    class Client:
        def __init__(self, config):
            calls.append(("config", config.kwargs))

        def send_sms(self, request):
            calls.append(("send", request.kwargs))
            return _Obj(body=_Obj(code="OK", message="OK", biz_id="biz-9"))

    class Req:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    monkeypatch.setitem(sys.modules, "alibabacloud_dysmsapi20170525", _module("alibabacloud_dysmsapi20170525"))
    monkeypatch.setitem(sys.modules, "alibabacloud_dysmsapi20170525.models", _module("m", SendSmsRequest=Req))
    monkeypatch.setitem(sys.modules, "alibabacloud_dysmsapi20170525.client", _module("c", Client=Client))
    monkeypatch.setitem(sys.modules, "alibabacloud_tea_openapi", _module("alibabacloud_tea_openapi"))
    monkeypatch.setitem(sys.modules, "alibabacloud_tea_openapi.models", _module("o", Config=Req))
    sys.modules["alibabacloud_dysmsapi20170525"].models = sys.modules["alibabacloud_dysmsapi20170525.models"]
    sys.modules["alibabacloud_tea_openapi"].models = sys.modules["alibabacloud_tea_openapi.models"]
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = "id", "secret"
    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATES = "青峰州信访局", '{"registration": "SMS_1001"}'
    sent = gateway.AliyunSmsGateway().send("13908871234", "text", purpose="registration",
                                           params={"number": "N1", "code": "C1"})
    assert sent == "biz-9"
    assert calls[0][1]["access_key_id"] == "id"
    assert calls[1][1] == {"phone_numbers": "13908871234", "sign_name": "青峰州信访局", "template_code": "SMS_1001",
                           "template_param": '{"number": "N1", "code": "C1"}'}


def test_tencent_adapter_refusal_raises(settings, monkeypatch):
    class SendSmsRequest:
        pass

    class SmsClient:
        def __init__(self, cred, region, profile):
            self.region = region

        def SendSms(self, request):
            assert request.PhoneNumberSet == ["+8613908871234"] and request.TemplateParamSet == ["N1"]
            return _Obj(SendStatusSet=[_Obj(Code="LimitExceeded.PhoneNumberDailyLimit", Message="limit",
                                            SerialNo="")])

    for name, attrs in {
        "tencentcloud": {}, "tencentcloud.common": {}, "tencentcloud.common.credential": {"Credential": lambda a, b: (a, b)},
        "tencentcloud.common.profile": {}, "tencentcloud.common.profile.client_profile": {"ClientProfile": lambda **k: k},
        "tencentcloud.common.profile.http_profile": {"HttpProfile": lambda **k: k},
        "tencentcloud.sms": {}, "tencentcloud.sms.v20210111": {},
        "tencentcloud.sms.v20210111.models": {"SendSmsRequest": SendSmsRequest},
        "tencentcloud.sms.v20210111.sms_client": {"SmsClient": SmsClient},
    }.items():
        monkeypatch.setitem(sys.modules, name, _module(name, **attrs))
    sys.modules["tencentcloud.common"].credential = sys.modules["tencentcloud.common.credential"]
    sys.modules["tencentcloud.sms.v20210111"].models = sys.modules["tencentcloud.sms.v20210111.models"]
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET, settings.SMS_SDK_APP_ID = "id", "key", "1400000000"
    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATES = "青峰州信访局", '{"accepted": "2001"}'
    with pytest.raises(gateway.SmsError, match="LimitExceeded"):
        gateway.TencentSmsGateway().send("13908871234", "text", purpose="accepted", params={"number": "N1"})


def test_an_adapter_without_its_template_refuses(settings):
    settings.SMS_TEMPLATES = "{}"
    with pytest.raises(gateway.SmsError, match="no approved template"):
        gateway._template_for("registration")
