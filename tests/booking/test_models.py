"""Model and QuerySet rules: manage tokens, range lookups and their indexes, on real Postgres."""

from datetime import timedelta

import pytest
from django.db import connection

from booking.models import Appointment
from tests.factories import book, local, make_practitioner

pytestmark = pytest.mark.django_db


def test_the_manage_token_is_long_and_only_its_hash_is_stored():
    appointment, token = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    assert token not in appointment.manage_token_hash and len(appointment.manage_token_hash) == 64
    assert Appointment.objects.for_manage_token(token) == appointment
    assert Appointment.objects.for_manage_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_range_lookups_include_any_overlap_and_exclude_mere_touching():
    """visiting(): the visit itself; overlapping(): the visit plus its buffer. Both half-open."""
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)  # 9:00-9:45, held to 10:00
    visit_end, held_until = local(2026, 12, 1, 9, 45), local(2026, 12, 1, 10)
    qs = Appointment.objects.all()
    hour = timedelta(hours=1)
    assert list(qs.visiting(local(2026, 12, 1, 9, 30), local(2026, 12, 1, 9, 31))) == [appointment]
    assert list(qs.visiting(visit_end - hour, local(2026, 12, 1, 9))) == []  # ends as it starts
    assert list(qs.visiting(visit_end, visit_end + hour)) == []  # starts as it ends
    assert list(qs.overlapping(visit_end, visit_end + hour)) == [appointment]  # the buffer is held
    assert list(qs.overlapping(held_until, held_until + hour)) == []
    assert list(qs.overlapping(local(2026, 12, 1, 8), local(2026, 12, 2, 8))) == [appointment]


def test_range_lookups_use_their_gist_indexes():
    """With sequential scans off, the planner must find an index for each lookup's expression.

    Unordered: on a near-empty table the planner may otherwise walk the ``start`` b-tree for the
    default ordering (and filter) instead, which says nothing about whether the GiST index is usable.
    """
    make_practitioner()
    first, last = local(2026, 12, 1, 0), local(2026, 12, 2, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        visiting = Appointment.objects.visiting(first, last).order_by().explain()
        overlapping = Appointment.objects.overlapping(first, last).order_by().explain()
    assert "appointment_visit_gist" in visiting
    assert "appointment_blocked_gist" in overlapping


@pytest.mark.django_db
def test_time_off_is_named_by_the_clinics_clock_not_utc():
    from booking.models import TimeOff
    from tests.factories import local, make_practitioner

    maya = make_practitioner("Maya Chen")
    morning = TimeOff(practitioner=maya, start=local(2026, 12, 4, 9), end=local(2026, 12, 4, 12))
    evening = TimeOff(practitioner=maya, start=local(2026, 12, 4, 18), end=local(2026, 12, 4, 20))
    assert str(morning) == "Maya Chen off from 2026-12-04 9:00 a.m. BC time"
    assert str(evening).startswith("Maya Chen off from 2026-12-04 6:00 p.m.")  # 01:00 UTC the next day
