"""Building blocks the booking models share: range expressions, the PHN validator, token hashes, the
clock their titles are written in."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import BigIntegerRangeField, DateTimeRangeField
from django.core.validators import RegexValidator
from django.db.models import Func


class Int8Range(Func):
    function = "INT8RANGE"
    output_field = BigIntegerRangeField()


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


phn_validator = RegexValidator(r"^\d{10}$", "A BC Personal Health Number is 10 digits.")


def wall_clock(moment: datetime) -> str:
    """A stored instant as a title reads it (the admin's lists and headings): the clinic's date and clock,
    labelled, e.g. "2026-12-04 9:00 a.m. BC time"."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    clock = f"{local.hour % 12 or 12}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"
    return f"{local:%Y-%m-%d} {clock} {settings.CLINIC_TIME_ZONE_LABEL}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def violated_constraint(error: Exception) -> str | None:
    """The name of the constraint an ``IntegrityError`` reports (PostgreSQL's diagnostics), or None."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
