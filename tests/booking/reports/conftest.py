"""Visits, payments and users for the report tests, made through the same services the desk uses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from booking import services
from booking.models import Appointment
from tests.factories import book, make_patient

Status = Appointment.Status
PASSWORD = "a-long-test-password"


def visit(start: datetime, practitioner, *, status=Status.COMPLETED, service=None, patient=None) -> Appointment:
    """A staff booking at ``start`` (outside working hours, and close to the patient's other IMS visits,
    allowed: the reports count whatever is on the books), then given ``status`` directly."""
    kwargs = {"service": service} if service is not None else {}
    appointment, _ = book(start=start, practitioner=practitioner, patient=patient or make_patient(),
                          source=Appointment.Source.STAFF, allow_outside_hours=True, now=start - timedelta(days=1),
                          spacing_override="Test data", **kwargs)
    if status != Status.CONFIRMED:
        Appointment.objects.filter(pk=appointment.pk).update(status=status)
        appointment.refresh_from_db()
    return appointment


def cancelled(start: datetime, practitioner, *, at: datetime, **kwargs) -> Appointment:
    """A confirmed visit the patient asked the desk to cancel at ``at`` (the history entry is stamped then)."""
    appointment = visit(start, practitioner, status=Status.CONFIRMED, **kwargs)
    with time_machine.travel(at, tick=False):
        return services.cancel_appointment(appointment=appointment, now=at, actor=None, patient_asked=True)


@pytest.fixture
def users(staff_roles):
    found = {}
    for role in ("Front desk", "Clinic admin", "Practitioner"):
        found[role] = User.objects.create_user(role.lower().replace(" ", "-"), password=PASSWORD)
        found[role].groups.add(Group.objects.get(name=role))
    return found
