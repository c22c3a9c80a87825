from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils import dateformat, timezone

register = template.Library()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


@register.filter
def zone_label(value: datetime) -> str:
    """'BC time (UTC−7)': the clinic's name for its zone plus the real offset on that date."""
    offset = _local(value).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "−" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{settings.CLINIC_TIME_ZONE_LABEL} (UTC{sign}{hours}{f':{mins:02d}' if mins else ''})"


@register.filter
def local_when(value: datetime) -> str:
    """'Tuesday 15 December 2026 at 10:00 a.m.' in the clinic's zone."""
    return dateformat.format(_local(value), r"l j F Y \a\t g:i A").replace("AM", "a.m.").replace("PM", "p.m.")


@register.filter
def local_time(value: datetime) -> str:
    return dateformat.format(_local(value), "g:i A").replace("AM", "a.m.").replace("PM", "p.m.")


@register.filter
def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
