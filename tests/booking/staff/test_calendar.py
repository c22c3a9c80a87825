"""The staff day and week calendars, through their URLs, on real Postgres."""

import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import schedules, services
from booking.models import Appointment, ClinicClosure, Practitioner, TimeOff, WorkingHours, hash_token
from booking.staff import calendar_grid
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db

CSS = Path(__file__).resolve().parents[3] / "static" / "css" / "staff_calendar.css"
DAY, WEEK = reverse("staff:day"), reverse("staff:week")


@pytest.fixture(autouse=True)
def clock():
    """Monday 30 November 2026, 08:00 in BC."""
    with time_machine.travel(NOW, tick=False):
        yield


def staff_user(django_user_model, group: str, username: str = "desk"):
    user = django_user_model.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def desk(client, django_user_model):
    client.force_login(staff_user(django_user_model, "Front desk"))
    return client


def block_classes(html: str, appointment: Appointment) -> list[str]:
    """The classes of the grid block linking to ``appointment`` (empty if it has no block)."""
    url = reverse("staff:appointment-detail", args=[appointment.reference])
    match = re.search(rf'<a class="(cal-appt [^"]*)" href="{re.escape(url)}"', html)
    return match.group(1).split() if match else []


def follow_up():
    return make_service("ims-follow-up")  # 30 minutes, no buffer: two rows exactly


def make_clinician(name=None, **kwargs):
    """A practitioner offering both the assessment and the follow-up."""
    kwargs.setdefault("services_", [make_service(), follow_up()])
    return make_practitioner(name, **kwargs)


# --- the day ----------------------------------------------------------------------------------
def test_day_has_a_column_per_active_practitioner(desk):
    maya, daniel = make_clinician("Maya Chen"), make_clinician("Daniel Okafor")
    gone = make_clinician("Left Last Year")
    Practitioner.objects.filter(pk=gone.pk).update(active=False)
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    for p in (maya, daniel):
        assert f'<h2 class="cal-col__head" id="cal-h-{p.slug}">' in html
        assert f"{WEEK}?practitioner={p.slug}&amp;date=2026-12-01" in html
    assert "Left Last Year" not in html
    assert "Tuesday 1 December 2026" in html


def test_an_appointment_starts_at_its_row_and_spans_its_length(desk):
    early = make_clinician(hours=((8, 12),))  # the sheet starts at 08:00
    practitioner = make_clinician()  # 09:00-12:00, 13:00-17:00
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=follow_up(),
                          patient=make_patient(first_name="Noor", last_name="Haddad"))
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    classes = block_classes(html, appointment)
    # 08:00 is row 1, so 09:00 starts on grid line 5; 30 minutes are two 15-minute rows.
    assert {"row-start-5", "row-span-2", "cal-appt--requested"} <= set(classes)
    assert "Noor Haddad" in html and "IMS follow-up" in html
    assert '9:00–9:30<span class="cal-appt__period"> a.m.</span>' in html
    assert "Working 8:00 a.m.–12:00 p.m." in html and "Working 9:00 a.m.–12:00 p.m., 1:00–5:00 p.m." in html
    assert early.name in html
    # the 09:00-12:00 working block of the second practitioner
    assert '<div class="cal-work row-start-5 row-span-12" aria-hidden="true">' in html


def test_status_is_written_out_and_coloured(desk):
    practitioner = make_clinician(hours=((8, 18),))
    service = follow_up()
    requested, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=service)
    confirmed, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, service=service)
    arrived, _ = book(start=local(2026, 12, 1, 11), practitioner=practitioner, service=service)
    completed, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner, service=service)
    no_show, _ = book(start=local(2026, 12, 1, 14), practitioner=practitioner, service=service)
    for a in (confirmed, arrived, completed, no_show):
        services.confirm_appointment(appointment=a, actor=None)
    # each marked at its visit: arrival and completion from shortly before the start, a no-show after it
    services.mark_arrived(appointment=arrived, actor=None, now=arrived.start)
    services.mark_attendance(appointment=completed, status=Appointment.Status.COMPLETED, actor=None,
                             now=completed.end)
    services.mark_attendance(appointment=no_show, status=Appointment.Status.NO_SHOW, actor=None,
                             now=no_show.start + timedelta(minutes=15))
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    for appointment, key, label in [(requested, "requested", "Requested"), (confirmed, "confirmed", "Confirmed"),
                                    (arrived, "arrived", "Arrived"), (completed, "completed", "Completed"),
                                    (no_show, "no_show", "No-show")]:
        assert f"cal-appt--{key}" in block_classes(html, appointment)
        assert f'<span class="cal-appt__status">{label}</span>' in html


