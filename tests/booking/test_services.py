"""Booking rules through booking/services.py, on real Postgres."""

from datetime import date, timedelta

import pytest

from booking import services, visits
from booking.models import Appointment, AppointmentEvent, Patient
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db


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
    patient, created = services.find_or_create_patient(first_name="Mallory", last_name="X", email="sam@example.COM",
                                                       phone="250-555-9999", date_of_birth=date(1990, 1, 1))
    assert patient.pk == existing.pk and created is False
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


# --- safety screening: "not asked yet" is not "no" (issue 13, item 2) ---------------------------------------
def test_answers_given_with_a_booking_are_asked_and_none_given_is_not_asked_yet():
    from booking.models import Screening

    practitioner = make_practitioner()
    answered, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, screening={"pregnant": True})
    unasked, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner, source="staff")
    assert Screening.objects.get(appointment=answered).asked_at == NOW
    screening = Screening.objects.get(appointment=unasked)
    assert not screening.asked and screening.contraindications == [] and not screening.has_flags


def test_the_migration_counts_online_answers_as_given_and_phone_bookings_as_not_asked():
    import importlib

    from django.apps import apps

    from booking.models import Screening

    practitioner = make_practitioner()
    online, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, screening={"fear_of_needles": True})
    phone, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner, source="staff")
    Screening.objects.update(asked_at=None)  # as every row was before the field existed
    importlib.import_module("booking.migrations.0007_screening_asked").online_answers_were_given(apps, None)
    online.refresh_from_db()
    assert Screening.objects.get(appointment=online).asked_at == online.created_at
    assert Screening.objects.get(appointment=phone).asked_at is None


def test_recording_screening_later_needs_every_answer_and_writes_history(django_user_model):
    from booking.models import Screening

    desk = django_user_model.objects.create_user("desk")
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    with pytest.raises(services.BookingError):
        visits.record_screening(appointment=appointment, answers={"pregnant": True}, actor=desk, now=NOW)
    answers = {name: name == "recent_surgery" for name, _, _ in Screening.QUESTIONS}
    visits.record_screening(appointment=appointment, answers=answers, details="Knee, October", actor=desk, now=NOW)
    screening = Screening.objects.get(appointment=appointment)
    assert screening.asked_at == NOW and screening.recent_surgery and screening.details == "Knee, October"
    assert screening.precautions == ["Have you had surgery in the last 3 months?"]
    assert appointment.events.get(action="recorded screening").details == {"yes": ["recent_surgery"]}


# --- attendance: only at the visit, and undone the same day (item 3) ----------------------------------------
def test_attendance_marks_follow_the_visits_clock():
    from datetime import timedelta as td

    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    early = appointment.start - td(minutes=30)
    assert services.allowed_marks(appointment, early - td(seconds=1)) == set()
    assert services.allowed_marks(appointment, early) == {"arrived", "completed"}
    assert services.allowed_marks(appointment, appointment.start) == {"arrived", "completed", "no_show"}
    assert services.allowed_marks(appointment, appointment.end) == {"completed", "no_show"}
    with pytest.raises(services.BookingError, match="too early"):
        services.mark_attendance(appointment=appointment, status="completed", actor=None, now=early - td(minutes=1))
    with pytest.raises(services.BookingError, match="only after the start"):
        services.mark_attendance(appointment=appointment, status="no_show", actor=None, now=early)
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_the_attendance_window_is_a_setting(settings):
    from datetime import timedelta as td

    settings.ATTENDANCE_EARLY_MINUTES = 60
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    assert "arrived" in services.allowed_marks(appointment, appointment.start - td(minutes=60))
