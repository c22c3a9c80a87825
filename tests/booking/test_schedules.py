"""Reads behind every free time, through booking/schedules.py, on real Postgres."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from booking import availability, schedules, services
from booking.models import ClinicClosure, TimeOff, WorkingHours
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db


def starts(slots, day=None):
    return [s.start for s in slots if day is None or s.start.astimezone(UTC).date() == day]


def test_slots_for_an_ordinary_day_follow_working_hours_and_the_lunch_gap():
    practitioner = make_practitioner()
    slots = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW)
    local_times = [s.start.astimezone(schedules.clinic_zone()).strftime("%H:%M") for s in slots]
    # 45 min + 15 min buffer must fit: morning 09:00-11:00, afternoon 13:00-16:00, every 15 minutes
    assert local_times[0] == "09:00" and local_times[8] == "11:00" and local_times[9] == "13:00"
    assert local_times[-1] == "16:00"
    assert "11:15" not in local_times and "12:00" not in local_times


def test_listing_slots_takes_at_most_five_queries_for_many_practitioners_and_days(django_assert_max_num_queries):
    service = make_service()
    for _ in range(10):
        make_practitioner(services_=[service])
    with django_assert_max_num_queries(5):
        slots = schedules.available_slots(service=service, practitioner=None, first=date(2026, 12, 1),
                                         last=date(2026, 12, 28), now=NOW)
    assert len(slots) > 100 and all(len(s.practitioner_ids) == 10 for s in slots[:5])


def test_a_practitioner_asked_for_has_no_times_for_a_service_they_do_not_offer(django_assert_num_queries):
    """Whether they offer it is read with their hours: one practitioner's day is two queries (the hours;
    the busy times with the closures)."""
    assessment, follow_up = make_service(), make_service("ims-follow-up")
    practitioner = make_practitioner(services_=[follow_up])
    day = {"first": date(2026, 12, 1), "last": date(2026, 12, 1), "now": NOW}
    with django_assert_num_queries(2):
        assert schedules.available_slots(service=assessment, practitioner=practitioner, **day) == []
    assert schedules.available_slots(service=follow_up, practitioner=practitioner, **day)
    with pytest.raises(services.SlotTaken):
        book(start=local(2026, 12, 1, 9), service=assessment, practitioner=practitioner)
    practitioner.active = False
    assert schedules.available_slots(service=follow_up, practitioner=practitioner, **day) == []


def test_the_schedule_reads_the_closures_with_the_busy_times_and_the_staff_name_wins():
    practitioner = make_practitioner()
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 23, 9), end=local(2026, 12, 23, 12))
    ClinicClosure.objects.create(date=date(2026, 12, 24), name="Staff training")
    ClinicClosure.objects.create(date=date(2026, 12, 25), name="Closed for the holidays")
    data = schedules.load_schedule(practitioner_ids=[practitioner.pk], first=date(2026, 12, 21),
                                   last=date(2026, 12, 27))
    # Christmas Day is a statutory holiday in BC too (Boxing Day is not): the staff's name wins.
    assert data.closures == {date(2026, 12, 24): "Staff training", date(2026, 12, 25): "Closed for the holidays"}
    assert data.busy == {practitioner.pk: [availability.Interval(local(2026, 12, 23, 9), local(2026, 12, 23, 12))]}
    assert data.away == data.busy


def test_an_appointment_at_half_past_midnight_counts_on_its_own_local_day():
    """00:30 on 15 December in BC is 07:30 UTC: it must block the 15th, not the 14th."""
    practitioner = make_practitioner(hours=((0, 3),), weekdays=range(7))
    book(start=local(2026, 12, 15, 0, 30), practitioner=practitioner)
    day = schedules.load_schedule(practitioner_ids=[practitioner.pk], first=date(2026, 12, 15),
                                 last=date(2026, 12, 15))
    assert [i.start for i in day.busy[practitioner.pk]] == [local(2026, 12, 15, 0, 30)]
    before = schedules.load_schedule(practitioner_ids=[practitioner.pk], first=date(2026, 12, 14),
                                    last=date(2026, 12, 14))
    assert before.busy == {}


def test_vancouver_times_after_november_2026_are_utc_minus_7():
    practitioner = make_practitioner()
    slots = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 15), last=date(2026, 12, 15), now=NOW)
    assert slots[0].start == datetime(2026, 12, 15, 16, 0, tzinfo=UTC)  # 09:00 local


def test_time_off_removes_only_the_overlapping_times():
    practitioner = make_practitioner()
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 13), end=local(2026, 12, 1, 17))
    slots = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW)
    assert slots and all(s.start < local(2026, 12, 1, 12) for s in slots)


def test_statutory_holidays_and_staff_closures_have_no_slots():
    practitioner = make_practitioner()
    ClinicClosure.objects.create(date=date(2026, 12, 24), name="Staff training")
    slots = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 23), last=date(2026, 12, 28), now=NOW)
    days = {s.start.astimezone(schedules.clinic_zone()).date() for s in slots}
    assert date(2026, 12, 23) in days and date(2026, 12, 28) in days
    assert date(2026, 12, 24) not in days  # staff closure
    assert date(2026, 12, 25) not in days  # Christmas (statutory, from the holidays package)


def test_a_new_timetable_can_start_next_month():
    practitioner = make_practitioner()
    WorkingHours.objects.filter(practitioner=practitioner).update(valid_until=date(2026, 12, 31))
    WorkingHours.objects.create(practitioner=practitioner, weekday=0, start=time(7), end=time(9),
                                valid_from=date(2027, 1, 1))
    dec = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                   first=date(2026, 12, 7), last=date(2026, 12, 7), now=NOW)
    jan = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                   first=date(2027, 1, 4), last=date(2027, 1, 4), now=NOW)
    assert dec[0].start == local(2026, 12, 7, 9)
    assert [s.start for s in jan] == [local(2027, 1, 4, 7), local(2027, 1, 4, 7, 15), local(2027, 1, 4, 7, 30),
                                      local(2027, 1, 4, 7, 45), local(2027, 1, 4, 8)]


def test_minimum_notice_hides_times_too_soon():
    practitioner = make_practitioner()
    with time_machine.travel(local(2026, 12, 1, 8), tick=False):
        slots = schedules.available_slots(service=make_service(), practitioner=practitioner,
                                         first=date(2026, 12, 1), last=date(2026, 12, 2),
                                         now=local(2026, 12, 1, 8))
    assert slots[0].start == local(2026, 12, 2, 9)  # 12 hours' notice rules out all of the 1st


def test_holidays_have_their_canadian_names():
    names = schedules.closures(date(2026, 9, 1), date(2026, 9, 30))
    assert names[date(2026, 9, 7)] == "Labour Day"
