"""A few factory functions (plain code beats a framework for this size)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from booking import services
from booking.models import Patient, Practitioner, Screening, Service, WorkingHours

VANCOUVER = ZoneInfo("America/Vancouver")
# A Monday, 08:00 in BC (UTC-7): the clock most booking tests run at.
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
_seq = count(1)


def local(year, month, day, hour, minute=0) -> datetime:
    """An aware datetime in the clinic's zone, converted to UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=VANCOUVER).astimezone(UTC)


def make_service(slug="ims-assessment", **overrides) -> Service:
    defaults = {
        "name": "IMS initial assessment and treatment" if slug == "ims-assessment" else f"Service {slug}",
        "duration_minutes": 45, "buffer_minutes": 15, "price": Decimal("140.00"),
        "requires_prior_assessment": False,
    }
    if slug == "ims-follow-up":
        defaults.update(name="IMS follow-up", duration_minutes=30, buffer_minutes=0, requires_prior_assessment=True)
    defaults.update(overrides)
    service, created = Service.objects.get_or_create(slug=slug, defaults=defaults)
    if not created and overrides:
        Service.objects.filter(pk=service.pk).update(**overrides)
        service.refresh_from_db()
    return service


def make_practitioner(name=None, *, services_=None, hours=((9, 12), (13, 17)), weekdays=range(5)) -> Practitioner:
    n = next(_seq)
    practitioner = Practitioner.objects.create(
        name=name or f"Practitioner {n}", slug=f"practitioner-{n}", credentials="Physiotherapist, Gunn IMS certified"
    )
    practitioner.services.set(services_ if services_ is not None else [make_service()])
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, weekday=day, start=time(h1), end=time(h2))
        for day in weekdays for h1, h2 in hours
    )
    return practitioner


def make_patient(email=None, **overrides) -> Patient:
    n = next(_seq)
    data = {"first_name": "Robin", "last_name": f"Patient{n}", "email": email or f"patient{n}@example.com",
            "phone": "604-555-0100", "date_of_birth": datetime(1980, 5, 17).date()}
    data.update(overrides)
    return Patient.objects.create(**data)


def book(*, start, service=None, practitioner=None, patient=None, now=NOW, **kwargs):
    appointment, token = services.book_appointment(
        service=service or make_service(), practitioner=practitioner, patient=patient or make_patient(),
        start=start, now=now, **kwargs,
    )
    return appointment, token


def details_data(start: datetime, *, who="any", action="review", **overrides) -> dict:
    """A complete, valid POST for the details form."""
    data = {
        "who": who, "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "action": action,
        "p-first_name": "Alex", "p-last_name": "Rivera", "p-email": f"alex{next(_seq)}@example.com",
        "p-phone": "604-555-0199", "p-date_of_birth": "1984-02-29", "p-phn": "", "p-patient_note": "Sore neck",
        "p-consent": "on", "p-website": "", "i-kind": "self_pay",
    }
    for name, _, _ in Screening.QUESTIONS:
        data[f"s-{name}"] = "no"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
