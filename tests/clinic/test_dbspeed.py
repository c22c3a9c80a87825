"""clinic/dbspeed.py: timestamps read by psycopg's C loader come back exact and in UTC; queries that need
plans made for their values get them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.core.signals import got_request_exception
from django.db import DatabaseError, connection, transaction
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


def test_inside_an_outer_transaction_the_setting_is_put_back_after_the_block():
    with transaction.atomic():
        with dbspeed.planned_for_their_values():
            assert plan_cache_mode() == "force_custom_plan"
        assert plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_a_connection_whose_prepared_plans_a_migration_made_stale_is_replaced_after_one_failure():
    """``ALTER COLUMN ... TYPE`` (a migration changing max_length, say) makes statements prepared on open
    connections fail on every try; the request that meets it closes its connection, the next one works."""
    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT x FROM zz_plan_probe WHERE x = %s", ["a"])
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE zz_plan_probe (x varchar(10))")
        cursor.execute("INSERT INTO zz_plan_probe VALUES ('a')")
    try:
        for _ in range(3):
            assert read() == [("a",)]  # prepared from the third run
        settings = connection.settings_dict
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                             dbname=settings["NAME"], autocommit=True) as other:
            other.execute("ALTER TABLE zz_plan_probe ALTER COLUMN x TYPE varchar(20)")
        try:
            read()
        except DatabaseError:
            got_request_exception.send(sender=None, request=None)  # as Django's handler does, in the except
        else:
            pytest.fail("the stale prepared statement still ran: the test no longer shows the problem")
        assert connection.connection is None
        assert read() == [("a",)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE zz_plan_probe")
