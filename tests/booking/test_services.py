"""Booking rules through booking/services.py, on real Postgres."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from booking import services
from booking.models import Appointment, AppointmentEvent, ClinicClosure, Patient, TimeOff, WorkingHours
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db


def starts(slots, day=None):
    return [s.start for s in slots if day is None or s.start.astimezone(UTC).date() == day]


def test_slots_for_an_ordinary_day_follow_working_hours_and_the_lunch_gap():
    practitioner = make_practitioner()
    slots = services.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW)
    local_times = [s.start.astimezone(services.clinic_zone()).strftime("%H:%M") for s in slots]
    # 45 min + 15 min buffer must fit: morning 09:00-11:00, afternoon 13:00-16:00, every 15 minutes
    assert local_times[0] == "09:00" and local_times[8] == "11:00" and local_times[9] == "13:00"
    assert local_times[-1] == "16:00"
    assert "11:15" not in local_times and "12:00" not in local_times


def test_listing_slots_takes_at_most_five_queries_for_many_practitioners_and_days(django_assert_max_num_queries):
    service = make_service()
    for _ in range(10):
        make_practitioner(services_=[service])
    with django_assert_max_num_queries(5):
        slots = services.available_slots(service=service, practitioner=None, first=date(2026, 12, 1),
                                         last=date(2026, 12, 28), now=NOW)
    assert len(slots) > 100 and all(len(s.practitioner_ids) == 10 for s in slots[:5])


def test_an_appointment_at_half_past_midnight_counts_on_its_own_local_day():
    """00:30 on 15 December in BC is 07:30 UTC: it must block the 15th, not the 14th."""
    practitioner = make_practitioner(hours=((0, 3),), weekdays=range(7))
    book(start=local(2026, 12, 15, 0, 30), practitioner=practitioner)
    day = services.load_schedule(practitioner_ids=[practitioner.pk], first=date(2026, 12, 15),
                                 last=date(2026, 12, 15))
    assert [i.start for i in day.busy[practitioner.pk]] == [local(2026, 12, 15, 0, 30)]
    before = services.load_schedule(practitioner_ids=[practitioner.pk], first=date(2026, 12, 14),
                                    last=date(2026, 12, 14))
    assert before.busy == {}


def test_vancouver_times_after_november_2026_are_utc_minus_7():
    practitioner = make_practitioner()
    slots = services.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 15), last=date(2026, 12, 15), now=NOW)
    assert slots[0].start == datetime(2026, 12, 15, 16, 0, tzinfo=UTC)  # 09:00 local


def test_time_off_removes_only_the_overlapping_times():
    practitioner = make_practitioner()
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 13), end=local(2026, 12, 1, 17))
    slots = services.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 1), last=date(2026, 12, 1), now=NOW)
    assert slots and all(s.start < local(2026, 12, 1, 12) for s in slots)


def test_statutory_holidays_and_staff_closures_have_no_slots():
    practitioner = make_practitioner()
    ClinicClosure.objects.create(date=date(2026, 12, 24), name="Staff training")
    slots = services.available_slots(service=make_service(), practitioner=practitioner,
                                     first=date(2026, 12, 23), last=date(2026, 12, 28), now=NOW)
    days = {s.start.astimezone(services.clinic_zone()).date() for s in slots}
    assert date(2026, 12, 23) in days and date(2026, 12, 28) in days
    assert date(2026, 12, 24) not in days  # staff closure
    assert date(2026, 12, 25) not in days  # Christmas (statutory, from the holidays package)


def test_a_new_timetable_can_start_next_month():
    practitioner = make_practitioner()
    WorkingHours.objects.filter(practitioner=practitioner).update(valid_until=date(2026, 12, 31))
    WorkingHours.objects.create(practitioner=practitioner, weekday=0, start=time(7), end=time(9),
                                valid_from=date(2027, 1, 1))
    dec = services.available_slots(service=make_service(), practitioner=practitioner,
                                   first=date(2026, 12, 7), last=date(2026, 12, 7), now=NOW)
    jan = services.available_slots(service=make_service(), practitioner=practitioner,
                                   first=date(2027, 1, 4), last=date(2027, 1, 4), now=NOW)
    assert dec[0].start == local(2026, 12, 7, 9)
    assert [s.start for s in jan] == [local(2027, 1, 4, 7), local(2027, 1, 4, 7, 15), local(2027, 1, 4, 7, 30),
                                      local(2027, 1, 4, 7, 45), local(2027, 1, 4, 8)]


def test_minimum_notice_hides_times_too_soon():
    practitioner = make_practitioner()
    with time_machine.travel(local(2026, 12, 1, 8), tick=False):
        slots = services.available_slots(service=make_service(), practitioner=practitioner,
                                         first=date(2026, 12, 1), last=date(2026, 12, 2),
                                         now=local(2026, 12, 1, 8))
    assert slots[0].start == local(2026, 12, 2, 9)  # 12 hours' notice rules out all of the 1st


def test_booking_holds_the_slot_and_declining_or_cancelling_frees_it():
    practitioner = make_practitioner()
    service = make_service()
    start = local(2026, 12, 1, 9)
    appointment, _ = book(start=start, practitioner=practitioner)
    free = services.free_practitioners_at(service=service, practitioner=practitioner, start=start, now=NOW)
    assert free == []
    services.decline_appointment(appointment=appointment, actor=None, reason="Not suitable")
    assert services.free_practitioners_at(service=service, practitioner=practitioner, start=start, now=NOW)
    second, _ = book(start=start, practitioner=practitioner)
    services.cancel_appointment(appointment=second, now=NOW, reason="Feeling better")
    assert services.free_practitioners_at(service=service, practitioner=practitioner, start=start, now=NOW)


def test_booking_a_taken_time_raises_slot_taken():
    practitioner = make_practitioner()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    with pytest.raises(services.SlotTaken):
        book(start=local(2026, 12, 1, 9, 15), practitioner=practitioner)
    assert Appointment.objects.count() == 1


def test_first_available_chooses_a_free_practitioner_at_submit_time():
    service = make_service()
    busy, free = make_practitioner(services_=[service]), make_practitioner(services_=[service])
    book(start=local(2026, 12, 1, 9), practitioner=busy)
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=None)
    assert appointment.practitioner == free


def test_ims_visits_less_than_seven_days_apart_are_flagged_for_staff():
    practitioner = make_practitioner()
    patient = make_patient()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient)
    close, _ = book(start=local(2026, 12, 4, 9), practitioner=practitioner, patient=patient)
    week_later, _ = book(start=local(2026, 12, 11, 9), practitioner=practitioner, patient=patient)
    assert close.spacing_flag is True
    assert week_later.spacing_flag is False  # exactly 7 days after the previous visit is fine


def test_a_follow_up_without_a_prior_assessment_is_flagged():
    follow_up = make_service("ims-follow-up")
    practitioner = make_practitioner(services_=[make_service(), follow_up])
    newcomer = make_patient()
    flagged, _ = book(start=local(2026, 12, 1, 9), service=follow_up, practitioner=practitioner, patient=newcomer)
    assert flagged.no_prior_assessment_flag is True
    returning = make_patient()
    book(start=local(2026, 12, 2, 9), practitioner=practitioner, patient=returning)
    ok, _ = book(start=local(2026, 12, 10, 9), service=follow_up, practitioner=practitioner, patient=returning)
    assert ok.no_prior_assessment_flag is False


def test_a_returning_patient_is_matched_by_email_and_their_record_is_not_overwritten():
    existing = make_patient(email="Sam@Example.com", first_name="Sam", phone="604-555-0001")
    patient = services.find_or_create_patient(first_name="Mallory", last_name="X", email="sam@example.COM",
                                              phone="250-555-9999", date_of_birth=date(1990, 1, 1))
    assert patient.pk == existing.pk
    existing.refresh_from_db()
    assert existing.first_name == "Sam" and existing.phone == "604-555-0001"
    assert Patient.objects.count() == 1


def test_reschedule_holds_the_new_time_and_releases_the_old_in_one_step():
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    moved = services.reschedule_appointment(appointment=appointment, new_start=local(2026, 12, 1, 14), now=NOW)
    assert moved.start == local(2026, 12, 1, 14) and moved.sequence == 1
    service = make_service()
    assert services.free_practitioners_at(service=service, practitioner=practitioner,
                                          start=local(2026, 12, 1, 9), now=NOW)
    assert not services.free_practitioners_at(service=service, practitioner=practitioner,
                                              start=local(2026, 12, 1, 14), now=NOW)
    event = AppointmentEvent.objects.filter(appointment=appointment, action="rescheduled").get()
    assert event.details["old"]["start"].startswith("2026-12-01T16:00")


def test_a_failed_reschedule_keeps_the_original_time():
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    book(start=local(2026, 12, 1, 14), practitioner=practitioner)
    with pytest.raises(services.SlotTaken):
        services.reschedule_appointment(appointment=appointment, new_start=local(2026, 12, 1, 14), now=NOW)
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 1, 9) and appointment.status == "requested"


def test_moving_within_its_own_buffer_is_allowed():
    """The appointment being moved must not block itself."""
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    moved = services.reschedule_appointment(appointment=appointment, new_start=local(2026, 12, 1, 9, 15), now=NOW)
    assert moved.start == local(2026, 12, 1, 9, 15)


def test_staff_may_book_outside_hours_with_override_but_never_over_another_visit():
    practitioner = make_practitioner()
    evening = local(2026, 12, 1, 18)
    with pytest.raises(services.SlotTaken):
        book(start=evening, practitioner=practitioner, source="staff")
    appointment, _ = book(start=evening, practitioner=practitioner, source="staff", allow_outside_hours=True)
    assert appointment.outside_hours and appointment.status == "confirmed"
    with pytest.raises(services.SlotTaken):
        book(start=evening + timedelta(minutes=30), practitioner=practitioner, source="staff",
             allow_outside_hours=True)


def test_every_change_writes_history_with_the_actor(django_user_model):
    staff = django_user_model.objects.create_user("desk", password="x-very-long-password")
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    services.confirm_appointment(appointment=appointment, actor=staff)
    services.cancel_appointment(appointment=appointment, now=NOW, actor=staff, reason="Patient called")
    events = list(appointment.events.values_list("action", "actor_label", "from_status", "to_status"))
    assert events == [("requested", "patient", "", "requested"), ("confirmed", "desk", "requested", "confirmed"),
                      ("cancelled", "desk", "confirmed", "cancelled")]


def test_the_manage_token_is_long_and_only_its_hash_is_stored():
    appointment, token = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    assert token not in appointment.manage_token_hash and len(appointment.manage_token_hash) == 64
    assert services.appointment_for_token(token) == appointment
    assert services.appointment_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


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
    """With sequential scans off, the planner must find an index for each lookup's expression."""
    from django.db import connection

    make_practitioner()
    first, last = local(2026, 12, 1, 0), local(2026, 12, 2, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        visiting = Appointment.objects.visiting(first, last).explain()
        overlapping = Appointment.objects.overlapping(first, last).explain()
    assert "appointment_visit_gist" in visiting
    assert "appointment_blocked_gist" in overlapping
