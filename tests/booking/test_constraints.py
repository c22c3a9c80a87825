"""The database itself refuses overlapping active appointments (the last line of defence)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from booking.models import Appointment, hash_token
from tests.factories import local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db


def insert(practitioner, start, *, service=None, status="requested", minutes=45, buffer=15):
    """Insert straight through the ORM, skipping every check in services.py."""
    service = service or make_service()
    end = start + timedelta(minutes=minutes)
    with transaction.atomic():
        return Appointment.objects.create(
            reference=Appointment.new_reference(), practitioner=practitioner, service=service,
            patient=make_patient(), start=start, end=end, blocks_until=end + timedelta(minutes=buffer),
            status=status, manage_token_hash=hash_token(Appointment.new_reference() + str(start)),
        )


def test_two_active_appointments_of_one_practitioner_cannot_overlap():
    practitioner = make_practitioner()
    insert(practitioner, local(2026, 12, 1, 9))
    with pytest.raises(IntegrityError):
        insert(practitioner, local(2026, 12, 1, 9, 30))
    assert Appointment.objects.count() == 1


def test_the_buffer_after_a_visit_is_held_too():
    practitioner = make_practitioner()
    insert(practitioner, local(2026, 12, 1, 9))  # 09:00-09:45, buffer until 10:00
    with pytest.raises(IntegrityError):
        insert(practitioner, local(2026, 12, 1, 9, 50))


def test_touching_appointments_are_allowed():
    practitioner = make_practitioner()
    insert(practitioner, local(2026, 12, 1, 9))  # blocks until 10:00
    insert(practitioner, local(2026, 12, 1, 10))
    assert Appointment.objects.count() == 2


def test_different_practitioners_may_overlap():
    insert(make_practitioner(), local(2026, 12, 1, 9))
    insert(make_practitioner(), local(2026, 12, 1, 9))
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", ["declined", "cancelled", "completed", "no_show"])
def test_appointments_that_do_not_hold_time_do_not_block(status):
    practitioner = make_practitioner()
    insert(practitioner, local(2026, 12, 1, 9), status=status)
    insert(practitioner, local(2026, 12, 1, 9))
    assert Appointment.objects.count() == 2


def test_reactivating_a_cancelled_appointment_over_a_new_one_is_refused():
    practitioner = make_practitioner()
    old = insert(practitioner, local(2026, 12, 1, 9), status="cancelled")
    insert(practitioner, local(2026, 12, 1, 9))
    old.status = "confirmed"
    with pytest.raises(IntegrityError), transaction.atomic():
        old.save()


def test_start_must_be_before_end():
    with pytest.raises(IntegrityError):
        insert(make_practitioner(), local(2026, 12, 1, 9), minutes=0, buffer=0)
