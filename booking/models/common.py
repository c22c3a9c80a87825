"""Building blocks the booking models share: range expressions, the PHN validator, token hashes."""

from __future__ import annotations

import hashlib

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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def violated_constraint(error: Exception) -> str | None:
    """The name of the constraint an ``IntegrityError`` reports (PostgreSQL's diagnostics), or None."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