def test_an_appointment_at_half_past_midnight_is_on_its_own_local_day(desk):
    """00:30 on 15 December in BC is 07:30 UTC on the 15th: it belongs to the 15th, not the 14th."""
    practitioner = make_clinician(hours=((0, 3),), weekdays=range(7))
    appointment, _ = book(start=local(2026, 12, 15, 0, 30), practitioner=practitioner)
    on_the_day = desk.get(DAY, {"date": "2026-12-15"}).content.decode()
    assert {"row-start-3", "row-span-3"} <= set(block_classes(on_the_day, appointment))  # 00:30-01:15
    day_before = desk.get(DAY, {"date": "2026-12-14"}).content.decode()
    assert appointment.reference not in day_before


def test_time_off_is_shaded_and_labelled(desk):
    practitioner = make_clinician()
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 13), end=local(2026, 12, 1, 17),
                           reason="IMS course")
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    # 09:00 is row 1, so 13:00 is grid line 17; four hours are 16 rows.
    assert '<div class="cal-off row-start-17 row-span-16" aria-hidden="true">' in html
    assert '<span class="cal-col__off">Time off 1:00–5:00 p.m. (<bdi>IMS course</bdi>)</span>' in html
    next_day = desk.get(DAY, {"date": "2026-12-02"}).content.decode()
    assert "cal-off row-start" not in next_day and "cal-col__off" not in next_day


def test_a_statutory_holiday_is_shaded_with_its_name(desk):
    make_clinician()
    html = desk.get(DAY, {"date": "2026-12-25"}).content.decode()
    assert "The clinic is closed:</strong> <bdi>Christmas Day</bdi>" in html
    assert "Closed: <bdi>Christmas Day</bdi>" in html and "cal-closed row-start-1" in html
    assert "cal-work" not in html  # nobody works on a closed day, whatever the timetable says


def test_a_staff_closure_is_shaded_with_its_name(desk):
    make_clinician()
    ClinicClosure.objects.create(date=date(2026, 12, 2), name="Staff training")
    html = desk.get(DAY, {"date": "2026-12-02"}).content.decode()
    assert "The clinic is closed:</strong> <bdi>Staff training</bdi>" in html and "cal-closed" in html


def test_closure_names_cover_exactly_the_closed_dates():
    """The calendar names the closed days from the same lookup the free times use: they agree."""
    ClinicClosure.objects.create(date=date(2027, 3, 3), name="Renovation")
    first, last = date(2026, 1, 1), date(2027, 12, 31)
    names = schedules.closures(first, last)
    practitioner = make_clinician()
    closed = schedules.load_schedule(practitioner_ids=[practitioner.pk], first=first, last=last).closed
    assert set(names) == closed
    assert names[date(2027, 3, 3)] == "Renovation" and names[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 8, 3) in names and date(2026, 12, 26) not in names  # BC Day yes; Boxing Day is not statutory


def test_a_day_nobody_works_shows_eight_to_six_and_says_so(desk):
    make_clinician()  # Monday to Friday
    html = desk.get(DAY, {"date": "2026-12-05"}).content.decode()  # a Saturday
    assert "The clinic has no working hours on this day." in html
    assert '<div class="cal-bg row-start-1 row-span-40" aria-hidden="true">' in html  # 08:00-18:00
    assert ">8 a.m.</div>" in html and ">5 p.m.</div>" in html and "6 p.m." not in html


def test_an_appointment_outside_working_hours_widens_the_sheet(desk):
    practitioner = make_clinician()  # from 09:00
    appointment, _ = book(start=local(2026, 12, 1, 7), practitioner=practitioner, service=follow_up(),
                          source=Appointment.Source.STAFF, allow_outside_hours=True)
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert {"row-start-1", "row-span-2"} <= set(block_classes(html, appointment))
    assert ">7 a.m.</div>" in html


