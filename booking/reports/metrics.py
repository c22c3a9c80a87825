"""What the reports count: plain rows from a fixed number of queries, bucketed in Python.

A report covers local dates ``first``..``last`` (BC dates); weeks run Monday to Sunday. Local dates
become UTC ranges in Python (``booking.schedules.local_range``) and each visit is put in its week by
its local start date in Python too: no query converts zones (see clinic/__init__.py). Money is
``Decimal`` from the database to the page. Patients are counted, never named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum, Value

from booking import schedules
from booking.billing.fees import late_cancelled
from booking.billing.models import Invoice, Payment
from booking.models import KEPT_STATUSES, Appointment, Practitioner, Service

DEFAULT_WEEKS = 12
MAX_DAYS = 366  # a year (and a day) at most: 53 weekly bars are as many as a chart can show
IMS_TOP = 10  # "10 or more" visits in the period share one bar
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
NO_SHOW = Appointment.Status.NO_SHOW


# --- the period ---------------------------------------------------------------------------------
def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def mondays(self) -> list[date]:
        """The Monday of every week the period touches (its first and last week may be partial)."""
        monday, end = week_of(self.first), week_of(self.last)
        return [monday + timedelta(weeks=i) for i in range((end - monday).days // 7 + 1)]

    def utc_range(self) -> tuple[datetime, datetime]:
        return schedules.local_range(first=self.first, last=self.last)

    def days(self) -> Iterable[date]:
        return (self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1))


def default_period(today: date) -> Period:
    """The last ``DEFAULT_WEEKS`` full weeks (Monday to Sunday) before the week of ``today``."""
    this_monday = week_of(today)
    return Period(this_monday - timedelta(weeks=DEFAULT_WEEKS), this_monday - timedelta(days=1))


def period_errors(first: date | None, last: date | None, *, raw_first: str, raw_last: str) -> list[tuple[str, str]]:
    """(field id, message) for each problem with a period typed as two dates; empty when it is fine."""
    errors = []
    for day, raw, field, name, example in ((first, raw_first, "report-from", "From", "2026-09-07"),
                                           (last, raw_last, "report-to", "To", "2026-11-29")):
        if day is None:
            typed = f", not “{raw.strip()[:40]}”" if raw.strip() else ""
            errors.append((field, f"“{name}” must be a date written YYYY-MM-DD, for example {example}{typed}."))
    if first is not None and last is not None:
        if first > last:
            errors.append(("report-from", "“From” must be on or before “To”."))
        elif (last - first).days + 1 > MAX_DAYS:
            errors.append(("report-to", f"Choose at most {MAX_DAYS} days from “From” to “To”."))
    return errors


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` of ``whole`` in percent to one decimal (None when there is nothing to divide by)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def hours(span: timedelta) -> Decimal:
    """A duration in hours to two decimals, from whole seconds (exact: no float on the way)."""
    return (Decimal(int(span.total_seconds())) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


# --- visits and attendance per week -----------------------------------------------------------
@dataclass(frozen=True)
class WeekRow:
    monday: date
    first: date  # the days of this week inside the period
    last: date
    kept: int = 0
    no_shows: int = 0
    late_cancels: int = 0

    @property
    def counted(self) -> int:
        """The visits the rates are out of: kept, missed and cancelled late."""
        return self.kept + self.no_shows + self.late_cancels

    @property
    def no_show_rate(self) -> Decimal | None:
        return percent(self.no_shows, self.counted)

    @property
    def late_cancel_rate(self) -> Decimal | None:
        return percent(self.late_cancels, self.counted)


def by_week(visits: QuerySet[Appointment], mondays: list[date], *fields: str) -> Iterator[tuple]:
    """(Monday, *``fields``, count) for ``visits`` grouped by the week of their start's BC date and by
    ``fields``; ``mondays`` are consecutive. The weeks' bounds are turned into UTC here, and the query
    only puts each start between them (``width_bucket``): no zone conversion in SQL, and a row per week
    comes back instead of every visit (a report covers thousands)."""
    bounds = [schedules.local_range(first=monday, last=monday)[0] for monday in mondays]
    bounds.append(schedules.local_range(first=mondays[-1], last=mondays[-1] + timedelta(days=6))[1])
    week = Func(F("start"), Value(bounds), function="width_bucket", output_field=IntegerField())
    rows = visits.order_by().annotate(week=week).values("week", *fields).annotate(n=Count("pk"))
    for number, *rest in rows.values_list("week", *fields, "n"):
        if 1 <= number <= len(mondays):  # 0 is before the first week, len + 1 after the last
            yield mondays[number - 1], *rest


def weekly_attendance(period: Period, *, notice_hours: int) -> list[WeekRow]:
    """Per week: kept visits, no-shows and late cancellations (cancelled after being confirmed, less
    than ``notice_hours`` before the start), of visits starting in the period. Two queries."""
    start, end = period.utc_range()
    starting = Appointment.objects.filter(start__gte=start, start__lt=end)
    mondays = period.mondays
    kept, missed = Counter(), Counter()
    for monday, status, n in by_week(starting.filter(status__in=(*KEPT_STATUSES, NO_SHOW)), mondays, "status"):
        (missed if status == NO_SHOW else kept)[monday] += n
    late = Counter(dict(by_week(late_cancelled(starting, hours=notice_hours), mondays)))
    return [WeekRow(monday=monday, first=max(monday, period.first), last=min(monday + timedelta(days=6), period.last),
                    kept=kept[monday], no_shows=missed[monday], late_cancels=late[monday])
            for monday in mondays]


# --- utilisation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class UtilisationRow:
    practitioner_id: int
    name: str
    booked: timedelta
    working: timedelta

    @property
    def booked_hours(self) -> Decimal:
        return hours(self.booked)

    @property
    def working_hours(self) -> Decimal:
        return hours(self.working)

    @property
    def rate(self) -> Decimal | None:
        """Booked time in percent of working time (above 100 when visits were booked outside hours)."""
        return percent(Decimal(int(self.booked.total_seconds())), Decimal(int(self.working.total_seconds())))


def _merged(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(start: datetime, end: datetime, offs: list[tuple[datetime, datetime]]) -> timedelta:
    """The length of ``[start, end)`` outside the (merged, sorted) ``offs``."""
    length = end - start
    for off_start, off_end in offs:
        overlap = min(end, off_end) - max(start, off_start)
        if overlap > timedelta(0):
            length -= overlap
    return length


def working_time(*, practitioner_ids: Iterable[int], weekly_hours, time_off: Iterable[tuple[int, datetime, datetime]],
                 closed: Iterable[date], period: Period) -> dict[int, timedelta]:
    """Each practitioner's working time in the period: their weekly hours on every day the clinic is
    open (``closed`` holds BC statutory holidays and staff closures, from ``schedules.closures``),
    less their time off. Wall-clock hours become UTC per date, so a changed offset is right."""
    closed = set(closed)
    offs: dict[int, list] = {}
    for pid, start, end in time_off:
        offs.setdefault(pid, []).append((start, end))
    merged = {pid: _merged(spans) for pid, spans in offs.items()}
    rows: dict[tuple[int, int], list] = {}
    for row in weekly_hours:
        rows.setdefault((row.practitioner_id, row.weekday), []).append(row)
    to_utc = cache(lambda day, at: schedules.local_to_utc(day=day, at=at))  # the same hours for many
    totals = {}
    for pid in practitioner_ids:
        total = timedelta(0)
        for day in period.days():
            if day in closed:
                continue
            for row in rows.get((pid, day.weekday()), ()):
                if row.applies_on(day):
                    total += _minus(to_utc(day, row.start), to_utc(day, row.end), merged.get(pid, []))
        totals[pid] = total
    return totals


def utilisation(period: Period) -> list[UtilisationRow]:
    """Per practitioner: the time of their kept visits starting in the period against their working
    time. Active practitioners, and anyone else with visits then; rows with neither are left out."""
    start, end = period.utc_range()
    booked: dict[int, timedelta] = dict(
        Appointment.objects.kept().filter(start__gte=start, start__lt=end).order_by().values("practitioner_id")
        .annotate(time=Sum(F("end") - F("start"))).values_list("practitioner_id", "time"))
    practitioners = list(Practitioner.objects.filter(Q(active=True) | Q(pk__in=list(booked)))
                         .order_by("order", "name", "pk").values_list("pk", "name"))
    ids = [pid for pid, _ in practitioners]
    working = working_time(
        practitioner_ids=ids, weekly_hours=schedules.weekly_hours(ids, period.first, period.last),
        time_off=[(t.practitioner_id, t.start, t.end) for t in schedules.time_off(ids, start, end)],
        closed=schedules.closures(period.first, period.last), period=period)
    rows = [UtilisationRow(pid, name, booked.get(pid, timedelta(0)), working[pid]) for pid, name in practitioners]
    return [row for row in rows if row.booked or row.working]


# --- IMS visits per course ----------------------------------------------------------------------
@dataclass(frozen=True)
class ImsRow:
    visits: int  # IMS_TOP stands for "IMS_TOP or more"
    courses: int

    @property
    def label(self) -> str:
        if self.visits >= IMS_TOP:
            return f"{IMS_TOP} or more"
        return f"{self.visits} visit{'s' if self.visits != 1 else ''}"


def ims_visits_per_course(period: Period) -> list[ImsRow]:
    """How many IMS courses had 1, 2, 3, … kept IMS visits (services whose slug starts with "ims")
    starting in the period. A patient's IMS visits that belong to no course count as one course of
    their own (a clinic starting with courses has visits from before them)."""
    start, end = period.utc_range()
    # The services' ids first: joined by slug, the planner guessed 25 visits for thousands and read
    # the course of each through its index (on three months of bench data, 15-19 ms; 11 ms this way).
    ims = list(Service.objects.filter(slug__startswith="ims").values_list("pk", flat=True))
    rows = Appointment.objects.kept().filter(start__gte=start, start__lt=end, service_id__in=ims) \
        .order_by().values("course_visit__course_id", "patient_id").annotate(n=Count("id")) \
        .values_list("course_visit__course_id", "patient_id", "n")
    per_course = Counter()
    for course, patient, n in rows:  # counted per course and patient in SQL; visits outside courses by patient
        per_course[("course", course) if course is not None else ("patient", patient)] += n
    spread = Counter(min(n, IMS_TOP) for n in per_course.values())
    return [ImsRow(n, spread[n]) for n in range(1, max(spread, default=0) + 1)]


# --- money ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaymentRow:
    method: str
    label: str
    third_party: bool
    amount: Decimal

    @property
    def payer(self) -> str:
        return "Third party" if self.third_party else "Patient"


def payments_by_method(period: Period) -> list[PaymentRow]:
    """Money received on dates in the period, per method: the patient's first, then third parties."""
    totals = dict(Payment.objects.filter(received_on__range=(period.first, period.last)).order_by()
                  .values("method").annotate(total=Sum("amount")).values_list("method", "total"))
    methods = sorted(Payment.Method, key=lambda m: m in Payment.THIRD_PARTY)  # stable: choice order within each
    return [PaymentRow(m.value, m.label, m in Payment.THIRD_PARTY, totals.get(m.value) or ZERO) for m in methods]


