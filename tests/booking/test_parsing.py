"""The one request-value parser (booking/parsing.py) and its bounds, alone and through the front door.

Before there was one parser, a date at the edge of Python's range got past some readers and overflowed
later (a week added to 9999-12-28, a zone offset on year 1): those URLs answered 500.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from booking import parsing
from booking.models import Appointment, ClinicClosure, TimeOff
from tests.factories import NOW, book, details_data, local, make_practitioner

VANCOUVER = ZoneInfo("America/Vancouver")
EDGES = ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-28", "9999-12-31"]


@pytest.mark.parametrize("raw, expected", [
    ("2026-12-01", date(2026, 12, 1)), (" 2026-12-01 ", date(2026, 12, 1)),
    ("1900-01-01", date(1900, 1, 1)), ("2199-12-31", date(2199, 12, 31)),
    (None, None), ("", None), ("20261201", None), ("2026-12-01T09:00", None), ("2026-02-30", None),
    ("２０２６-１２-０１", None), *[(edge, None) for edge in EDGES],
])
def test_parse_date_reads_iso_days_within_the_bounds(raw, expected):
    assert parsing.parse_date(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("2026-12-01T16:00:00Z", datetime(2026, 12, 1, 16, tzinfo=UTC)),
    ("2026-12-01T09:00:00-07:00", datetime(2026, 12, 1, 16, tzinfo=UTC)),
    ("2026-12-01T09:00:00", None),  # no offset: whose clock?
    ("0001-01-01T00:00:00+14:00", None), ("9999-12-31T23:59:59-12:00", None),
    ("x" * 41, None), ("", None), (None, None), ("garbage", None),
])
def test_parse_start_needs_an_offset_and_stays_within_the_bounds(raw, expected):
    assert parsing.parse_start(raw) == expected


def test_parse_local_reads_a_wall_clock_time_in_the_given_zone():
    assert parsing.parse_local("2026-12-01", "09:30", tz=VANCOUVER) == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert parsing.parse_local("2026-12-01", "25:00", tz=VANCOUVER) is None
    assert parsing.parse_local("9999-12-31", "23:00", tz=VANCOUVER) is None
    assert parsing.parse_time("09:30:15") == time(9, 30, 15) and parsing.parse_time("09:30+01:00") is None


@pytest.mark.parametrize("raw, expected", [
    ("42", 42), (" 7 ", 7), ("0", 0), (str(2**31 - 1), 2**31 - 1),
    (str(2**31), None), ("-1", None), ("1e3", None), ("٣", None), ("", None), (None, None), ("9" * 50, None),
])
def test_parse_int_reads_plain_ascii_digits_up_to_a_primary_key(raw, expected):
    assert parsing.parse_int(raw) == expected


# --- through the front door ---------------------------------------------------------------------------
@pytest.fixture
def desk(client, db):
    user = User.objects.create_user(username="desk", password="not-used-here")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        yield client


@pytest.mark.parametrize("edge", EDGES)
def test_staff_pages_answer_edge_dates_without_a_server_error(desk, edge):
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 2, 9), practitioner=practitioner)
    reschedule = f"/staff/appointments/{appointment.reference}/reschedule/"
    assert desk.get(reschedule, {"from": edge}).status_code == 200
    moved = desk.post(reschedule, {"date": edge, "time": "09:00"})
    assert moved.status_code == 400
    assert "Choose one of the free times, or enter a date and time." in moved.content.decode()
    assert desk.get("/staff/day/", {"date": edge}).status_code == 200
    assert desk.get("/staff/week/", {"date": edge}).status_code == 200
    assert desk.get("/staff/appointments/new/", {"day": edge, "practitioner": practitioner.pk}).status_code == 200
    export = desk.get("/staff/export/", {"first_day": "2026-12-01", "last_day": edge})
    assert export.status_code == 400 and "Please check the year" in export.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 2, 9)


@pytest.mark.parametrize("edge", ["0001-01-01", "9999-12-31"])
def test_staff_forms_refuse_edge_dates_with_a_message_and_store_nothing(desk, edge):
    practitioner = make_practitioner()
    off = desk.post("/staff/schedules/time-off/", {"off-practitioner": practitioner.pk, "off-start_date": "2026-12-01",
                                                   "off-end_date": edge, "off-reason": ""})
    closure = desk.post("/staff/schedules/closures/", {"closure-date": edge, "closure-name": "Far away"})
    for response in (off, closure):
        assert response.status_code == 400 and "Please check the year" in response.content.decode()
    assert not TimeOff.objects.exists() and not ClinicClosure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["p-date_of_birth", "i-incident_date"])
def test_the_booking_form_refuses_edge_dates_next_to_the_field(client, field):
    make_practitioner()
    with time_machine.travel(NOW, tick=False):
        data = details_data(local(2026, 12, 1, 9), **{field: "0001-01-01", "i-kind": "icbc", "i-claim_number": "A1"})
        response = client.post("/book/ims-assessment/details/", data, follow=True)
    assert response.status_code == 200 and "Please check the year" in response.content.decode()
    assert not Appointment.objects.exists()
