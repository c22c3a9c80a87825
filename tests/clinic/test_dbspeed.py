"""clinic/dbspeed.py: timestamps read by psycopg's C loader come back exact and in UTC; queries that need
plans made for their values get them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from psycopg.postgres import types
from psycopg.pq import Format

from clinic import dbspeed

pytestmark = pytest.mark.django_db


def test_each_connection_reads_timestamps_with_the_fast_loader():
    connection.ensure_connection()
    assert dbspeed.LOADER is not None  # psycopg[binary] is what we ship
    assert connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT) is dbspeed.LOADER


@pytest.mark.parametrize("moment", [
    datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=ZoneInfo("America/Vancouver")),
    datetime(2026, 11, 1, 10, 30, tzinfo=ZoneInfo("America/Vancouver")),
    datetime(1, 1, 1, 0, 0, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
])
def test_a_timestamp_comes_back_the_same_instant_in_utc(moment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [moment])
        value = cursor.fetchone()[0]
    assert value == moment and value.tzinfo is UTC


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_inside_the_block_each_query_is_planned_for_its_values_and_after_it_as_before():
    assert plan_cache_mode() == "auto"
    with dbspeed.planned_for_their_values():
        assert plan_cache_mode() == "force_custom_plan"
    assert plan_cache_mode() == "auto"


def test_the_reports_are_read_with_plans_made_for_their_period(monkeypatch):
    """A prepared statement's generic plan read the IMS visits per course twice as slowly."""
    from booking.reports import metrics, report

    seen = []
    monkeypatch.setattr(metrics, "ims_visits_per_course", lambda period: seen.append(plan_cache_mode()) or [])
    monkeypatch.setattr(metrics, "payments_by_method", lambda period: seen.append(plan_cache_mode()) or [])
    report.build(metrics.Period(datetime(2026, 9, 7).date(), datetime(2026, 11, 29).date()), money=True)
    assert seen == ["force_custom_plan", "force_custom_plan"]
