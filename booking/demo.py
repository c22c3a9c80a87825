"""Demo practitioners, timetables and a few requests, for `make run`. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Appointment, Patient, Practitioner, Service, WorkingHours
from .schedules import available_slots, local_date
from .services import SlotTaken, book_appointment

PRACTITIONERS = [
    ("maya-chen", "Maya Chen", "Physiotherapist, Gunn IMS certified",
     "Maya has treated long-lasting neck and back pain with IMS for over ten years.",
     [(0, 8, 12), (0, 13, 17), (1, 8, 12), (1, 13, 17), (3, 10, 13), (3, 14, 18), (4, 8, 12)]),
    ("daniel-okafor", "Daniel Okafor", "Physiotherapist, Gunn IMS certified",
     "Daniel works with runners and people in physical jobs recovering from work injuries.",
     [(0, 12, 18), (2, 8, 12), (2, 13, 18), (3, 8, 12), (4, 13, 18)]),
    ("sofia-martinez", "Sofia Martinez", "Physiotherapist, Gunn IMS certified",
     "Sofia has a special interest in headaches, jaw pain and whiplash after car crashes.",
     [(1, 9, 12), (1, 13, 17), (2, 9, 12), (4, 9, 12), (4, 13, 16), (5, 9, 13)]),
]

DEMO_PATIENTS = [
    ("Avery", "Thompson", "avery.thompson@example.com", "604-555-0110", date(1985, 4, 12)),
    ("Jordan", "Singh", "jordan.singh@example.com", "604-555-0111", date(1978, 9, 30)),
]


def create_demo_data(*, stdout=None) -> None:
    services = list(Service.objects.filter(slug__in=["ims-assessment", "ims-follow-up"]))
    created = 0
    for slug, name, credentials, bio, hours in PRACTITIONERS:
        practitioner, was_created = Practitioner.objects.get_or_create(
            slug=slug, defaults={"name": name, "credentials": credentials, "bio": bio}
        )
        if was_created:
            created += 1
            practitioner.services.set(services)
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, weekday=day, start=time(h1), end=time(h2))
                for day, h1, h2 in hours
            )
    if created and stdout:
        stdout.write(f"Created {created} demo practitioners with weekly hours.")
    # the demo practitioner sign-in (see setup_site) sees Maya Chen's patients
    Practitioner.objects.filter(slug="maya-chen", user__isnull=True).update(
        user=get_user_model().objects.filter(username="maya").first())
    _demo_requests(stdout)


def _demo_requests(stdout) -> None:
    """Two pending online requests so the front desk has something in its queue."""
    if Patient.objects.filter(email__in=[p[2] for p in DEMO_PATIENTS]).exists():
        return
    service = Service.objects.get(slug="ims-assessment")
    now = timezone.now()
    today = local_date(now)
    slots = available_slots(service=service, practitioner=None, first=today + timedelta(days=2),
                            last=today + timedelta(days=9), now=now)
    for (first, last, email, phone, dob), slot in zip(DEMO_PATIENTS, slots[::7], strict=False):
        patient = Patient.objects.create(first_name=first, last_name=last, email=email, phone=phone,
                                         date_of_birth=dob)
        try:
            book_appointment(service=service, practitioner=None, patient=patient, start=slot.start, now=now,
                             insurance={"kind": "extended_health", "insurer": "Pacific Blue Cross",
                                        "direct_billing": True},
                             patient_note="Neck pain for about six months.", contact_phone=phone,
                             source=Appointment.Source.ONLINE)
        except SlotTaken:
            continue
    if stdout:
        stdout.write("Created demo booking requests.")
