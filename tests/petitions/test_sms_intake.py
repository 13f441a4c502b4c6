"""Petitions by SMS (petitions/services/sms_intake.py, petitions/lib/sms_inbound.py): the providers'
callbacks, registration in the pool with a reply, the limits and refusals, the masked list."""
import hashlib
import hmac
import json
import logging
import time

import pytest
from django.urls import reverse

from petitions.models import Case, Channel, SmsInbound, SmsInboundState
from petitions.workflow import Status

SECRET = "generic-test-secret"
SENT = []


class RecordingGateway:
    templated = True

    def send(self, phone, text, *, purpose="", params=None):
        SENT.append((phone, text, purpose, params))


@pytest.fixture(autouse=True)
def sms_settings(settings):
    SENT.clear()
    settings.SMS_INBOUND_PROVIDERS = ("generic", "aliyun", "tencent")
    settings.SMS_INBOUND = {"generic": {"secret": SECRET}, "aliyun": {"token": "ali-token"},
                            "tencent": {"token": "tc-token", "allowed_ips": ("127.0.0.1",)}}
    settings.SMS_INBOUND_DEFAULT_BUREAU = "53392201"
    settings.SMS_INBOUND_ROUTES = {"9001": "53390001"}
    settings.SMS_INBOUND_REPLY_GATEWAY = "tests.petitions.test_sms_intake.RecordingGateway"
    settings.PETITIONER_SMS_GATEWAY = ""  # without the petitioners' outbox this module replies itself
    settings.NOTIFY_SMS_GATEWAY = ""
    return settings


