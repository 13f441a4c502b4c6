"""The client address behind reverse proxies (accounts.audit.client_ip, settings.TRUSTED_PROXIES).

X-Forwarded-For is believed only from a trusted proxy, and then read from the right: each trusted
proxy appended the address it got the request from, so the right-most address that is not a
trusted proxy is the client, and whatever a client wrote into the header itself is never reached.
"""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from accounts.audit import client_ip
from config.settings.base import _trusted_proxies

PROXY = "10.20.0.5"
EDGE = "10.20.1.7"  # a second proxy layer (e.g. a load balancer in front of nginx)


def ip_of(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored():
    assert ip_of("203.0.113.9") == "203.0.113.9"
    assert ip_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert client_ip(None) is None


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_attack_spoofed_header_from_an_untrusted_client_is_ignored():
    """A client that talks to the application directly cannot choose its address (and so slip
    out of the per-address limits or blame another address in the audit log)."""
    assert ip_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert ip_of("203.0.113.9", f"198.51.100.1, {PROXY}") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_through_a_trusted_proxy_the_forwarded_client_counts():
    assert ip_of(PROXY, "198.51.100.23") == "198.51.100.23"
    assert ip_of(PROXY, " 198.51.100.23 ") == "198.51.100.23"
    assert ip_of(PROXY) == PROXY  # a request of the proxy itself (health check)
    assert ip_of(PROXY, "") == PROXY


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_attack_spoofed_header_behind_the_proxy_takes_the_right_most_address():
    """The client sends its own X-Forwarded-For; the proxy appends the real peer address to it.
    The forged entries stand to the left and are passed over."""
    assert ip_of(PROXY, "1.1.1.1, 198.51.100.23") == "198.51.100.23"
    assert ip_of(PROXY, f"1.1.1.1, {PROXY}, 198.51.100.23") == "198.51.100.23"
    assert ip_of(PROXY, "not-an-address, 198.51.100.23") == "198.51.100.23"


@override_settings(TRUSTED_PROXIES=["10.20.0.0/16"])
def test_chains_of_trusted_proxies_and_networks():
    assert ip_of(PROXY, f"1.1.1.1, 198.51.100.23, {EDGE}") == "198.51.100.23"
    assert ip_of(PROXY, f"{EDGE}") == EDGE  # every hop trusted: the first one
    assert ip_of("10.21.0.1", "198.51.100.23") == "10.21.0.1"  # outside the network: not a proxy of ours


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_an_entry_that_is_no_address_stops_at_the_proxy():
    assert ip_of(PROXY, "198.51.100.23, unknown") == PROXY
    assert ip_of(PROXY, "198.51.100.23:4711") == PROXY


@override_settings(TRUSTED_PROXIES=["::1", "127.0.0.1"])
def test_ipv6_and_mapped_addresses():
    assert ip_of("::1", "2001:db8::7") == "2001:db8::7"
    assert ip_of("::ffff:127.0.0.1", "198.51.100.23") == "198.51.100.23"
    assert ip_of("127.0.0.1", "::ffff:127.0.0.1, 2001:db8::7") == "2001:db8::7"


def test_the_setting_is_read_and_checked():
    assert _trusted_proxies("") == []
    assert _trusted_proxies("127.0.0.1, 10.20.0.0/24  ::1") == ["127.0.0.1", "10.20.0.0/24", "::1"]
    with pytest.raises(ImproperlyConfigured, match="nginx"):
        _trusted_proxies("127.0.0.1, nginx")


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_audit_rows_name_the_forwarded_client(client, clerk):
    from accounts.models import AuditLog

    client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}, REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.23")
    assert AuditLog.objects.filter(action="login.failed").get().ip_address == "198.51.100.23"
