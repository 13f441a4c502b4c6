"""The online petition form's browser check: a proof of work (portal/captcha.py) in place of the
image captcha that a template matcher read every time and that a reload drew again unchanged.

Every refusal names its reason in Chinese and registers nothing; the solution of a challenge is
accepted once, across sessions and workers (the database remembers used challenges until they
expire); the per-address limits hold, and behind a trusted proxy they count each visitor.
"""
import base64
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import AuditLog
from petitions.models import Case, CaseEvent, Petitioner
from portal import captcha
from portal.captcha import challenge_issue, challenge_solve, challenge_verify, solution_payload
from portal.models import PortalAttempt, PortalChallengeUse
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import form_post, open_form, solved, submit

pytestmark = pytest.mark.django_db

MESSAGES = {
    "missing": "未收到浏览器的人机校验结果：提交本表单需要启用浏览器的 JavaScript，请启用后刷新本页再提交。",
    "invalid": "人机校验结果无效，未予提交。请重新提交。",
    "expired": "人机校验已过期，未予提交。请重新提交。",
    "replayed": "该人机校验结果已使用过，未予提交。请重新提交。",
}


def counts():
    return {"cases": Case.objects.count(), "petitioners": Petitioner.objects.count(),
            "events": CaseEvent.objects.count(), "audit": AuditLog.objects.count(),
            "attempts": PortalAttempt.objects.count()}


def check_errors(response):
    assert response.status_code == 200
    return [str(e) for e in response.context["form"].errors.get("altcha", [])]


def page(client):
    """GET the form: (submit token, the page's challenge)."""
    response = client.get(reverse("portal:submit"))
    return response.context["form"]["submit_token"].value(), response.context["challenge"]


def decoded(payload):
    return json.loads(base64.b64decode(payload))


def encoded(data):
    return base64.b64encode(json.dumps(data).encode()).decode()


def post(client, token, altcha, **kwargs):
    return client.post(reverse("portal:submit"), form_post(token, altcha=altcha), **kwargs)


# --- the protocol -------------------------------------------------------------------------------

def test_a_challenge_is_solved_by_search_and_verified_once():
    challenge = challenge_issue()
    assert challenge["algorithm"] == "SHA-256" and challenge["maxnumber"] == settings.PORTAL_POW_MAX_NUMBER
    assert captcha.SALT.match(challenge["salt"])
    number = challenge_solve(challenge)
    assert 0 <= number <= challenge["maxnumber"]
    payload = solution_payload(challenge, number)
    assert challenge_verify(payload) is None
    assert challenge_verify(payload) == "replayed"
    assert PortalChallengeUse.objects.filter(challenge=challenge["challenge"]).count() == 1


def test_the_secret_number_is_kept_nowhere():
    challenge = challenge_issue()
    assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert not PortalChallengeUse.objects.exists()  # nothing is stored when a challenge is issued


def test_the_signature_key_comes_from_the_secret_key():
    challenge = challenge_issue()
    payload = solution_payload(challenge, challenge_solve(challenge))
    with override_settings(SECRET_KEY="another-server-" + "x" * 50):
        assert challenge_verify(payload) == "invalid"
    assert challenge_verify(payload) is None


