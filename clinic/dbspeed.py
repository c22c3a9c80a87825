"""Reading timestamps from PostgreSQL at C speed.

Django (5.2) reads every ``timestamptz`` through its own loader, a subclass of psycopg's *Python*
loader, only to set the tzinfo to UTC: with ``psycopg[binary]`` that costs about 12 µs a value instead
of well under one, and a week of free times reads ~600 of them (7 ms of a 30 ms page). The connection's
time zone is UTC (Django sets it with ``USE_TZ``), so psycopg's C loader already returns UTC-aware
datetimes. This registers the C loader on each new connection, with the ``timezone`` attribute Django
checks before it would put its own back (``DatabaseWrapper.create_cursor``).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import UTC

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connection, transaction
from django.db.backends.signals import connection_created

try:
    from psycopg import adapters
    from psycopg.adapt import Loader
    from psycopg.postgres import types
    from psycopg.pq import Format
except ImportError:  # psycopg 2: nothing to do
    adapters = None


def _loader_class():
    if adapters is None:
        return None
    fast = adapters.get_loader(types["timestamptz"].oid, Format.TEXT)  # the C loader with [binary]
    if fast.__module__.startswith("psycopg."):
        return None  # the pure-Python build: Django's loader is no slower

    class UtcTimestamptzLoader(Loader):
        """Delegates to the C loader (which cannot be subclassed); ``timezone`` is what Django checks."""

        timezone = UTC

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._fast = fast(oid, context).load

        def load(self, data):
            return self._fast(data)

    return UtcTimestamptzLoader


LOADER = _loader_class()


def use_c_timestamps(sender, connection, **kwargs) -> None:
    if LOADER is None or connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    if connection.timezone_name != "UTC":
        return  # the C loader would answer in the connection's zone
    connection.connection.adapters.register_loader("timestamptz", LOADER)


@contextmanager
def planned_for_their_values():
    """For queries whose best plan depends on the values they are given (a period of weeks, a set of ids):
    inside this block PostgreSQL plans each for its values, even once the statement is prepared
    (``plan_cache_mode``). A prepared statement's generic plan, made without the values, read the reports'
    IMS visits per course in 13 ms instead of 6. In a request the block is its own transaction and the
    setting ends with it; inside an outer transaction (a test, a caller's atomic block) it is put back."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('plan_cache_mode'), "
                           "set_config('plan_cache_mode', 'force_custom_plan', true)")
            before = cursor.fetchone()[0]
        yield
        if nested:  # releasing a savepoint keeps what was set in it
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [before])


STALE_PLAN = "cached plan must not change result type"


def forget_stale_plans(sender, request=None, **kwargs) -> None:
    """A migration that changes a column's type makes every statement prepared on an open connection fail
    (PostgreSQL: "cached plan must not change result type"), on every try, while ``SELECT 1`` still passes
    Django's health check. A request that meets it closes its connection, so the next one gets a fresh one:
    one failed request per connection instead of a minute of them. (Restart the servers after ``migrate``.)"""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError) and STALE_PLAN in str(error):
        connection.close()


def connect() -> None:
    connection_created.connect(use_c_timestamps, dispatch_uid="clinic-c-timestamps")
    got_request_exception.connect(forget_stale_plans, dispatch_uid="clinic-forget-stale-plans")
