"""Fill the load-benchmark database (`make bench`) with a realistic clinic, and write the run's plan.

10 practitioners with weekly hours, about 3 months of past and 3 months of future appointments
(past ones mostly completed, future ones mostly confirmed, a few requested, cancelled, declined or
no-shows; never two overlapping for one practitioner), a pool of patients, a front-desk user (also a
clinic admin, so that it takes payments and sees the money reports) with a ready-made session, and the
plan that clinic/bench/run.py and bench_queries read: the URLs to load, the staff session id, a list of
free times that can each be booked once and a list of visits that can each be checked out once.

Billing as the front desk would have left it: every completed visit older than UNBILLED_DAYS has its
invoice (numbers consecutive from the counter row, which ends at the last one used), one line at the
service's price and its payments (card, cash, e-transfer, or the insurer, ICBC or WorkSafeBC with the
patient's top-up; about one in ten still owing). The completed visits since then (8 weeks: far more
than a real front desk leaves open, because the check-out POST of the benchmark needs one for each
request) are not checked out yet.

IMS courses (issue 15) for COURSES patients kept for them: each course is a run of one practitioner's
kept visits 7 to 14 days apart (1 to 8 of them, the first in the last three months), with the payer of
the first visit's insurance note (the same on every visit of the course, with the crash or injury date
for ICBC and WorkSafeBC), a pain score (0-10, easing a little) and one activity rating at each completed
visit, and the review at the 4th completed visit for most. The plan names one course with a few scored
visits (the course page and its chart) and one whose latest visit is recent with visits left to book
(the series proposal).

Idempotent: a second run finds the bench practitioners, adds nothing, and writes a fresh plan.
It refuses to touch a database whose name does not contain "bench" (it adds thousands of made-up
appointments), unless --force.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from booking import schedules
from booking.availability import local_day_bounds
from booking.billing.models import Invoice, InvoiceCounter, InvoiceLine, Payment
from booking.courses.models import TRIAL_DEFAULT, Course, CourseReview, CourseVisit, VisitScore
from booking.models import (
    KEPT_STATUSES,
    Appointment,
    InsuranceNote,
    Patient,
    Practitioner,
    Screening,
    Service,
    TimeOff,
    WaitlistEntry,
    WaitlistOffer,
    WorkingHours,
)
from clinic.auth import ModelBackend
from education.models import Condition

SLUG_PREFIX = "bench-"
CENT = Decimal("0.01")
STAFF_USERNAME = "bench-frontdesk"
DAYS_BACK = DAYS_AHEAD = 91  # about 3 months each way
# Completed visits of these last days are not invoiced yet. A real front desk would be a few days behind
# at most, but the check-out POST needs a visit of its own for each request (as the booking needs a free
# time): up to ~2,700 for a warm-up and run at ~230 a second; a week has ~380.
UNBILLED_DAYS = 56
PATIENTS = 2500
COURSES = 300  # patients with an IMS course; the other patients' visits are spread at random
# (area treated, the condition page it matches, an activity the patient finds hard)
COURSE_AREAS = [
    ("Neck and shoulder", "neck-pain", "Turning my head to drive"),
    ("Neck after a crash", "whiplash", "Looking over my shoulder"),
    ("Low back", "low-back-pain", "Sitting for an hour"),
    ("Upper back between the shoulder blades", "upper-back-pain", "Working at the computer"),
    ("Right elbow", "tennis-elbow", "Lifting a kettle"),
    ("Left shoulder", "frozen-shoulder", "Reaching a high shelf"),
    ("Buttock and back of the thigh", "piriformis-syndrome", "Climbing stairs"),
    ("Right knee", "knee-pain", "Kneeling in the garden"),
]
INSURANCE_KINDS = ("self_pay", "extended_health", "extended_health", "icbc", "worksafebc")
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
        staff = self._staff_user()
        if Practitioner.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            self.stdout.write("Benchmark data already present: nothing added.")
        else:
            with transaction.atomic():
                self._create(rng, now, staff)
        if plan is not None:
            data = self._plan(now, staff)
            plan.write_text(json.dumps(data, indent=1))
            self.stdout.write(f"Plan written to {plan} ({len(data['free_slots'])} bookable free times, "
                              f"{len(data['checkout_paths'])} visits to check out).")

    # --- data -------------------------------------------------------------------------------
    def _create(self, rng: random.Random, now: datetime, staff) -> None:
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
        course_patients, others = patients[:COURSES], patients[COURSES:]

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
                            appointments.append(self._appointment(rng, p, service, rng.choice(others),
                                                                  cursor, days_ahead, now, references))
                            cursor += service.duration + service.buffer
                        else:
                            cursor += timedelta(minutes=rng.choice(gaps))
        chains = self._course_chains(rng, appointments, practitioners, course_patients, first, tz)
        Appointment.objects.bulk_create(appointments, batch_size=2000)
        # A course's visits share its payer (and the crash or injury); any other visit's payer is drawn afresh.
        course_insurance = {id(a): (kind, incident) for _, visits, kind, incident in chains for a in visits}

        def note(appointment: Appointment) -> InsuranceNote:
            kind, incident = course_insurance.get(id(appointment)) or (rng.choice(INSURANCE_KINDS), None)
            return InsuranceNote(appointment=appointment, kind=kind, insurer="Pacific Blue Cross",
                                 incident_date=incident)

        notes = InsuranceNote.objects.bulk_create((note(a) for a in appointments), batch_size=2000)
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
        self._open_courses(rng, now, staff, chains)
        kinds = {note.appointment_id: note.kind for note in notes}
        billed_before = now - timedelta(days=UNBILLED_DAYS)
        self._bill(rng, now, staff, [a for a in appointments
                                     if a.status == Appointment.Status.COMPLETED and a.start < billed_before], kinds)

    @staticmethod
    def _course_chains(rng, appointments: list[Appointment], practitioners, patients, first: date,
                       tz) -> list[tuple[Patient, list[Appointment], str, date | None]]:
        """For each of ``patients``: (patient, the visits of their course, its payer, the crash or injury
        date). The visits are one practitioner's kept appointments (not saved yet), 7 to 14 days apart,
        the first on a day of the last three months; they are given to the patient here."""
        by_day: dict[tuple[int, date], list[Appointment]] = {}
        for a in appointments:
            if a.status in KEPT_STATUSES:
                by_day.setdefault((a.practitioner.pk, a.start.astimezone(tz).date()), []).append(a)
        taken: set[int] = set()  # id() of the appointments already in a course

        def free_on(practitioner, day: date) -> list[Appointment]:
            return [a for a in by_day.get((practitioner.pk, day), ()) if id(a) not in taken]

        chains = []
        for patient in patients:
            for _ in range(50):  # a practitioner and a day with a visit nobody's course has taken
                practitioner = rng.choice(practitioners)
                day = first + timedelta(days=rng.randrange(DAYS_BACK + 1))
                if candidates := free_on(practitioner, day):
                    break
            else:
                continue
            visits = [rng.choice(candidates)]
            taken.add(id(visits[0]))
            length, every = rng.randint(1, 8), rng.choice((7, 7, 7, 10, 14))
            gaps = sorted(range(7, 15), key=lambda n: (abs(n - every), n))  # the asked-for gap first
            while len(visits) < length:
                nearest = next((free for n in gaps if (free := free_on(practitioner, day + timedelta(days=n)))),
                               None)
                if nearest is None:
                    break
                visits.append(nearest[0])
                taken.add(id(nearest[0]))
                day = nearest[0].start.astimezone(tz).date()
            for a in visits:
                a.patient, a.contact_phone = patient, patient.phone
            kind = rng.choice(INSURANCE_KINDS)
            start_day = visits[0].start.astimezone(tz).date()
            incident = start_day - timedelta(days=rng.randrange(3, 40)) if kind in ("icbc", "worksafebc") else None
            chains.append((patient, visits, kind, incident))
        return chains

    def _open_courses(self, rng, now: datetime, staff, chains) -> None:
        """The courses of ``chains`` (saved visits by now), their pain scores and reviews."""
        tz = schedules.clinic_zone()
        conditions = {c.slug: c for c in Condition.objects.filter(slug__in=[slug for _, slug, _ in COURSE_AREAS])}
        Status, Completed = Course.Status, Appointment.Status.COMPLETED
        courses, reviews, scores = [], [], []
        for patient, visits, kind, _ in chains:
            area, slug, activity = rng.choice(COURSE_AREAS)
            done = [a for a in visits if a.status == Completed]
            reviewed = len(done) >= 4 and rng.random() < 0.85
            status = (Status.COMPLETED if len(done) == len(visits) >= 4 and visits[-1].start < now - timedelta(days=21)
                      else Status.CONTINUING if reviewed or len(visits) > TRIAL_DEFAULT else Status.TRIAL)
            course = Course(patient=patient, practitioner=visits[0].practitioner, condition=conditions.get(slug),
                            area=area, payer=kind, planned_visits=TRIAL_DEFAULT, status=status,
                            started_on=visits[0].start.astimezone(tz).date(), opened_at=min(visits[0].end, now),
                            opened_by=staff, activity_1=activity)
            courses.append(course)
            if reviewed:
                reviews.append(CourseReview(course=course, at_visit=4, decision=CourseReview.Decision.CONTINUE,
                                            decided_at=done[3].end, decided_by=staff))
            pain, ability = rng.randint(5, 9), rng.randint(1, 5)
            for a in done:
                scores.append(VisitScore(appointment=a, pain=pain, activity_1=ability,
                                         recorded_at=a.start + timedelta(minutes=10)))
                pain, ability = max(pain - rng.choice((0, 0, 1, 1, 2)), 0), min(ability + rng.choice((0, 1, 1)), 10)
        Course.objects.bulk_create(courses)
        links = CourseVisit.objects.bulk_create(CourseVisit(course=course, appointment=a)
                                                for course, (_, visits, _, _) in zip(courses, chains, strict=True)
                                                for a in visits)
        CourseReview.objects.bulk_create(reviews)
        VisitScore.objects.bulk_create(scores, batch_size=2000)
        self.stdout.write(f"Opened {len(courses)} IMS courses ({len(links)} visits, {len(scores)} pain scores, "
                          f"{len(reviews)} reviews).")

    @staticmethod
    def _payments(rng, total: Decimal, kind: str) -> list[tuple[str, Decimal, int, str]]:
        """How one invoice was paid: [(method, amount, days after the visit, payer)]. About one in ten
        still owes something: nothing paid yet, or the insurer's part in and the patient's top-up not."""
        Method = Payment.Method
        at_desk = (Method.DEBIT, Method.DEBIT, Method.CREDIT_CARD, Method.CREDIT_CARD, Method.CASH, Method.E_TRANSFER)
        roll = rng.random()
        if roll < 0.05:
            return []
        if kind in ("icbc", "worksafebc"):
            method = Method.ICBC if kind == "icbc" else Method.WORKSAFEBC
            return [(method, total, rng.randrange(5, 30), "ICBC" if kind == "icbc" else "WorkSafeBC")]
        if kind == "extended_health" and roll < 0.6:  # billed directly: the insurer's 80 %, then the top-up
            insurer = (total * Decimal("0.8")).quantize(CENT)
            paid = [(Method.INSURER, insurer, rng.randrange(2, 15), "Pacific Blue Cross")]
            if roll >= 0.1:
                paid.append((rng.choice(at_desk), total - insurer, 0, ""))
            return paid
        return [(rng.choice(at_desk), total, 0, "")]

    @staticmethod
    def _reference(rng, method: str) -> str:
        """The card terminal's receipt number or the third party's claim number; none for cash."""
        if method in (Payment.Method.CASH, Payment.Method.E_TRANSFER):
            return ""
        if method in (Payment.Method.DEBIT, Payment.Method.CREDIT_CARD):
            return f"{rng.randrange(10**5, 10**6)}"
        return f"C{rng.randrange(10**7, 10**8)}"

    def _bill(self, rng, now: datetime, staff, visits: list[Appointment], kinds: dict[int, str]) -> None:
        """Invoices, lines and payments for ``visits``, as the front desk would have checked them out."""
        tz = schedules.clinic_zone()
        today = timezone.localtime(now, tz).date()
        counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(pk=1)
        number = counter.last
        invoices, lines, payments = [], [], []
        for visit in sorted(visits, key=lambda a: (a.start, a.pk)):
            number += 1
            issued = visit.end + timedelta(minutes=rng.randrange(2, 15))
            total = visit.service.price
            invoice = Invoice(number=number, kind=Invoice.Kind.VISIT, appointment=visit, patient_id=visit.patient_id,
                              practitioner_id=visit.practitioner_id, service_date=timezone.localtime(visit.start, tz)
                              .date(), issued_at=issued, issued_by=staff, total=total)
            paid = []
            for method, amount, days_later, payer in self._payments(rng, total, kinds.get(visit.pk, "self_pay")):
                received = invoice.service_date + timedelta(days=days_later)
                if received > today:  # the insurer has not paid yet
                    continue
                recorded = issued if days_later == 0 else datetime.combine(received, time(11), tzinfo=tz)
                invoice.amount_paid += amount
                paid.append(Payment(invoice=invoice, method=method, amount=amount, received_on=received,
                                    payer=payer, reference=self._reference(rng, method),
                                    recorded_at=recorded, recorded_by=staff))
            if invoice.amount_paid == total:  # the receipt was emailed when the last payment came in
                invoice.receipt_sent_at = max(p.recorded_at for p in paid)
            payments += paid
            invoices.append(invoice)
            lines.append(InvoiceLine(invoice=invoice, service=visit.service, description=visit.service.name,
                                     amount=total))
        Invoice.objects.bulk_create(invoices, batch_size=2000)  # lines and payments take the new keys from them
        InvoiceLine.objects.bulk_create(lines, batch_size=2000)
        Payment.objects.bulk_create(payments, batch_size=2000)
        InvoiceCounter.objects.update_or_create(pk=1, defaults={"last": number})
        owing = sum(1 for i in invoices if i.amount_paid < i.total)
        self.stdout.write(f"Invoiced {len(invoices)} visits (numbers {counter.last + 1} to {number}), "
                          f"{len(payments)} payments, {owing} invoices still owing.")

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

    @staticmethod
    def _plan_courses(now: datetime) -> tuple[int, int]:
        """(a course for the course page, one for the series proposal). The first has a few scored visits
        and its review, and a payer whose visits are counted (ICBC's window, a plan's year); the second is
        open, its latest visit in the last two weeks and at least 4 visits left to book, so that the
        proposer looks at 8 weeks or more of the practitioner's free times."""
        courses = Course.objects.filter(practitioner__slug__startswith=SLUG_PREFIX)
        shown = (courses.filter(payer__in=["icbc", "extended_health"], reviews__isnull=False)
                 .annotate(scored=Count("visits__appointment__visit_score", distinct=True))
                 .filter(scored__range=(4, 6)).order_by("-scored", "pk").values_list("pk", flat=True).first())
        kept = Q(visits__appointment__status__in=list(KEPT_STATUSES))
        proposed = (courses.open().annotate(kept=Count("visits", filter=kept),
                                            latest=Max("visits__appointment__start", filter=kept))
                    .filter(kept__lte=TRIAL_DEFAULT - 4, latest__range=(now - timedelta(days=14), now))
                    .order_by("-latest", "pk").values_list("pk", flat=True).first())
        if shown is None or proposed is None:
            raise CommandError("The benchmark data has no course to show or to propose a series for: recreate the "
                               "database.")
        return shown, proposed

    def _staff_user(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=STAFF_USERNAME, defaults={"is_staff": True})
        if created:
            user.set_unusable_password()  # the benchmark signs in through a session made below
            user.save()
        # Clinic admin as well: check-out and payments (billing.take_payments) and the money reports.
        user.groups.add(*Group.objects.filter(name__in=["Front desk", "Clinic admin"]))
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
        # them never makes one clash with another: every POST of the run goes to a different one. None
        # in the week the slot-list rows show: the rows measured after the booking POST's (those without
        # the page cache) would find that week booked up and measure a search of the months after it.
        free: list[tuple[datetime, str]] = []
        block = service.duration + service.buffer
        for practitioner in Practitioner.objects.offering(service):
            taken_until = None
            for slot in schedules.available_slots(service=service, practitioner=practitioner, first=today,
                                                 last=today + timedelta(days=settings.BOOKING_HORIZON_DAYS),
                                                 now=now):
                if monday <= timezone.localtime(slot.start, tz).date() <= monday + timedelta(days=6):
                    continue
                if taken_until is None or slot.start >= taken_until:
                    free.append((slot.start, practitioner.slug))
                    taken_until = slot.start + block
        free.sort()

        session = SessionStore()
        session[SESSION_KEY] = str(staff.pk)
        session[BACKEND_SESSION_KEY] = f"{ModelBackend.__module__}.{ModelBackend.__qualname__}"  # as a sign-in writes
        session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
        session.set_expiry(settings.SESSION_COOKIE_AGE)
        session.create()
        # A patient part-way through a booking (any session will do): such visits are never served the
        # cached schedule, so the benchmark measures the page rendered afresh too.
        patient_session = SessionStore()
        patient_session["bench_visitor"] = True
        patient_session.set_expiry(settings.SESSION_COOKIE_AGE)
        patient_session.create()

        # Completed visits not checked out yet (UNBILLED_DAYS), oldest first: each can be checked out once.
        unbilled = (Appointment.objects.filter(status=Appointment.Status.COMPLETED, start__lt=now,
                                               practitioner__slug__startswith=SLUG_PREFIX)
                    .exclude(invoices__isnull=False).order_by("start", "pk").values_list("reference", flat=True))
        # A paid receipt with the most on it: paid in two parts (the insurer and the patient) if there is one.
        paid = (Invoice.objects.live().filter(amount_paid=F("total"), practitioner__slug__startswith=SLUG_PREFIX)
                .annotate(n=Count("payments")).order_by("-n", "-number").values_list("number", flat=True).first())
        if paid is None:
            raise CommandError("The benchmark data has no paid invoice: recreate the database.")
        shown, proposed = self._plan_courses(now)
        # A waitlist offer of the last free time (the booking POSTs of the run never reach it), open for a day.
        offer_start, offer_who = free.pop()
        entry, _ = WaitlistEntry.objects.get_or_create(
            email="bench.waiting@example.com", status=WaitlistEntry.Status.WAITING,
            defaults={"service": service, "earliest": today,  # up to the offer's day, as the matcher would need
                      "latest": max(today + timedelta(days=90), timezone.localtime(offer_start, tz).date()),
                      "weekdays": list(range(7)), "parts_of_day": WaitlistEntry.Part.values,
                      "first_name": "Bench", "last_name": "Waiting"})
        offer, _ = WaitlistOffer.objects.update_or_create(
            entry=entry, practitioner=Practitioner.objects.get(slug=offer_who), start=offer_start,
            defaults={"service": service, "created_at": now, "expires_at": now + timedelta(days=1), "claimed_at": None})
        offer_token = offer.issue_token()
        offer.save(update_fields=["token_hash"])


        schedule = f"/book/{service.slug}/?who=any&week={monday.isoformat()}"
        return {
            "database": connection.settings_dict["NAME"],
            "generated_at": now.isoformat(),
            "counts": {
                "practitioners": Practitioner.objects.active().count(),
                "appointments": Appointment.objects.count(),
                "appointments_active": Appointment.objects.active().count(),
                "patients": Patient.objects.count(),
                "invoices": Invoice.objects.count(),
                "invoices_owing": Invoice.objects.owing().count(),
                "payments": Payment.objects.count(),
                "courses": Course.objects.count(),
                "course_visits": CourseVisit.objects.count(),
                "visit_scores": VisitScore.objects.count(),
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
                "checkout": "/staff/appointments/<reference>/check-out/",
                "receipt_pdf": f"/staff/invoices/{paid}/receipt.pdf",
                "day_sheet": f"/staff/day-sheet/?date={staff_day.isoformat()}",
                "report": f"/staff/reports/?from={(today - timedelta(weeks=12)).isoformat()}&to={today.isoformat()}",
                "course": reverse("staff:course-detail", args=[shown]),
                "series": reverse("staff:course-series", args=[proposed]),
                "waitlist_offer": reverse("booking:waitlist-offer", args=[offer_token]),
            },
            "checkout_paths": [f"/staff/appointments/{reference}/check-out/" for reference in unbilled],
            "free_slots": [{"who": who, "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
                           for start, who in free],
        }
