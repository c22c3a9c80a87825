"""The one parser for values read from requests: dates, times, moments and whole numbers.

Query parameters and hidden fields are typed by anyone, so every reader here answers ``None``
for anything it cannot read, and views fall back to a default or show a message: never a 500.
One set of bounds applies everywhere (``EARLIEST``..``LATEST``): a date near Python's limits
(year 1, year 9999) overflows as soon as the code adds a week to it or converts it to another
zone, and no visit, birthday or calendar page lies out there. Form fields use the same bounds
through ``booking.forms.DateField``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

EARLIEST = date(1900, 1, 1)  # before the oldest living patient was born
LATEST = date(2199, 12, 31)  # far past any booking horizon, far from date.max
MAX_LENGTH = 40  # an ISO 8601 moment with microseconds and an offset is 32 characters
MAX_INT = 2**31 - 1  # the largest primary key an ``AutoField`` can hold


def in_bounds(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def parse_date(raw: str | None) -> date | None:
    """A local date written ``YYYY-MM-DD`` (surrounding spaces ignored), within the bounds."""
    text = (raw or "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_bounds(day) else None


def parse_time(raw: str | None) -> time | None:
    """A wall-clock time ``HH:MM`` or ``HH:MM:SS`` (no zone: the caller knows whose wall)."""
    text = (raw or "").strip()
    if not 5 <= len(text) <= 8:
        return None
    try:
        value = time.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is None else None


def parse_start(raw: str | None) -> datetime | None:
    """A moment in ISO 8601 with its offset (``Z`` or ``+00:00``), returned in UTC.

    A moment without an offset is refused: it would be read in the server's zone, not the clinic's.
    """
    if not raw or len(raw) > MAX_LENGTH:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None or not in_bounds(value.date()):
        return None
    return value.astimezone(UTC)


def parse_local(date_raw: str | None, time_raw: str | None, *, tz: tzinfo) -> datetime | None:
    """A local date and a wall-clock time in ``tz`` (two form fields), returned in UTC."""
    day, at = parse_date(date_raw), parse_time(time_raw)
    if day is None or at is None:
        return None
    return local_moment(day, at, tz=tz)


def local_moment(day: date, at: time, *, tz: tzinfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on local date ``day`` in ``tz``."""
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def parse_int(raw: str | None, *, maximum: int = MAX_INT) -> int | None:
    """A non-negative whole number written in ASCII digits, at most ``maximum`` (a primary key)."""
    text = (raw or "").strip()
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
