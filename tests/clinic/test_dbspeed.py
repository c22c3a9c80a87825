"""Timestamps are read by psycopg's C loader (clinic/dbspeed.py) and still come back exact and in UTC."""

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