def test_timetables_apply_only_between_their_dates(desk):
    practitioner = make_clinician(hours=())
    WorkingHours.objects.create(practitioner=practitioner, weekday=0, start=time(9), end=time(12),
                                valid_until=date(2026, 12, 31))
    WorkingHours.objects.create(practitioner=practitioner, weekday=0, start=time(13), end=time(17),
                                valid_from=date(2027, 1, 1))
    december = desk.get(DAY, {"date": "2026-12-28"}).content.decode()
    january = desk.get(DAY, {"date": "2027-01-04"}).content.decode()
    assert "Working 9:00 a.m.–12:00 p.m.<" in december and "1:00–5:00" not in december
    assert "Working 1:00–5:00 p.m.<" in january and "9:00 a.m.–12:00" not in january


def test_cancelled_and_declined_appointments_do_not_occupy_the_grid(desk):
    practitioner = make_clinician()
    cancelled, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=follow_up())
    declined, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, service=follow_up())
    services.cancel_appointment(appointment=cancelled, now=NOW, actor=None)
    services.decline_appointment(appointment=declined, actor=None, reason="No space")
    rebooked, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=follow_up())
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert block_classes(html, cancelled) == [] and block_classes(html, declined) == []
    assert "lane-" not in " ".join(block_classes(html, rebooked))  # nothing shares its time
    assert "Cancelled and declined (2)" in html
    for appointment in (cancelled, declined):
        assert reverse("staff:appointment-detail", args=[appointment.reference]) in html


def test_overlapping_appointments_sit_side_by_side(desk):
    """A no-show frees its time; the visit booked into it must not hide it."""
    practitioner = make_clinician()
    missed, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=follow_up())
    services.confirm_appointment(appointment=missed, actor=None)
    services.mark_attendance(appointment=missed, status=Appointment.Status.NO_SHOW, actor=None,
                             now=missed.start + timedelta(minutes=10))
    squeezed_in, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, service=follow_up())
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert "lanes-2" in html
    assert {"lane-1", "lane-2"} == {c for a in (missed, squeezed_in) for c in block_classes(html, a)
                                    if c.startswith("lane-")}


def test_buffers_are_shown_after_visits_that_hold_time(desk):
    practitioner = make_clinician()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner)  # 45 minutes + 15 minutes buffer
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert '<div class="cal-buffer row-start-4 row-span-1" aria-hidden="true">' in html


def test_a_practitioner_sees_booked_instead_of_other_practitioners_patients(client, django_user_model):
    user = staff_user(django_user_model, "Practitioner", "maya")
    maya, daniel = make_clinician("Maya Chen"), make_clinician("Daniel Okafor")
    Practitioner.objects.filter(pk=maya.pk).update(user=user)
    own, _ = book(start=local(2026, 12, 1, 9), practitioner=maya,
                  patient=make_patient(first_name="Ada", last_name="Own"))
    other, _ = book(start=local(2026, 12, 1, 9), practitioner=daniel,
                    patient=make_patient(first_name="Bea", last_name="Elsewhere"))
    client.force_login(user)
    html = client.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert "Ada Own" in html and block_classes(html, own)
    assert "Bea Elsewhere" not in html and other.reference not in html  # no link to a page they may not open
    assert '<span class="cal-appt__who" dir="auto">Booked</span>' in html
    week = client.get(WEEK, {"practitioner": daniel.slug, "date": "2026-12-01"}).content.decode()
    assert "Bea Elsewhere" not in week and "Booked" in week


def test_the_front_desk_sees_every_patient(desk):
    a, b = make_clinician(), make_clinician()
    book(start=local(2026, 12, 1, 9), practitioner=a, patient=make_patient(first_name="Ada", last_name="One"))
    book(start=local(2026, 12, 1, 9), practitioner=b, patient=make_patient(first_name="Bea", last_name="Two"))
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert "Ada One" in html and "Bea Two" in html and ">Booked<" not in html


@pytest.mark.parametrize("raw", ["", "tomorrow", "2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31",
                                 "2026-12-01T09:00", "2026-12-01 junk", "1" * 5000])
