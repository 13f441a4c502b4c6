"""The client address of a request, as the audit log, the login lockout and the portal's limits count
it. Apart from ``accounts.audit`` (which re-exports it) because it reads no model: the internet-side
portal deployment, which installs no staff app (docs/architecture.md §7), counts addresses with it too.
"""


def client_ip(request):
    """The client's address, as the audit log, the login lockout and the portal's limits count it.

    REMOTE_ADDR, unless that is one of ``settings.TRUSTED_PROXIES`` (addresses or networks: the
    reverse proxies in front of the application, env DJANGO_TRUSTED_PROXIES). Then X-Forwarded-For
    is read from the right, where each trusted proxy appended the address it got the request from,
    passing over the trusted proxies' own addresses: the first address that is not one is the
    client. Whatever a client wrote into the header itself stands to the left of that and is never
    reached, and the header of a request that did not come from a trusted proxy is ignored. An
    entry that is not an address (no proxy of ours writes one) ends the walk at the last trusted hop.
    """
    import ipaddress

    from django.conf import settings

    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXIES", None)
    if not remote or not proxies:
        return remote
    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]

    def parse(text):
        try:
            address = ipaddress.ip_address(text.strip())
        except ValueError:
            return None
        return getattr(address, "ipv4_mapped", None) or address  # ::ffff:a.b.c.d is a.b.c.d

    def trusted(address):
        return any(address in network for network in networks)

    address = parse(remote)
    if address is None or not trusted(address):
        return remote
    client = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse(entry)
        if address is None:
            break
        client = str(address)
        if not trusted(address):
            break
    return client