def payment_totals(rows: list[PaymentRow]) -> dict[str, Decimal]:
    patient = sum((r.amount for r in rows if not r.third_party), ZERO)
    third = sum((r.amount for r in rows if r.third_party), ZERO)
    return {"patient": patient, "third_party": third, "all": patient + third}


@dataclass(frozen=True)
class InvoicedRow:
    practitioner_id: int
    name: str
    invoiced: Decimal
    credited: Decimal

    @property
    def net(self) -> Decimal:
        return self.invoiced - self.credited


def invoiced_by_practitioner(period: Period) -> list[InvoicedRow]:
    """Live (not voided) invoices for visits on dates in the period, per practitioner: their totals,
    the credits recorded on them, and what is left."""
    rows = (Invoice.objects.live().filter(service_date__range=(period.first, period.last)).order_by()
            .values("practitioner_id", "practitioner__name", "practitioner__order")
            .annotate(invoiced=Sum("total"), credited=Sum("amount_credited")))
    ordered = sorted(rows, key=lambda r: (r["practitioner__order"], r["practitioner__name"], r["practitioner_id"]))
    return [InvoicedRow(r["practitioner_id"], r["practitioner__name"], r["invoiced"], r["credited"]) for r in ordered]


def invoiced_totals(rows: list[InvoicedRow]) -> dict[str, Decimal]:
    invoiced = sum((r.invoiced for r in rows), ZERO)
    credited = sum((r.credited for r in rows), ZERO)
    return {"invoiced": invoiced, "credited": credited, "net": invoiced - credited}
