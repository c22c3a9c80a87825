"""Demo practitioners, timetables and a few requests, for `make run`. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from education.models import Condition

from .billing import services as billing
from .billing.models import FeePolicy, Invoice
from .courses.models import Course, CourseVisit, VisitScore
from .courses.services import open_course
from .models import Appointment, Patient, Practitioner, Screening, Service, WaitlistEntry, WorkingHours
from .schedules import available_slots, local_date, local_to_utc, staff_rules
from .services import SlotTaken, book_appointment, cancel_appointment, mark_attendance
from .visits import save_note
from .waitlist import services as waitlist

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

# Demo visits are placed where the demo needs them; a visit close to another IMS visit shows its flag.
DEMO_OVERRIDE = "Demo data"
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
    _demo_billing(stdout)
    _demo_after_visits(stdout)
    _demo_course(stdout)
    _demo_waitlist(stdout)


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
                             # online requests answer the safety questions; one says yes to blood thinners
                             screening={**{name: False for name, _, _ in Screening.QUESTIONS},
                                        "blood_thinners": first == "Jordan"},
                             source=Appointment.Source.ONLINE)
        except SlotTaken:
            continue
    if stdout:
        stdout.write("Created demo booking requests.")


def _demo_billing(stdout) -> None:
    """Last week's visit of a demo patient, seen, checked out and paid in two parts (ICBC, then debit),
    so the invoice, its receipt and the manage link's receipt download have something to show."""
    if Invoice.objects.exists():
        return
    service = Service.objects.get(slug="ims-assessment")
    practitioner = Practitioner.objects.get(slug="maya-chen")
    if not practitioner.registration_number:
        Practitioner.objects.filter(pk=practitioner.pk).update(registration_number="PT-04417")
    now = timezone.now()
    week_ago = now - timedelta(days=7)
    day = local_date(week_ago)
    slots = available_slots(service=service, practitioner=practitioner, first=day, last=day + timedelta(days=5),
                            now=week_ago - timedelta(days=2), rules=staff_rules())
    slot = next((s for s in slots if s.start + service.duration < now - timedelta(days=1)), None)
    patient = Patient.objects.filter(email=DEMO_PATIENTS[0][2]).first()
    if slot is None or patient is None:
        return
    appointment, _ = book_appointment(
        service=service, practitioner=practitioner, patient=patient, start=slot.start, now=week_ago - timedelta(days=2),
        source=Appointment.Source.STAFF, insurance={"kind": "icbc", "claim_number": "DEMO-1234"},
        contact_phone=patient.phone)
    mark_attendance(appointment=appointment, status=Appointment.Status.COMPLETED, actor=None,
                    now=slot.start + service.duration)
    invoice = billing.check_out(appointment=appointment, actor=None, now=slot.start + service.duration)
    paid_on = local_date(slot.start)
    icbc_part = min(invoice.total, Decimal("106.63"))
    billing.record_payment(invoice=invoice, method="icbc", amount=icbc_part, received_on=paid_on, payer="ICBC",
                           reference="DEMO-1234", actor=None, now=slot.start + service.duration)
    if invoice.total > icbc_part:
        billing.record_payment(invoice=invoice, method="debit", amount=invoice.total - icbc_part, received_on=paid_on,
                               actor=None, now=slot.start + service.duration)
    if stdout:
        stdout.write(f"Created a demo paid visit with receipt {invoice.display_number}.")


def _past_visit(patient: Patient, practitioner: Practitioner, days_ago: int) -> Appointment | None:
    """A confirmed visit of ``patient`` at the last free time of the five days up to ``days_ago`` days back."""
    service = Service.objects.get(slug="ims-follow-up")
    now = timezone.now()
    day = local_date(now - timedelta(days=days_ago))
    booked_at = now - timedelta(days=days_ago + 5)
    slots = available_slots(service=service, practitioner=practitioner, first=day - timedelta(days=4), last=day,
                            now=booked_at, rules=staff_rules())
    slot = next((s for s in reversed(slots) if s.start + service.duration < now - timedelta(hours=2)), None)
    if slot is None:
        return None
    appointment, _ = book_appointment(service=service, practitioner=practitioner, patient=patient, start=slot.start,
                                      now=booked_at, source=Appointment.Source.STAFF, contact_phone=patient.phone,
                                      spacing_override=DEMO_OVERRIDE)
    return appointment


def _demo_after_visits(stdout) -> None:
    """The fee policy turned on, a missed visit whose fee the desk still has to charge or waive, a
    checked-out visit still owing, and Maya's private note on last week's paid visit."""
    policy = FeePolicy.load()
    if policy.enabled:
        return
    FeePolicy.objects.filter(pk=policy.pk).update(enabled=True)
    maya = Practitioner.objects.get(slug="maya-chen")
    avery, jordan = (Patient.objects.filter(email=p[2]).first() for p in DEMO_PATIENTS)
    if avery is None or jordan is None:
        return
    missed = _past_visit(jordan, maya, days_ago=3)
    if missed is not None:
        mark_attendance(appointment=missed, status=Appointment.Status.NO_SHOW, actor=None,
                        now=missed.start + timedelta(minutes=20))
    owing = _past_visit(avery, maya, days_ago=2)
    if owing is not None:
        mark_attendance(appointment=owing, status=Appointment.Status.COMPLETED, actor=None, now=owing.end)
        billing.check_out(appointment=owing, actor=None, now=owing.end)
    user = maya.user
    paid = Invoice.objects.filter(kind=Invoice.Kind.VISIT, amount_paid__gt=0).select_related("appointment").first()
    if user is not None and paid is not None:
        save_note(appointment=paid.appointment, actor=user, now=paid.issued_at,
                  text="Left upper trapezius and levator scapulae needled; strong twitch responses. "
                       "Neck rotation better after treatment. Plan: review in one week.")
    if stdout:
        stdout.write("Turned on the demo fee policy; added a missed visit, an unpaid visit and a visit note.")