def test_a_bad_date_shows_today(desk, raw):
    response = desk.get(DAY, {"date": raw})
    assert response.status_code == 200
    assert "Monday 30 November 2026" in response.content.decode()
    assert desk.get(WEEK, {"date": raw}).status_code == 200


def test_today_is_the_default_and_has_a_now_line(desk):
    make_clinician()
    html = desk.get(DAY).content.decode()
    assert "Monday 30 November 2026" in html and "cal-today-tag" in html
    assert "The red line marks the time now, 8:00 a.m." in html and "a.m.." not in html  # no double period
    # 08:00 is before the 09:00 start of the sheet; at 10:20 the line sits 5 minutes into row 6.
    assert "cal-now" not in html.split('class="cal-scroll"')[1]
    with time_machine.travel(local(2026, 11, 30, 10, 20), tick=False):
        html = desk.get(DAY).content.decode()
    assert '<div class="cal-now row-start-6 now-m-5">' in html
    assert "cal-now row-start" not in desk.get(DAY, {"date": "2026-12-01"}).content.decode()


def test_previous_and_next_day_links_and_the_date_picker(desk):
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert f'href="{DAY}?date=2026-11-30"' in html and f'href="{DAY}?date=2026-12-02"' in html
    assert '<input class="form-control" type="date" id="cal-date" name="date" value="2026-12-01" required>' in html
    assert f'<form method="get" class="cal-pick" action="{DAY}">' in html
    # across a year end
    html = desk.get(DAY, {"date": "2027-01-01"}).content.decode()
    assert f'href="{DAY}?date=2026-12-31"' in html


def test_the_day_needs_a_fixed_number_of_queries(desk, django_assert_max_num_queries):
    service = follow_up()
    practitioners = [make_clinician(hours=((8, 18),), services_=[service]) for _ in range(8)]
    patients = [make_patient() for _ in range(10)]
    TimeOff.objects.create(practitioner=practitioners[0], start=local(2026, 12, 1, 12), end=local(2026, 12, 1, 13))
    ClinicClosure.objects.create(date=date(2026, 12, 2), name="Not today")
    statuses = [Appointment.Status.CONFIRMED, Appointment.Status.REQUESTED, Appointment.Status.COMPLETED]

    def add(slots):
        """20-minute visits from 08:00: practitioner p takes the given slot numbers."""
        Appointment.objects.bulk_create(
            Appointment(
                reference=f"Q{p.pk:03d}{n:03d}", manage_token_hash=hash_token(f"{p.pk}-{n}"), practitioner=p,
                service=service, patient=patients[n % 10], start=local(2026, 12, 1, 8) + timedelta(minutes=20 * n),
                end=local(2026, 12, 1, 8) + timedelta(minutes=20 * n + 20),
                blocks_until=local(2026, 12, 1, 8) + timedelta(minutes=20 * n + 20), status=statuses[n % 3],
            )
            for p in practitioners for n in slots
        )

    add(range(0, 30, 2))  # 15 each: 120
    assert Appointment.objects.count() == 120
    desk.get(DAY, {"date": "2026-12-01"})  # warm the clinic profile cache (a context processor)
    # 12: the front desk sees money, so the day adds one query for the balances owing (test_daysheet.py),
    # and one finds the visits that belong to an IMS course ("visit n of N"; two more when some do)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as first:
        html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert html.count('<a class="cal-appt ') == 120

    add(range(1, 30, 2))  # 240
    with CaptureQueriesContext(connection) as second:
        html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert html.count('<a class="cal-appt ') == 240
    assert len(second) == len(first)


# --- the week ---------------------------------------------------------------------------------
def test_week_shows_one_practitioners_monday_to_sunday(desk):
    maya = make_clinician("Maya Chen")
    other = make_clinician("Daniel Okafor")
    visit, _ = book(start=local(2026, 12, 2, 10), practitioner=maya)  # a Wednesday
    elsewhere, _ = book(start=local(2026, 12, 2, 10), practitioner=other)
    html = desk.get(WEEK, {"practitioner": maya.slug, "date": "2026-12-02"}).content.decode()
    assert "<bdi>Maya Chen</bdi>: week of 30 November 2026" in html
    days = re.findall(r'id="cal-h-(\d{4}-\d\d-\d\d)"', html)
    assert days == [(date(2026, 11, 30) + timedelta(days=i)).isoformat() for i in range(7)]
    assert "Mon 30 Nov" in html and "Sun 6 Dec" in html
    assert block_classes(html, visit) and not block_classes(html, elsewhere)
    assert f'href="{DAY}?date=2026-12-02"' in html  # each day heading opens that day
    assert html.count('class="cal-col__hours">Not working<') == 2  # Saturday and Sunday
    assert f'<option value="{maya.slug}" selected>Maya Chen</option>' in html


