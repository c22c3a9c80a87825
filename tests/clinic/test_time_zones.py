"""BC's clock: permanent UTC-7 since March 2026, read from the tzdata package."""

import re
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_tzdata_package_is_new_enough():
    year, release = (int(part) for part in version("tzdata").split(".")[:2])
    assert (year, release) >= (2026, 2)


def test_vancouver_after_november_2026_is_utc_minus_7():
    local = datetime(2026, 12, 15, 10, 0, tzinfo=ZoneInfo("America/Vancouver"))
    assert local.astimezone(UTC) == datetime(2026, 12, 15, 17, 0, tzinfo=UTC)


def test_zone_rules_do_not_come_from_the_system_files():
    import zoneinfo

    assert zoneinfo.TZPATH == ()


def test_clinic_zone_defaults_to_vancouver():
    assert settings.TIME_ZONE == "America/Vancouver"
    assert settings.USE_TZ is True


FORBIDDEN_SQL_TZ = re.compile(
    r"__(date|time|hour|minute|week_day|iso_week_day|week|month|day|year|quarter)\b"
    r"|\bTrunc(Date|Day|Hour|Minute|Week|Month|Quarter|Year|Time)?\("
    r"|\bExtract\w*\("
    r"|AT TIME ZONE",
    re.IGNORECASE,
)


def test_no_query_converts_time_zones_in_sql():
    """Postgres's own zone rules are stale, so local-day maths happens in Python (see clinic/__init__.py)."""
    offenders = []
    for folder in ("clinic", "education", "booking"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "clinic" / "__init__.py":  # the rule's own text
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if FORBIDDEN_SQL_TZ.search(line) and "tz-ok" not in line:  # an exemption says why
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_c_library_local_time_uses_the_same_rules():
    """time.localtime (log timestamps, runserver) must agree: 15 Dec 2026 17:00 UTC is 10:00 in BC."""
    import os
    import time

    assert os.environ["TZ"] == "America/Vancouver"  # Django sets it from TIME_ZONE
    stamp = datetime(2026, 12, 15, 17, 0, tzinfo=UTC).timestamp()
    assert time.localtime(stamp).tm_hour == 10