def _visit_on(patient: Patient, practitioner: Practitioner, day: date, slug: str) -> Appointment | None:
    """A confirmed visit at the practitioner's first free time of ``day`` (booked five days before)."""
    service = Service.objects.get(slug=slug)
    booked_at = local_to_utc(day=day, at=time(8)) - timedelta(days=5)
    slots = available_slots(service=service, practitioner=practitioner, first=day, last=day, now=booked_at,
                            rules=staff_rules())
    if not slots:
        return None
    appointment, _ = book_appointment(service=service, practitioner=practitioner, patient=patient,
                                      start=slots[0].start, now=booked_at, source=Appointment.Source.STAFF,
                                      contact_phone=patient.phone)
    return appointment


COURSE_PATIENT = ("Casey", "Morgan", "casey.morgan@example.com", "604-555-0112", date(1969, 2, 3))


def _demo_course(stdout) -> None:
    """An IMS course at its 4th visit with little change in pain: the review is due and Today flags it;
    two visits of the trial are left to book as a series."""
    first, last, email, phone, dob = COURSE_PATIENT
    if Patient.objects.filter(email=email).exists():
        return
    patient = Patient.objects.create(first_name=first, last_name=last, email=email, phone=phone, date_of_birth=dob)
    maya = Practitioner.objects.get(slug="maya-chen")
    today = local_date(timezone.now())
    last_tuesday = today - timedelta(days=7 + (today.weekday() - 1) % 7)  # Maya works Tuesdays; a week back at least
    visits = []
    for n in range(4):  # four Tuesdays in a row, a week apart
        visit = _visit_on(patient, maya, last_tuesday - timedelta(days=7 * (3 - n)),
                          "ims-assessment" if n == 0 else "ims-follow-up")
        if visit is None:
            return
        mark_attendance(appointment=visit, status=Appointment.Status.COMPLETED, actor=None, now=visit.end)
        visits.append(visit)
    course = open_course(appointment=visits[0], area="Right shoulder and upper back", planned_visits=6,
                         actor=None, now=visits[0].end,
                         condition=Condition.objects.filter(slug__contains="shoulder").first())
    Course.objects.filter(pk=course.pk).update(activity_1="Reaching up to a shelf", activity_2="Sleeping on the side")
    for visit, (pain, reach, sleep) in zip(visits, ((7, 3, 4), (6, 4, 4), (6, 4, 5), (6, 4, 5)), strict=True):
        if visit is not visits[0]:
            CourseVisit.objects.create(course=course, appointment=visit)
        VisitScore.objects.create(appointment=visit, pain=pain, activity_1=reach, activity_2=sleep,
                                  recorded_at=visit.end, recorded_by=maya.user)
    if stdout:
        stdout.write("Created a demo IMS course at its 4th visit, its review due.")


WAITLIST = [  # (first, last, email, practitioner slug or None, weekdays, parts of the day)
    ("Priya", "Nair", "priya.nair@example.com", None, [0, 1, 2, 3, 4], ["morning"]),
    ("Tom", "Becker", "tom.becker@example.com", "daniel-okafor", [0, 2, 4], ["afternoon", "evening"]),
    ("Lena", "Park", "lena.park@example.com", "sofia-martinez", [4, 5], ["morning", "afternoon"]),
]


def _demo_waitlist(stdout) -> None:
    """Three patients on the waitlist for an assessment, and a visit cancelled next week: its time is offered
    (by the task worker) to the first of them it suits, so the waitlist page shows an offer and its outcome."""
    if WaitlistEntry.objects.exists():
        return
    service = Service.objects.get(slug="ims-assessment")
    today = local_date(timezone.now())
    for first, last, email, slug, weekdays, parts in WAITLIST:
        waitlist.join(service=service, practitioner=Practitioner.objects.filter(slug=slug).first(), earliest=today,
                      latest=today + timedelta(days=28), weekdays=weekdays, parts_of_day=parts, first_name=first,
                      last_name=last, email=email, phone="604-555-0130")
    patient, _ = Patient.objects.get_or_create(email="sam.wong@example.com", defaults={
        "first_name": "Sam", "last_name": "Wong", "phone": "604-555-0131", "date_of_birth": date(1990, 7, 21)})
    maya = Practitioner.objects.get(slug="maya-chen")
    for days in range(2, 9):  # Maya's first morning free next week, booked by phone and then cancelled
        day = today + timedelta(days=days)
        slots = [s for s in available_slots(service=service, practitioner=maya, first=day, last=day,
                                            now=timezone.now()) if timezone.localtime(s.start).hour < 12]
        if slots:
            visit, _ = book_appointment(service=service, practitioner=maya, patient=patient, start=slots[0].start,
                                        now=timezone.now(), source=Appointment.Source.STAFF)
            cancel_appointment(appointment=visit, now=timezone.now(), reason="Demo: the patient called in sick",
                               patient_asked=True)
            break
    if stdout:
        stdout.write("Created a demo waitlist with an offer of a cancelled time.")