def test_week_previous_and_next_links_keep_the_practitioner(desk):
    maya = make_clinician()
    html = desk.get(WEEK, {"practitioner": maya.slug, "date": "2026-12-06"}).content.decode()
    assert f'href="{WEEK}?practitioner={maya.slug}&amp;date=2026-11-23"' in html
    assert f'href="{WEEK}?practitioner={maya.slug}&amp;date=2026-12-07"' in html


def test_week_shades_holidays_and_time_off(desk):
    maya = make_clinician()
    TimeOff.objects.create(practitioner=maya, start=local(2026, 12, 22, 9), end=local(2026, 12, 24, 0),
                           reason="Holiday")
    html = desk.get(WEEK, {"practitioner": maya.slug, "date": "2026-12-25"}).content.decode()
    assert "Closed: <bdi>Christmas Day</bdi>" in html and "Boxing Day" not in html  # Boxing Day is not statutory in BC
    assert "Time off 9:00 a.m.–midnight (<bdi>Holiday</bdi>)" in html  # Tuesday from 09:00
    assert "Time off all day (<bdi>Holiday</bdi>)" in html  # Wednesday


def test_week_defaults_to_your_own_practitioner_then_the_first_active(client, django_user_model):
    first = make_clinician("Aaron First")
    mine = make_clinician("Maya Chen")
    user = staff_user(django_user_model, "Practitioner", "maya")
    Practitioner.objects.filter(pk=mine.pk).update(user=user)
    client.force_login(user)
    assert "<bdi>Maya Chen</bdi>: week of 30 November 2026" in client.get(WEEK).content.decode()
    desk_user = staff_user(django_user_model, "Front desk", "desk")
    client.force_login(desk_user)
    assert f"<bdi>{first.name}</bdi>: week of" in client.get(WEEK).content.decode()
    assert f"<bdi>{first.name}</bdi>: week of" in client.get(WEEK, {"practitioner": "no-such-person"}).content.decode()


def test_week_without_practitioners_says_so(desk):
    response = desk.get(WEEK)
    assert response.status_code == 200 and "No practitioners yet." in response.content.decode()


def test_week_needs_a_fixed_number_of_queries(desk, django_assert_max_num_queries):
    maya = make_clinician(hours=((8, 18),), weekdays=range(7))
    desk.get(WEEK, {"practitioner": maya.slug})
    for day in range(7):
        for hour in (8, 10, 13, 15):
            book(start=local(2026, 11, 30, hour) + timedelta(days=day), practitioner=maya, service=follow_up(),
                 source=Appointment.Source.STAFF)
    with django_assert_max_num_queries(11):  # one of them: which visits belong to an IMS course
        html = desk.get(WEEK, {"practitioner": maya.slug}).content.decode()
    assert html.count('<a class="cal-appt ') == 28


# --- both -------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [DAY, WEEK])
def test_calendars_are_get_only_and_private(client, desk, url):
    assert desk.post(url).status_code == 405
    response = desk.get(url)
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("url", [DAY, WEEK])
def test_calendars_have_no_inline_styles_or_scripts(desk, url):
    practitioner = make_clinician()
    book(start=local(2026, 11, 30, 9), practitioner=practitioner, source=Appointment.Source.STAFF)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 11, 30, 13), end=local(2026, 11, 30, 14))
    with time_machine.travel(local(2026, 11, 30, 10, 7), tick=False):
        html = desk.get(url).content.decode()
    assert "cal-now" in html
    assert not re.search(r"\sstyle=", html)
    scripts = re.findall(r"<script\b[^>]*>", html)
    files_only = r'\ssrc="/static/js/staff(\.[0-9a-f]+)?\.js"'
    assert scripts and all(re.search(files_only, s) for s in scripts), scripts