def test_used_challenges_are_forgotten_once_expired():
    old = challenge_issue(now=time.time() - 2 * settings.PORTAL_POW_TTL_SECONDS)
    PortalChallengeUse.objects.create(challenge=old["challenge"],
                                      expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert challenge_verify(solved()) is None
    assert list(PortalChallengeUse.objects.values_list("challenge", flat=True)) != [old["challenge"]]
    assert not PortalChallengeUse.objects.filter(challenge=old["challenge"]).exists()
    assert PortalChallengeUse.objects.count() == 1


# --- refusals on the form -----------------------------------------------------------------------

def _forged_signature(challenge):
    data = decoded(solved(challenge))
    data["signature"] = "0" * 64
    return encoded(data)


def _own_challenge(challenge):
    """A bot's own challenge with a number of its choice: the hash is right, the signature is not."""
    import hashlib

    data = decoded(solved(challenge))
    data["number"] = 0
    data["challenge"] = hashlib.sha256(f"{data['salt']}0".encode()).hexdigest()
    return encoded(data)


def _wrong_number(challenge):
    data = decoded(solved(challenge))
    data["number"] = (data["number"] + 1) % (challenge["maxnumber"] + 1)
    return encoded(data)


def _later_expiry(challenge):
    data = decoded(solved(challenge))
    data["salt"] = data["salt"].replace("?expires=", "?expires=9")[:-2] + "&"  # same length, far future
    return encoded(data)


def _spliced_digits(challenge):
    """The salt's tail and the number share the hashed text: moving a digit between them keeps
    the hash (the attack on loosely parsed salts); the salt's format refuses it."""
    data = decoded(solved(challenge))
    data["salt"] += str(data["number"])[0]
    data["number"] = int(str(data["number"])[1:] or "0")
    return encoded(data)


def _other_algorithm(challenge):
    data = decoded(solved(challenge))
    data["algorithm"] = "SHA-1"
    return encoded(data)


def _number_as_text(challenge):
    data = decoded(solved(challenge))
    data["number"] = str(data["number"])
    return encoded(data)


@pytest.mark.parametrize("make, reason", [
    (lambda c: "", "missing"),
    (lambda c: "garbage!", "invalid"),
    (lambda c: base64.b64encode(b"[1, 2]").decode(), "invalid"),
    (lambda c: "A" * 4000, "invalid"),
    (_forged_signature, "invalid"),
    (_own_challenge, "invalid"),
    (_wrong_number, "invalid"),
    (_later_expiry, "invalid"),
    (_spliced_digits, "invalid"),
    (_other_algorithm, "invalid"),
    (_number_as_text, "invalid"),
], ids=["no-javascript", "not-base64", "not-an-object", "oversized", "forged-signature", "own-challenge",
        "modified-number", "modified-expiry", "spliced-digits", "other-algorithm", "number-as-text"])
def test_a_bad_solution_is_refused_in_chinese_and_registers_nothing(client, orgs, make, reason):
    token, challenge = page(client)
    before = counts()
    response = post(client, token, make(challenge))
    assert check_errors(response) == [MESSAGES[reason]]
    assert counts() == before
    assert response.context["form"]["altcha"].value() == ""
    assert response.context["challenge"]["challenge"] != challenge["challenge"]  # a new one to solve
    # The other fields keep what was typed.
    assert response.context["form"]["content"].value() == form_post(token)["content"]


def test_an_expired_solution_is_refused(client, orgs):
    token, _challenge = page(client)
    stale = challenge_issue(now=time.time() - settings.PORTAL_POW_TTL_SECONDS - 5)
    before = counts()
    response = post(client, token, solved(stale))
    assert check_errors(response) == [MESSAGES["expired"]]
    assert counts() == before


def test_the_page_explains_that_the_check_needs_javascript(client, orgs):
    html = client.get(reverse("portal:submit")).content.decode()
    noscript = html[html.index("<noscript>"):html.index("</noscript>")]
    assert "未启用 JavaScript，无法完成人机校验" in noscript
    assert 'id="pow-challenge" type="application/json"' in html and "js/portal_pow_worker.js" in html
    assert "<script>" not in html  # the challenge is data, not inline script (CSP)


def test_a_correct_solution_passes(client, orgs):
    token, challenge = page(client)
    response = post(client, token, solved(challenge))
    assert response.status_code == 302 and response.url == reverse("portal:receipt")
    assert Case.objects.count() == 1
    assert PortalChallengeUse.objects.filter(challenge=challenge["challenge"]).exists()


def test_a_fresh_challenge_from_the_challenge_url_passes(client, orgs):
    """The page fetches a new challenge when its own expired while the visitor was writing."""
    response = client.get(reverse("portal:challenge"))
    assert response["Content-Type"] == "application/json" and "no-store" in response["Cache-Control"]
    token = open_form(client)
    assert post(client, token, solved(response.json())).status_code == 302


# --- the attacks --------------------------------------------------------------------------------

def test_attack_template_matcher_finds_no_answer_to_read(client, orgs):
    """The image captcha was read by a template matcher every time. Now nothing the server sends
    holds the answer: there is no image, the session keeps nothing of the check, and a post made
    of what the page says (the challenge echoed with a number chosen without the hash search) is
    refused."""
    assert client.get("/portal/captcha.png").status_code == 404
    response = client.get(reverse("portal:submit"))
    html = response.content.decode()
    assert "<img" not in html and "captcha.png" not in html
    assert set(client.session.keys()) <= {"portal_submit_tokens"}
    token, challenge = response.context["form"]["submit_token"].value(), response.context["challenge"]
    answer = challenge_solve(challenge)
    guess = 0 if answer != 0 else 1
    refused = post(client, token, solution_payload(challenge, guess))
    assert check_errors(refused) == [MESSAGES["invalid"]] and not Case.objects.exists()


def test_attack_reload_draws_the_same_answer(client, orgs):
    """Reloading the image drew the same answer again. Every page (and every fetch of the
    challenge URL) now carries a new salt and a new secret number."""
    challenges = [page(client)[1] for _i in range(10)]
    challenges += [client.get(reverse("portal:challenge")).json() for _i in range(10)]
    assert len({c["salt"] for c in challenges}) == len({c["challenge"] for c in challenges}) == 20
    assert len({challenge_solve(c) for c in challenges}) > 1


def test_attack_one_solution_for_many_posts(client, orgs):
    """A solution is accepted once: not again in the same session after a refused post, nor from
    another session (another gunicorn worker sees the same database rows)."""
    token, challenge = page(client)
    payload = solved(challenge)
    first = client.post(reverse("portal:submit"), form_post(token, altcha=payload, content=""))
    assert "content" in first.context["form"].errors and "altcha" not in first.context["form"].errors
    again = post(client, token, payload)
    assert check_errors(again) == [MESSAGES["replayed"]]
    other = Client()
    other_token, _challenge = page(other)
    assert check_errors(post(other, other_token, payload)) == [MESSAGES["replayed"]]
    assert not Case.objects.exists()


def test_attack_solution_replayed_after_success(client, orgs):
    token, challenge = page(client)
    payload = solved(challenge)
    assert post(client, token, payload).status_code == 302
    other = Client()
    other_token, _challenge = page(other)
    assert check_errors(post(other, other_token, payload)) == [MESSAGES["replayed"]]
    assert Case.objects.count() == 1


@override_settings(PORTAL_SUBMIT_LIMIT=2)
def test_solving_the_check_does_not_lift_the_address_limit(client, orgs):
    for _i in range(2):
        assert submit(client).status_code == 302
    before = counts()
    response = submit(client)  # a correct solution, but the address has had its two
    text = " ".join(str(e) for e in response.context["form"].non_field_errors())
    assert "同一网络地址提交过于频繁" in text and counts() == before


PROXY = "10.20.0.5"


@override_settings(PORTAL_SUBMIT_LIMIT=2, TRUSTED_PROXIES=[PROXY])
def test_attack_one_visitor_behind_the_proxy_exhausts_everyones_limit(client, orgs):
    """Behind the reverse proxy every request came from the proxy's address, so one visitor's
    posts used up the limit of all. With the proxy trusted, each visitor has a limit of his own,
    and a forged X-Forwarded-For neither escapes it nor spends someone else's."""
    via = {"REMOTE_ADDR": PROXY}

    def send(forwarded, c=client):
        token, challenge = page(c)
        return c.post(reverse("portal:submit"), form_post(token, altcha=solved(challenge)),
                      HTTP_X_FORWARDED_FOR=forwarded, **via)

    assert send("198.51.100.1").status_code == 302
    assert send("198.51.100.1").status_code == 302
    blocked = send("6.6.6.6, 198.51.100.1")  # the forged left entry does not make a new visitor
    assert blocked.status_code == 200 and "同一网络地址提交过于频繁" in " ".join(
        str(e) for e in blocked.context["form"].non_field_errors())
    assert send("198.51.100.2").status_code == 302  # another visitor behind the same proxy
    assert set(PortalAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1", "198.51.100.2"}
    # A client that reaches the application directly cannot pick its address with the header.
    direct = Client()
    for _i in range(2):
        token, challenge = page(direct)
        assert direct.post(reverse("portal:submit"), form_post(token, altcha=solved(challenge)),
                           HTTP_X_FORWARDED_FOR="198.51.100.9", REMOTE_ADDR="203.0.113.50").status_code == 302
    assert PortalAttempt.objects.filter(ip_address="203.0.113.50").count() == 2
    assert not PortalAttempt.objects.filter(ip_address="198.51.100.9").exists()
