"""Time the slot list for 28 days, 10 practitioners and 1,000 appointments, ORM included.

Everything is created inside a transaction that is rolled back: the database is left as it was.
Run with `make bench-availability`.
"""

import random
import statistics
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from booking import availability, schedules
from booking.models import Appointment, Patient, Practitioner, Service, WorkingHours, hash_token
from clinic.bench import availability as bench_availability


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark listing 28 days of free slots (ORM + engine); prints milliseconds and query count."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, runs: int, **options):
        self.stdout.write("Pure engine (no database):")
        bench_availability.run(print_fn=lambda line: self.stdout.write("  " + line))
        try:
            with transaction.atomic():
                self._bench(runs)
                raise Rollback
        except Rollback:
            pass

    def _bench(self, runs: int) -> None:
        rng = random.Random(7)
        first = date(2027, 3, 1)  # a Monday, well inside any future horizon we set below
        last = first + timedelta(days=27)
        now = datetime.combine(first - timedelta(days=1), time(12), tzinfo=UTC)
        service = Service.objects.create(name="Bench IMS", slug="bench-ims", duration_minutes=45, buffer_minutes=15,
                                         price=Decimal("100"))
        patient = Patient.objects.create(first_name="Bench", last_name="Patient", email="bench@example.com",
                                         phone="6045550100", date_of_birth=date(1980, 1, 1))
        zone = schedules.clinic_zone()
        appointments = []
        for n in range(10):
            practitioner = Practitioner.objects.create(name=f"Bench {n}", slug=f"bench-{n}", credentials="PT")
            practitioner.services.add(service)
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, weekday=d, start=time(h1), end=time(h2))
                for d in range(5) for h1, h2 in ((8, 12), (13, 18))
            )
            hourly = [datetime.combine(first + timedelta(days=d), time(h), tzinfo=zone).astimezone(UTC)
                      for d in range(28) if (first + timedelta(days=d)).weekday() < 5
                      for h in (8, 9, 10, 11, 13, 14, 15, 16, 17)]
            for i, start in enumerate(rng.sample(hourly, 100)):
                appointments.append(Appointment(
                    reference=f"B{n:02d}{i:03d}", practitioner=practitioner, service=service, patient=patient,
                    start=start, end=start + timedelta(minutes=45), blocks_until=start + timedelta(hours=1),
                    status="confirmed", manage_token_hash=hash_token(f"bench-{n}-{i}"),
                ))
        Appointment.objects.bulk_create(appointments)
        rules = availability.Rules(horizon=timedelta(days=90))
        timings = []
        for run in range(runs + 1):
            with CaptureQueriesContext(connection) as queries:
                began = clock.perf_counter()
                slots = schedules.available_slots(service=service, practitioner=None, first=first, last=last,
                                                 now=now, rules=rules)
                elapsed = (clock.perf_counter() - began) * 1000
            if run:  # the first run warms caches and connections
                timings.append(elapsed)
        self.stdout.write(
            f"With the database: 28 days x 10 practitioners, {len(appointments)} appointments: "
            f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms, "
            f"{len(queries)} queries, {len(slots)} slots (target: under 50 ms)"
        )
