"""Deployment checks of our own, run by `manage.py check --deploy` next to Django's."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import split_domain_port, validate_host

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Emails link to SITE_URL: manage links must reach the patient over HTTPS, at this site."""
    url = urlsplit(settings.SITE_URL)
    host, _ = split_domain_port(url.netloc.rsplit("@", 1)[-1])  # as in a Host header: "[::1]", no port
    if url.scheme != "https" or not host or host in LOCAL_HOSTS or not validate_host(host, settings.ALLOWED_HOSTS):
        return [Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the links in patients' emails would not reach this site safely.",
            hint="Set SITE_URL to the site's public https:// address, whose host is in DJANGO_ALLOWED_HOSTS.",
            id="clinic.W001",
        )]
    return []


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs):
    """Behind a proxy, REMOTE_ADDR is the proxy's: every patient would share one booking rate limit."""
    if settings.CLINIC_TRUSTED_PROXIES <= 0:
        return [Warning(
            "CLINIC_TRUSTED_PROXIES is 0: behind a proxy or load balancer, every patient would share one "
            "booking rate limit and one sign-in throttle.",
            hint="Set CLINIC_TRUSTED_PROXIES to the number of proxies in front of gunicorn (usually 1). If "
                 "gunicorn faces the internet itself, add 'clinic.W002' to SILENCED_SYSTEM_CHECKS.",
            id="clinic.W002",
        )]
    return []
