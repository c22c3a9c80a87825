"""Fill the load-benchmark database (`make bench`) with a realistic clinic, and write the run's plan.

10 practitioners with weekly hours, about 3 months of past and 3 months of future appointments
(past ones mostly completed, future ones mostly confirmed, a few requested, cancelled, declined or
no-shows; never two overlapping for one practitioner), a pool of patients, a front-desk user with a
ready-made session, and the plan that clinic/bench/run.py and bench_queries read: the URLs to load,
the staff session id and a list of free times that can each be booked once.

Idempotent: a second run finds the bench practitioners, adds nothing, and writes a fresh plan.
It refuses to touch a database whose name does not contain "bench" (it adds thousands of made-up
appointments), unless --force.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from booking import schedules
from booking.availability import local_day_bounds
from booking.models import (
    Appointment,
    InsuranceNote,
    Patient,
    Practitioner,
    Screening,
    Service,
    TimeOff,
    WorkingHours,
)

SLUG_PREFIX = "bench-"
STAFF_USERNAME = "bench-frontdesk"
DAYS_BACK = DAYS_AHEAD = 91  # about 3 months each way
PATIENTS = 2500
FULL_WEEK = [(d, 8, 12) for d in range(5)] + [(d, 13, 17) for d in range(5)]
# (name, credentials, [(weekday, from hour, to hour)]): full-timers, part-timers, evenings, Saturdays.
PRACTITIONERS = [
    ("Ava Bennett", "Physiotherapist, Gunn IMS certified", FULL_WEEK),
    ("Liam Tremblay", "Physiotherapist, Gunn IMS certified", FULL_WEEK),
    ("Noor Haddad", "Physiotherapist, Gunn IMS certified",
     [(d, 9, 12) for d in range(4)] + [(d, 13, 18) for d in range(4)]),
    ("Ethan Wong", "Physiotherapist, Gunn IMS certified",
     [(d, 12, 20) for d in (0, 2, 4)] + [(5, 9, 13)]),
    ("Chloe Gill", "Physiotherapist, Gunn IMS certified",
     [(d, 8, 12) for d in (1, 2, 3)] + [(d, 13, 16) for d in (1, 2, 3)] + [(5, 9, 13)]),
    ("Mateo Rossi", "Physiotherapist, Gunn IMS certified", FULL_WEEK),
    ("Hana Sato", "Physiotherapist, Gunn IMS certified",
     [(d, 7, 11) for d in range(5)] + [(d, 11, 15) for d in range(5)]),
    ("Owen MacLeod", "Physiotherapist, Gunn IMS certified",
     [(d, 10, 13) for d in (0, 1, 3, 4)] + [(d, 14, 19) for d in (0, 1, 3, 4)]),
    ("Priya Nair", "Physiotherapist, Gunn IMS certified",
     [(d, 8, 12) for d in (0, 2, 4)] + [(d, 12, 16) for d in (0, 2, 4)]),
    ("Lucas Fournier", "Physiotherapist, Gunn IMS certified",
     [(d, 9, 13) for d in range(1, 6)] + [(d, 14, 17) for d in range(1, 5)]),
]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Avery", "Quinn",
               "Harper", "Rowan", "Emerson", "Parker", "Robin", "Skyler", "Dana", "Kai", "Reese", "Drew"]
LAST_NAMES = ["Smith", "Brown", "Tremblay", "Martin", "Roy", "Wilson", "Gagnon", "Lee", "Chen", "Singh",
              "Johnson", "Macdonald", "Taylor", "Campbell", "Anderson", "Leblanc", "Thompson", "White", "Kaur",
              "Nguyen"]


class Command(BaseCommand):
    help = "Create the load-benchmark data set (idempotent) and write the plan for `make bench`."

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=Path, help="Write the run's plan (URLs, session, free times) here.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Allow a database whose name lacks 'bench'.")

    def handle(self, *args, plan: Path | None, seed: int, force: bool, **options):
        name = settings.DATABASES["default"]["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Refusing to add benchmark data to database {name!r}: run it with "
                               "CLINIC_DB_NAME=clinic_bench (as `make bench` does), or pass --force.")
        now = timezone.now()
        rng = random.Random(seed)
        if Practitioner.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            self.stdout.write("Benchmark data already present: nothing added.")
        else:
            with transaction.atomic():
                self._create(rng, now)
        staff = self._staff_user()
        if plan is not None:
            data = self._plan(now, staff)
            plan.write_text(json.dumps(data, indent=1))
            self.stdout.write(f"Plan written to {plan} ({len(data['free_slots'])} bookable free times).")

    # --- data -------------------------------------------------------------------------------
    def _create(self, rng: random.Random, now: datetime) -> None:
        tz = schedules.clinic_zone()
        today = timezone.localtime(now, tz).date()
        first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
        closed = set(schedules.closures(first, last))
        offered = list(Service.objects.filter(slug__in=["ims-assessment", "ims-follow-up"]).order_by("slug"))
        if len(offered) != 2:
            raise CommandError("The shipped services are missing: run `manage.py migrate` first.")
        assessment, follow_up = offered

        practitioners = []
        for order, (name, credentials, _) in enumerate(PRACTITIONERS):
            slug = SLUG_PREFIX + name.lower().replace(" ", "-")
            practitioners.append(Practitioner(name=name, slug=slug, credentials=credentials, order=order,
                                              bio=f"{name.split()[0]} treats long-lasting muscle pain with IMS."))
        Practitioner.objects.bulk_create(practitioners)
        Practitioner.services.through.objects.bulk_create(
            Practitioner.services.through(practitioner_id=p.pk, service_id=s.pk)
            for p in practitioners for s in offered
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=p, weekday=day, start=time(h1), end=time(h2))
            for p, (_, _, hours) in zip(practitioners, PRACTITIONERS, strict=True) for day, h1, h2 in hours
        )
        # Everyone takes one week off in the six months.
        time_off = []
        for p in practitioners:
            monday = first + timedelta(days=rng.randrange(0, DAYS_BACK + DAYS_AHEAD - 7))
            monday -= timedelta(days=monday.weekday())
            start, _ = local_day_bounds(monday, tz)
            _, end = local_day_bounds(monday + timedelta(days=6), tz)
            time_off.append(TimeOff(practitioner=p, start=start, end=end, reason="Vacation"))
        TimeOff.objects.bulk_create(time_off)
        away = {(t.practitioner_id, t.start.astimezone(tz).date() + timedelta(days=i)) for t in time_off
                for i in range(7)}

        patients = Patient.objects.bulk_create(
            Patient(first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                    email=f"bench.patient{n}@example.com", phone=f"604-555-{n % 10000:04d}",
                    date_of_birth=date(1940 + n % 65, 1 + n % 12, 1 + n % 28))
            for n in range(PATIENTS)
        )

        appointments = []
        references: set[str] = set()
        for p, (_, _, hours) in zip(practitioners, PRACTITIONERS, strict=True):
            for offset in range((last - first).days + 1):
                day = first + timedelta(days=offset)
                if day in closed or (p.pk, day) in away:
                    continue
                days_ahead = (day - today).days
                # Busy in the past and the next few weeks, thinning out towards three months ahead.
                busy = 0.8 if days_ahead < 0 else max(0.1, 0.75 - 0.7 * days_ahead / DAYS_AHEAD)
                # Time left free comes in short gaps in the past, in whole free hours ahead.
                gaps = (15, 30, 45) if days_ahead < 0 else (30, 60, 60, 90)
                for weekday, h1, h2 in hours:
                    if weekday != day.weekday():
                        continue
                    cursor = datetime.combine(day, time(h1), tzinfo=tz)
                    period_end = datetime.combine(day, time(h2), tzinfo=tz)
                    while True:
                        service = assessment if rng.random() < 0.25 else follow_up
                        if cursor + service.duration + service.buffer > period_end:
                            break
                        if rng.random() < busy:
                            appointments.append(self._appointment(rng, p, service, rng.choice(patients),
                                                                  cursor, days_ahead, now, references))
                            cursor += service.duration + service.buffer
                        else:
                            cursor += timedelta(minutes=rng.choice(gaps))
        Appointment.objects.bulk_create(appointments, batch_size=2000)
        InsuranceNote.objects.bulk_create(
            (InsuranceNote(appointment=a, kind=rng.choice(("self_pay", "extended_health", "extended_health",
                                                           "icbc", "worksafebc")),
                           insurer="Pacific Blue Cross") for a in appointments), batch_size=2000)
        Screening.objects.bulk_create((Screening(appointment=a, fear_of_needles=rng.random() < 0.1)
                                       for a in appointments), batch_size=2000)
        by_status: dict[str, int] = {}
        for a in appointments:
            by_status[a.status] = by_status.get(a.status, 0) + 1
        self.stdout.write(
            f"Created {len(practitioners)} practitioners, {len(patients)} patients and {len(appointments)} "
            f"appointments from {first} to {last} ("
            + ", ".join(f"{n} {status}" for status, n in sorted(by_status.items())) + ")."
        )

    @staticmethod
    def _appointment(rng, practitioner, service, patient, start_local, days_ahead, now, references) -> Appointment:
        Status = Appointment.Status
        roll = rng.random()
        if days_ahead < 0:
            status = (Status.COMPLETED if roll < 0.88 else Status.CANCELLED if roll < 0.94
                      else Status.NO_SHOW if roll < 0.98 else Status.DECLINED)
        else:
            status = Status.CONFIRMED if roll < 0.8 else Status.REQUESTED if roll < 0.9 else Status.CANCELLED
        start = start_local.astimezone(UTC)
        if status == Status.CONFIRMED and start < now:  # earlier today: not marked done yet
            status = Status.COMPLETED
        while (reference := Appointment.new_reference()) in references:
            pass
        references.add(reference)
        return Appointment(
            reference=reference, practitioner=practitioner, service=service, patient=patient,
            start=start, end=start + service.duration, blocks_until=start + service.duration + service.buffer,
            status=status, source=Appointment.Source.ONLINE if roll < 0.6 else Appointment.Source.STAFF,
            contact_phone=patient.phone,
            arrived_at=start - timedelta(minutes=5) if status == Status.COMPLETED else None,
            # Unique like a real one; nobody needs the token itself.
            manage_token_hash=hashlib.sha256(f"bench-{reference}".encode()).hexdigest(),
        )

    def _staff_user(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=STAFF_USERNAME, defaults={"is_staff": True})
        if created:
            user.set_unusable_password()  # the benchmark signs in through a session made below
            user.save()
        user.groups.add(*Group.objects.filter(name="Front desk"))
        return user

    # --- the plan -----------------------------------------------------------------------------
    def _plan(self, now: datetime, staff) -> dict:
        tz = schedules.clinic_zone()
        today = timezone.localtime(now, tz).date()
        service = Service.objects.get(slug="ims-assessment")
        monday = today + timedelta(days=7 - today.weekday())  # next week's Monday
        week = schedules.available_slots(service=service, practitioner=None, first=monday,
                                        last=monday + timedelta(days=6), now=now)
        slot_day = timezone.localtime(week[0].start, tz).date() if week else monday
        closed = set(schedules.closures(today, today + timedelta(days=14)))
        staff_day = next(d for d in (today + timedelta(days=i) for i in range(15))
                         if d.weekday() < 5 and d not in closed)

        # Free times anyone could book, at most one per practitioner per hour, so that booking all of
        # them never makes one clash with another: every POST of the run goes to a different one.
        free: list[tuple[datetime, str]] = []
        block = service.duration + service.buffer
        for practitioner in Practitioner.objects.offering(service):
            taken_until = None
            for slot in schedules.available_slots(service=service, practitioner=practitioner, first=today,
                                                 last=today + timedelta(days=settings.BOOKING_HORIZON_DAYS),
                                                 now=now):
                if taken_until is None or slot.start >= taken_until:
                    free.append((slot.start, practitioner.slug))
                    taken_until = slot.start + block
        free.sort()

        session = SessionStore()
        session[SESSION_KEY] = str(staff.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
        session.set_expiry(settings.SESSION_COOKIE_AGE)
        session.create()
        # A patient part-way through a booking (any session will do): such visits are never served the
        # cached schedule, so the benchmark measures the page rendered afresh too.
        patient_session = SessionStore()
        patient_session["bench_visitor"] = True
        patient_session.set_expiry(settings.SESSION_COOKIE_AGE)
        patient_session.create()

        schedule = f"/book/{service.slug}/?who=any&week={monday.isoformat()}"
        return {
            "database": connection.settings_dict["NAME"],
            "generated_at": now.isoformat(),
            "counts": {
                "practitioners": Practitioner.objects.active().count(),
                "appointments": Appointment.objects.count(),
                "appointments_active": Appointment.objects.active().count(),
                "patients": Patient.objects.count(),
            },
            "week": monday.isoformat(),
            "slot_day": slot_day.isoformat(),
            "staff_day": staff_day.isoformat(),
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "session_key": session.session_key,
            "patient_session_key": patient_session.session_key,
            "urls": {
                "healthz": "/healthz",
                "home": "/",
                "article": "/ims/what-is-ims/",
                "search": "/ims/search/?q=whiplash",
                "week": schedule,
                "slots": f"{schedule}&day={slot_day.isoformat()}",
                "slots_session": f"{schedule}&day={slot_day.isoformat()}",
                "staff_day": f"/staff/day/?date={staff_day.isoformat()}",
                "book": f"/book/{service.slug}/details/",
            },
            "free_slots": [{"who": who, "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
                           for start, who in free],
        }