def generic(client, messages, *, secret=SECRET, stamp=None):
    body = json.dumps({"messages": messages}, ensure_ascii=False).encode()
    stamp = str(int(stamp if stamp is not None else time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return client.post("/sms/inbound/generic/", data=body, content_type="application/json",
                       headers={"X-Xf-Timestamp": stamp, "X-Xf-Signature": signature})


def message(n=1, text="李四#石门镇某村#反映村道损坏多年无人修，请求修复。", phone="13812345678", to="106900", **extra):
    return {"id": f"m{n}", "from": phone, "to": to, "text": text, "time": int(time.time()), **extra}


def test_a_signed_message_becomes_a_petition_in_the_pool_and_gets_a_reply(orgs, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = generic(client, [message()])
    assert response.status_code == 200 and response.json() == {"ok": True}
    case = Case.objects.get()
    assert (case.channel, case.status, case.registered_org.code, case.holder_org.code) == (
        Channel.SMS, Status.PENDING, "53392201", "53392201")
    person = case.petitioners.get()
    assert (person.name, person.phone, person.address) == ("李四", "13812345678", "石门镇某村")
    assert case.content == "反映村道损坏多年无人修，请求修复。"
    assert case.registered_by.username == "sms:53392201" and not case.registered_by.has_usable_password()
    assert case.events.get().action == "register"
    assert SENT == [("13812345678", SENT[0][1], "registration", {"number": case.number, "code": case.query_code})]
    assert case.number in SENT[0][1] and case.query_code in SENT[0][1]
    row = SmsInbound.objects.get()
    assert row.state == SmsInboundState.REGISTERED and row.case == case


def test_routes_pick_the_bureau_by_the_receiving_number(orgs, client):
    generic(client, [message(to="900155")])
    assert Case.objects.get().registered_org.code == "53390001"


def test_a_retried_callback_changes_nothing(orgs, client):
    generic(client, [message()])
    generic(client, [message()])
    assert Case.objects.count() == 1 and SmsInbound.objects.count() == 1


@pytest.mark.parametrize("secret, stamp, status", [("wrong", None, 403), (SECRET, time.time() - 3600, 403)])
def test_a_bad_signature_or_an_old_timestamp_is_refused(orgs, client, secret, stamp, status):
    assert generic(client, [message()], secret=secret, stamp=stamp).status_code == status
    assert SmsInbound.objects.count() == 0 and Case.objects.count() == 0


def test_a_provider_not_switched_on_is_not_found(orgs, client, settings):
    settings.SMS_INBOUND_PROVIDERS = ("aliyun",)
    assert generic(client, [message()]).status_code == 404


def test_a_long_message_is_joined_from_its_parts(orgs, client):
    generic(client, [message(2, text="反映问题的后半段。", part={"ref": "r1", "index": 2, "total": 2})])
    assert Case.objects.count() == 0 and SmsInbound.objects.get().state == SmsInboundState.PART
    generic(client, [message(1, text="王五#小区物业乱收费，", part={"ref": "r1", "index": 1, "total": 2})])
    case = Case.objects.get()
    assert case.content == "小区物业乱收费，反映问题的后半段。"
    assert set(SmsInbound.objects.values_list("state", flat=True)) == {SmsInboundState.REGISTERED}


@pytest.mark.parametrize("text, reason, replied", [
    ("   。。。  ", "empty", True),
    ("你们都是傻逼", "abusive", False),
    ("路灯坏了请修理", "format", True),
])
def test_empty_abusive_and_unformatted_messages_are_refused_with_a_logged_reason(
        orgs, client, caplog, django_capture_on_commit_callbacks, text, reason, replied):
    with caplog.at_level(logging.INFO, logger="xf.sms"), django_capture_on_commit_callbacks(execute=True):
        assert generic(client, [message(text=text)]).status_code == 200
    row = SmsInbound.objects.get()
    assert (row.state, row.reason) == (SmsInboundState.REJECTED, reason)
    assert Case.objects.count() == 0
    assert reason in caplog.text and "13812345678" not in caplog.text and "138****5678" in caplog.text
    assert bool(SENT) == replied


def test_one_number_is_limited_per_day(orgs, client, settings):
    settings.SMS_INBOUND_LIMIT = 2
    for n in range(1, 4):
        generic(client, [message(n, text=f"赵六#第{n}件事情需要反映。")])
    assert Case.objects.count() == 2
    assert SmsInbound.objects.get(message_key="generic:m3").reason == "rate_limited"
    generic(client, [message(9, phone="13900001111")])  # another number is not affected
    assert Case.objects.count() == 3


def test_a_landline_sender_is_refused(orgs, client):
    generic(client, [message(phone="0871-65123456")])
    assert SmsInbound.objects.get().reason == "phone" and Case.objects.count() == 0


def test_alibaba_cloud_batch_push_with_its_token(orgs, client):
    body = json.dumps([{"phone_number": "13812345678", "send_time": "2026-03-01 10:00:00",
                        "content": "钱七#青峰市某街道#噪音扰民", "sign_name": "青峰州信访局", "dest_code": "9001",
                        "sequence_id": 1234567890}], ensure_ascii=False)
    url = "/sms/inbound/aliyun/"
    assert client.post(url + "?token=nope", data=body, content_type="application/json").status_code == 403
    response = client.post(url + "?token=ali-token", data=body, content_type="application/json")
    assert response.status_code == 200 and response.json()["code"] == 0
    assert Case.objects.get().registered_org.code == "53390001"
    client.post(url + "?token=ali-token", data=body, content_type="application/json")  # pushed again
    assert Case.objects.count() == 1


def test_tencent_cloud_reply_callback_with_its_token_and_address(orgs, client):
    body = json.dumps({"extend": "", "mobile": "13812345678", "nationcode": "86", "sign": "青峰州信访局",
                       "text": "孙八#反映供暖不足", "time": 1457336869}, ensure_ascii=False)
    response = client.post("/sms/inbound/tencent/?token=tc-token", data=body, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    assert Case.objects.get().channel == Channel.SMS
    response = client.post("/sms/inbound/tencent/?token=tc-token", data=body, content_type="application/json",
                           REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 403


def test_a_malformed_body_is_a_bad_request(orgs, client):
    body = b"not json"
    stamp = str(int(time.time()))
    signature = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    response = client.post("/sms/inbound/generic/", data=body, content_type="application/json",
                           headers={"X-Xf-Timestamp": stamp, "X-Xf-Signature": signature})
    assert response.status_code == 400


def test_the_list_masks_the_number(orgs, client, county_triage, clerk):
    generic(client, [message()])
    client.force_login(county_triage)
    page = client.get(reverse("petitions:sms_inbound_list")).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert Case.objects.get().number in page
    client.force_login(clerk)
    assert client.get(reverse("petitions:sms_inbound_list")).status_code == 403


def test_sms_counts_with_the_online_petitions_in_the_statistics(orgs, client):
    from reports.selectors import CHANNEL_GROUPS, ONLINE_Q

    generic(client, [message()])
    assert Channel.SMS in {key: channels for key, _label, channels in CHANNEL_GROUPS}["online"]
    assert Case.objects.filter(ONLINE_Q).count() == 1
    assert sum(1 for _k, _l, channels in CHANNEL_GROUPS if Channel.SMS in channels) == 1  # counted once


def test_with_the_petitioner_outbox_the_reply_is_its_registration_text(orgs, client, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.PETITIONER_SMS_GATEWAY = "tests.petitions.test_sms_intake.RecordingGateway"
    with django_capture_on_commit_callbacks(execute=True):
        generic(client, [message()])
    case = Case.objects.get()
    texts = [t for t in SENT if case.query_code in t[1]]
    assert len(texts) == 1  # one text with the number and code (the outbox's), never two


def test_the_internet_side_instance_serves_the_callback(orgs, client, settings):
    settings.ROOT_URLCONF = "config.urls_portal"
    assert generic(client, [message()]).status_code == 200
    assert Case.objects.get().channel == Channel.SMS
