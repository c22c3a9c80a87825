"""The visitor's network address, for rate limits and sign-in throttling (never logged)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(entry: str) -> Address | None:
    """An address from a header entry or REMOTE_ADDR; some proxies add a port ("203.0.113.9:5123",
    "[2001:db8::1]:443")."""
    entry = entry.strip()
    if entry.startswith("["):
        entry = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _is_trusted_proxy(address: Address | None) -> bool:
    return address is not None and any(address in net for net in _networks(settings.CLINIC_TRUSTED_PROXY_NETWORKS))


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or behind ``CLINIC_TRUSTED_PROXIES`` = n proxies the n-th address from the right
    of ``X-Forwarded-For``: each proxy appends the address it saw, so the entries to its left are
    whatever the visitor sent and are never trusted. The header is read only when the connection comes
    from a proxy's network (``CLINIC_TRUSTED_PROXY_NETWORKS``): someone reaching gunicorn directly
    can't choose their address. Anything unreadable falls back to ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.CLINIC_TRUSTED_PROXIES
    if proxies <= 0 or not _is_trusted_proxy(_parse(remote)):
        return remote
    chain = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(chain) < proxies:
        return remote
    address = _parse(chain[-proxies])
    return str(address) if address is not None else remote


def rate_limit_key(request) -> str:
    """What a per-visitor limit counts: the address, or for IPv6 its /64 network (one household or
    phone is usually given a whole /64, so single IPv6 addresses are free to vary)."""
    address = _parse(client_ip(request))
    if address is None:
        return request.META.get("REMOTE_ADDR", "")
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
