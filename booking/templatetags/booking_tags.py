from datetime import UTC, datetime, time

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import parsing
from ..billing.models import FeePolicy
from ..courses.places import patient_place

register = template.Library()


# The site is written in English only: plain names, not Django's translated date formats (which cost a
# translation lookup per letter, and a schedule page writes some hundred times).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def _clock(value: datetime | time) -> str:
    """'9:00 a.m.', '12:30 p.m.'."""
    return f"{value.hour % 12 or 12}:{value.minute:02d} {'a.m.' if value.hour < 12 else 'p.m.'}"


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
    local = _local(value)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} at {_clock(local)}"


@register.filter
def local_time(value: datetime) -> str:
    return _clock(_local(value))


@register.filter
def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter
def isolate(value) -> str:
    """Text wrapped in Unicode first-strong isolates (U+2068 … U+2069): the plain-text twin of
    ``<bdi>``, so a name in Arabic or Hebrew script cannot reorder the words around it."""
    return f"\u2068{value}\u2069"


@register.filter
def clock(value: time) -> str:
    """'9:00 a.m.', '12:30 p.m.': a wall-clock time (weekly hours) written as local_time writes moments."""
    return _clock(value)


@register.filter
def clock_span(start: time, end: time) -> str:
    """'8:00 a.m.–12:00 p.m.', '1:00–5:00 p.m.': the period written once when both ends share it."""
    if (start.hour < 12) == (end.hour < 12):
        return f"{clock(start).rsplit(' ', 1)[0]}–{clock(end)}"
    return f"{clock(start)}–{clock(end)}"


@register.filter
def stored_when(value: str) -> str:
    """A moment the history stores as ISO text in UTC, as local_when writes it ('' if unreadable)."""
    moment = parsing.parse_start(value) if isinstance(value, str) else None
    return local_when(moment) if moment is not None else ""


@register.simple_tag
def fee_policy_text() -> str:
    """The late-cancel and missed-visit fee in plain words ('' while the clinic charges none)."""
    return FeePolicy.load().patient_text


@register.simple_tag
def course_place(appointment) -> dict | None:
    """The visit's place in the patient's IMS course ("visit 2 of 6") and their progress in words."""
    return patient_place(appointment)


@register.simple_tag
def visit_flags(appointment, *, payer_said: bool = False, screening_said: bool = False):
    """The list of flags for one appointment on the staff pages: its payer (unless the page shows it,
    ``payer_said``), safety screening not asked yet (unless the page says so itself, ``screening_said``),
    each contraindication and precaution answered yes, and the booking flags. Built here rather than in
    a template: the day sheet shows it on every row (an include cost it ~5 ms a sheet). The insurer's name
    is what the patient typed: isolated."""
    insurance = getattr(appointment, "insurance", None)
    screening = getattr(appointment, "screening", None)
    items = []
    if insurance is not None and not payer_said:
        items.append(("info", format_html("<bdi>{}</bdi>", insurance.summary)))
    if screening is not None and not screening.asked and not screening_said:
        items.append(("stop", mark_safe("<strong>Safety screening not asked yet:</strong> ask before needling")))
    if screening is not None:
        items += [("stop", format_html('<span class="visually-hidden">Contraindication: </span><strong>Do not '
                                       "needle until discussed:</strong> {}", label))
                  for label in screening.contraindications]
        items += [("warn", format_html('<span class="visually-hidden">Precaution: </span>{}', label))
                  for label in screening.precautions]
    if appointment.spacing_flag:
        items.append(("warn", "Another IMS visit within 7 days"))
    if appointment.no_prior_assessment_flag:
        items.append(("warn", "Follow-up with no assessment on record"))
    if appointment.outside_hours:
        items.append(("info", "Booked outside working hours"))
    return format_html('<ul class="flag-list">{}</ul>',
                       format_html_join("", '<li class="flag flag--{}">{}</li>', items))