def test_the_stylesheet_defines_every_class_the_grid_can_use():
    css = CSS.read_text()
    wanted = [f".row-start-{n} " for n in range(1, calendar_grid.MAX_ROWS + 2)]
    wanted += [f".row-span-{n} " for n in range(1, calendar_grid.MAX_ROWS + 1)]
    wanted += [f".now-m-{n} " for n in range(calendar_grid.ROW_MINUTES)]
    wanted += [f".lanes-{n} " for n in range(2, calendar_grid.MAX_LANES + 1)]
    wanted += [f".lane-{n} " for n in range(1, calendar_grid.MAX_LANES + 1)]
    assert [c for c in wanted if c not in css] == []
    assert "@media print" in css and "size: landscape" in css


def test_a_whole_day_fits_the_generated_classes(desk):
    """Hours from midnight to midnight: 96 rows, the most the stylesheet provides for."""
    practitioner = make_clinician(hours=((0, 12), (12, 23)), weekdays=range(7))
    WorkingHours.objects.create(practitioner=practitioner, weekday=1, start=time(23), end=time(23, 59))
    late, _ = book(start=local(2026, 12, 1, 23), practitioner=practitioner, service=follow_up())
    html = desk.get(DAY, {"date": "2026-12-01"}).content.decode()
    assert '<div class="cal-bg row-start-1 row-span-96" aria-hidden="true">' in html
    assert {"row-start-93", "row-span-2"} <= set(block_classes(html, late))


@pytest.mark.parametrize("url", [DAY, WEEK])
def test_names_typed_by_patients_are_escaped_in_the_blocks(desk, url):
    """The blocks write their own markup (Block.html): what a patient typed must still be text."""
    practitioner = make_clinician()
    patient = make_patient(first_name='<img src=x onerror="alert(1)">', last_name="O'Brien & <b>Sons</b>")
    book(start=local(2026, 11, 30, 9), practitioner=practitioner, patient=patient, source=Appointment.Source.STAFF)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 11, 30, 13), end=local(2026, 11, 30, 14),
                           reason="<script>x</script>")
    html = desk.get(url, {"date": "2026-11-30"}).content.decode()
    assert "<img src=x" not in html and "<b>Sons</b>" not in html and "<script>x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; O&#x27;Brien &amp; &lt;b&gt;Sons&lt;/b&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_a_practitioner_sees_names_only_on_their_own_blocks(client, django_user_model):
    own, other = make_clinician(), make_clinician()
    user = staff_user(django_user_model, "Practitioner", username="clinician")
    own.user = user
    own.save()
    mine, _ = book(start=local(2026, 11, 30, 9), practitioner=own, patient=make_patient(first_name="Mine"),
                   source=Appointment.Source.STAFF)
    theirs, _ = book(start=local(2026, 11, 30, 9), practitioner=other, patient=make_patient(first_name="Theirs"),
                     source=Appointment.Source.STAFF)
    client.force_login(user)
    html = client.get(DAY, {"date": "2026-11-30"}).content.decode()
    assert "Mine " in html and "Theirs" not in html
    assert block_classes(html, mine) and not block_classes(html, theirs)  # no link to the other's visit
    assert html.count("cal-appt--private") == 1


def test_names_in_right_to_left_scripts_are_isolated_in_the_blocks(desk):
    """A name in Arabic script must not reorder the time, status or service around it (issue 13, item 12)."""
    practitioner = make_clinician("Maya Chen")
    patient = make_patient(first_name="مريم", last_name="حداد")
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 13), end=local(2026, 12, 1, 14),
                           reason="دورة")
    for url in (DAY, WEEK):
        html = desk.get(url, {"date": "2026-12-01"}).content.decode()
        assert '<span class="cal-appt__who" dir="auto">مريم حداد</span>' in html
        assert '<span class="cal-appt__what" dir="auto">IMS initial assessment and treatment</span>' in html
        assert "(<bdi>دورة</bdi>)" in html
    assert "<bdi>Maya Chen</bdi>" in desk.get(DAY, {"date": "2026-12-01"}).content.decode()
