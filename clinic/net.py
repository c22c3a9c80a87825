"""The visitor's network address, for rate limits and sign-in throttling (never logged)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or behind ``CLINIC_TRUSTED_PROXIES`` = n proxies the n-th address from the right
    of ``X-Forwarded-For``: each proxy appends the address it saw, so the entries to its left are
    whatever the visitor sent and are never trusted. A malformed entry falls back to ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.CLINIC_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(chain) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(chain[-proxies]))
    except ValueError:
        return remote
