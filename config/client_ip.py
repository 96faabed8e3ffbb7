"""The client's address, as far as this server can know it.

Without a proxy it is the socket's peer (``REMOTE_ADDR``). Behind ``TRUSTED_PROXY_COUNT``
proxies, each of which appends the address it received the request from to
``X-Forwarded-For``, the client is the Nth address from the right: the one the outermost trusted
proxy saw. Everything further left was sent by the client and is never believed.
"""

import ipaddress

from django.conf import settings


def _valid(address):
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The client's IP address as a string, or ``None`` when the request carries none."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return _valid(remote) if remote else None
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return _valid(remote) if remote else None
    # Fewer entries than proxies: the request skipped the outer proxies, so every entry was
    # still written by one of ours and the leftmost is the furthest address known.
    return _valid(forwarded[-min(proxies, len(forwarded))]) or (_valid(remote) if remote else None)
