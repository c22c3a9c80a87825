"""Reads and writes behind the front desk's records screens (patients, schedules, export).

Same rules as ``services.py``: keyword-only, type-hinted functions; local days become UTC ranges
in Python (``schedules.local_range``), never in SQL, because Postgres's zone rules for BC may be
stale (see clinic/__init__.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import CharField, Count, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.text import clean_text

from .. import schedules
from ..models import Appointment, ClinicClosure, Patient, Practitioner, Screening, TimeOff, WorkingHours
from ..waitlist.signals import hours_changed

MAX_SEARCH_LENGTH = 100


# --- patients ---------------------------------------------------------------------------------
class _Digits(Func):
    """The digits of a text column ("604-555-0100" -> "6045550100"), so phones match however typed."""

    function = "REGEXP_REPLACE"
    output_field = CharField()

    def __init__(self, expression):
        super().__init__(expression, Value("[^0-9]"), Value(""), Value("g"))


def search_patients(*, query: str, queryset: QuerySet[Patient] | None = None) -> QuerySet[Patient]:
    """Patients matching every word of ``query`` in first name, last name, email or phone digits.

    Case-insensitive. "robin 0100" finds Robin whose phone ends in 0100; "604-555-0100" and
    "6045550100" find the same phone. An empty query returns every patient.
    """
    patients = queryset if queryset is not None else Patient.objects.all()
    # Control characters (NUL and friends) match nothing a person typed, and Postgres refuses NUL.
    words = clean_text(query[:MAX_SEARCH_LENGTH]).split()
    if not words:
        return patients
    patients = patients.annotate(phone_digits=_Digits(F("phone")))
    for word in words:
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 3 and len(digits) >= len(re.sub(r"[\s()+.\-]", "", word)):
            match |= Q(phone_digits__contains=digits)
        patients = patients.filter(match)
    return patients


def with_visit_summary(patients: QuerySet[Patient], *, practitioner_id: int | None = None) -> QuerySet[Patient]:
    """Each patient's number of visits and latest visit; only those with ``practitioner_id`` when
    given (a practitioner must not learn of visits with colleagues).

    Correlated subqueries, not a join and GROUP BY: a page of the list works them out for its 25
    patients (PostgreSQL computes them after the LIMIT), and the paginator's count leaves them out.
    Grouped, every appointment of every patient was read to show 25."""
    visits = Appointment.objects.filter(patient=OuterRef("pk"))
    if practitioner_id is not None:
        visits = visits.filter(practitioner_id=practitioner_id)
    return patients.annotate(
        visit_count=Coalesce(Subquery(visits.order_by().values("patient").annotate(n=Count("pk")).values("n")),
                             0),
        latest_visit=Subquery(visits.order_by("-start").values("start")[:1]))


SCREENING_NOT_ASKED = "Safety screening not asked yet: ask before needling"


def screening_initial(screening: Screening | None) -> dict[str, str]:
    """The staff screening form's initial values: the answers on record, or nothing if not asked."""
    if screening is None or not screening.asked:
        return {}
    return {**{name: "yes" if value else "no" for name, value in screening.answers().items()},
            "details": screening.details}


@dataclass(frozen=True)
class PatientFlag:
    kind: str  # "stop", "warn" or "info", as the staff flag styles
    label: str
    appointment: Appointment


def patient_flags(appointments: Iterable[Appointment]) -> list[PatientFlag]:
    """Screening answers and spacing flags across visits, newest first, one line per distinct flag."""
    seen: set[str] = set()
    flags: list[PatientFlag] = []
    for appointment in sorted(appointments, key=lambda a: a.start, reverse=True):
        screening: Screening | None = getattr(appointment, "screening", None)
        candidates: list[tuple[str, str]] = []
        if screening is not None and not screening.asked and appointment.holds_time:
            candidates.append(("stop", SCREENING_NOT_ASKED))
        if screening is not None:
            candidates += [("stop", f"Contraindication: {label}") for label in screening.contraindications]
            candidates += [("warn", f"Precaution: {label}") for label in screening.precautions]
        if appointment.spacing_flag:
            candidates.append(("warn", "Another IMS visit within 7 days"))
        if appointment.no_prior_assessment_flag:
            candidates.append(("warn", "Follow-up with no assessment on record"))
        for kind, label in candidates:
            if label not in seen:
                seen.add(label)
                flags.append(PatientFlag(kind, label, appointment))
    return flags


# --- schedules --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timetable:
    """A practitioner's weekly hours for one validity period: ``days`` maps weekday -> intervals."""

    valid_from: date | None
    valid_until: date | None
    days: dict[int, list[tuple[time, time]]]

    @property
    def rows(self) -> list[tuple[str, list[tuple[time, time]]]]:
        return [(WorkingHours.Weekday(day).label, self.days[day]) for day in sorted(self.days)]


def timetables(rows: Iterable[WorkingHours], *, today: date) -> tuple[Timetable | None, list[Timetable]]:
    """Split one practitioner's hours into the timetable valid ``today`` and those starting later."""
    periods: dict[tuple[date | None, date | None], dict[int, list[tuple[time, time]]]] = defaultdict(
        lambda: defaultdict(list))
    for row in rows:
        if row.valid_until is not None and row.valid_until < today:
            continue  # history
        periods[(row.valid_from, row.valid_until)][row.weekday].append((row.start, row.end))
    current_days: dict[int, list[tuple[time, time]]] = defaultdict(list)
    current_bounds: list[tuple[date | None, date | None]] = []
    future: list[Timetable] = []
    for (valid_from, valid_until), days in periods.items():
        for intervals in days.values():
            intervals.sort()
        if valid_from is None or valid_from <= today:
            current_bounds.append((valid_from, valid_until))
            for day, intervals in days.items():
                current_days[day].extend(intervals)
        else:
            future.append(Timetable(valid_from, valid_until, dict(days)))
    future.sort(key=lambda t: t.valid_from or date.min)
    current = None
    if current_bounds:
        ends = [until for _, until in current_bounds if until is not None]
        current = Timetable(None, min(ends) if ends else None,
                            {day: sorted(intervals) for day, intervals in current_days.items()})
    return current, future


def hours_on(*, practitioner: Practitioner, day: date) -> dict[int, list[tuple[time, time]]]:
    """The weekly timetable that applies on local date ``day`` (weekday -> sorted intervals)."""
    days: dict[int, list[tuple[time, time]]] = defaultdict(list)
    rows = practitioner.working_hours.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    for row in rows:
        days[row.weekday].append((row.start, row.end))
    return {weekday: sorted(intervals) for weekday, intervals in days.items()}


@transaction.atomic
def replace_weekly_hours(*, practitioner: Practitioner, effective_from: date,
                         days: dict[int, list[tuple[time, time]]]) -> list[WorkingHours]:
    """Give ``practitioner`` a new weekly timetable from ``effective_from`` on.

    Rows still valid on or after that date end the day before it; rows that would only start on
    or after it are deleted (the new timetable replaces them). The timetable before the date is
    kept, so a change can be entered today for next month. Returns the new rows.
    """
    # Lock the practitioner so two admins saving at once cannot interleave their rows.
    Practitioner.objects.select_for_update(no_key=True).filter(pk=practitioner.pk).first()
    rows = WorkingHours.objects.filter(practitioner=practitioner)
    rows.filter(valid_from__gte=effective_from).delete()
    rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=effective_from)).update(
        valid_until=effective_from - timedelta(days=1))
    created = WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, weekday=weekday, start=start, end=end, valid_from=effective_from)
        for weekday, intervals in sorted(days.items()) for start, end in intervals
    )
    hours_changed(practitioner.pk, effective_from)  # new hours may free time for the waitlist
    return created


def appointments_outside(*, practitioner: Practitioner, effective_from: date,
                         days: dict[int, list[tuple[time, time]]]) -> list[Appointment]:
    """Requested/confirmed visits from ``effective_from`` on that the new timetable does not cover."""
    start, _ = schedules.local_day_bounds(effective_from)
    zone = schedules.clinic_zone()
    outside = []
    for appointment in Appointment.objects.active().filter(practitioner=practitioner, start__gte=start).select_related(
            "patient"):
        local_start = timezone.localtime(appointment.start, zone)
        local_end = timezone.localtime(appointment.end, zone)
        covered = local_start.date() == local_end.date() and any(
            begin <= local_start.time() and local_end.time() <= end
            for begin, end in days.get(local_start.weekday(), []))
        if not covered:
            outside.append(appointment)
    return outside


def active_overlapping(*, practitioner: Practitioner, start: datetime, end: datetime) -> list[Appointment]:
    """Requested/confirmed visits of ``practitioner`` overlapping ``[start, end)``."""
    return list(Appointment.objects.active().visiting(start, end).filter(practitioner=practitioner)
                .select_related("patient", "service").order_by("start"))


@transaction.atomic
def add_time_off(*, practitioner: Practitioner, start: datetime, end: datetime,
                 reason: str = "", submission=None) -> tuple[TimeOff, list[Appointment]]:
    """Record time off; return it with the visits it overlaps (kept: the front desk rebooks them).
    ``submission``: the form's key; the same form sent again raises the database's ``IntegrityError``."""
    time_off = TimeOff.objects.create(practitioner=practitioner, start=start, end=end, reason=reason,
                                      submission=submission)
    return time_off, active_overlapping(practitioner=practitioner, start=start, end=end)


def override_refusal(*, practitioner: Practitioner, start: datetime, end: datetime) -> str | None:
    """Why staff may not book ``[start, end)`` even outside working hours, or None.

    The override is for hours only: time off means the practitioner is away, and a closure
    (staff-added or a BC statutory holiday) means nobody is in. Both are refused with their name.
    """
    first, last = schedules.local_date(start), schedules.local_date(end - timedelta(microseconds=1))
    closed = sorted(schedules.closures(first, last).items())
    if closed:
        day, name = closed[0]
        return f"The clinic is closed on {day:%A} {day.day} {day:%B %Y} ({name}): choose another day."
    off = schedules.time_off([practitioner.pk], start, end)
    if off:
        reason = f" ({off[0].reason})" if off[0].reason else ""
        return (f"{practitioner.name} has time off then{reason}: the override covers working hours only, "
                "not time off. Choose another time or another practitioner.")
    return None


@dataclass(frozen=True)
class Closure:
    day: date
    name: str
    statutory: bool
    pk: int | None = None  # the staff-added ClinicClosure (None: a statutory holiday)


def upcoming_closures(*, first: date, last: date) -> list[Closure]:
    """Staff-added closures plus BC statutory holidays between two local dates, in date order."""
    staff_added = dict(ClinicClosure.objects.filter(date__range=(first, last)).values_list("date", "pk"))
    return [Closure(day, name, day not in staff_added, staff_added.get(day))
            for day, name in sorted(schedules.closures(first, last).items())]


def visits_on(day: date) -> list[Appointment]:
    """Requested/confirmed visits on local date ``day``, every practitioner, in time order."""
    start, end = schedules.local_range(first=day, last=day)
    return list(Appointment.objects.active().visiting(start, end).select_related("patient", "practitioner")
                .order_by("start", "practitioner__order"))


# --- export -----------------------------------------------------------------------------------
EXPORT_HEADER = [
    "reference", "date (BC time)", "start (BC time)", "end (BC time)", "practitioner", "service", "status",
    "source", "patient", "email", "phone", "insurance", "claim number", "flags", "created (BC time)",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number as people write one: "+", then only digits, spaces, dots, dashes and parentheses.
# Without letters, quotes, "!" or "|" a spreadsheet finds no function, reference or command in it
# (OWASP's concern with a leading "+" is formula text after it), so it is written as typed.


def csv_safe(value: object) -> str:
    """Text a spreadsheet shows as text: a cell starting with =, +, -, @, tab or CR would be read as
    a formula, so it gets a leading apostrophe (OWASP's CSV injection advice). Phone numbers too: Excel
    reads "+1-604-555-0100" as the sum -1258 and "+1 604 555 0100" as an error."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def export_appointments(*, first: date, last: date,
                        practitioner: Practitioner | None = None) -> QuerySet[Appointment]:
    """Appointments starting on local dates ``first``..``last`` (every status), in start order."""
    start, end = schedules.local_range(first=first, last=last)
    appointments = Appointment.objects.filter(start__gte=start, start__lt=end)
    if practitioner is not None:
        appointments = appointments.filter(practitioner=practitioner)
    return appointments.select_related("practitioner", "service", "patient", "insurance", "screening").order_by(
        "start", "practitioner__order", "pk")


def _export_flags(appointment: Appointment) -> str:
    flags = []
    screening = getattr(appointment, "screening", None)
    if screening is not None and not screening.asked:
        flags.append("safety screening not asked")
    elif screening is not None:
        flags += [f"contraindication: {name.replace('_', ' ')}" for name, _, ci in Screening.QUESTIONS
                  if ci and getattr(screening, name)]
        flags += [f"precaution: {name.replace('_', ' ')}" for name, _, ci in Screening.QUESTIONS
                  if not ci and getattr(screening, name)]
    if appointment.spacing_flag:
        flags.append("IMS within 7 days")
    if appointment.no_prior_assessment_flag:
        flags.append("no prior assessment")
    if appointment.outside_hours:
        flags.append("outside working hours")
    return "; ".join(flags)


def export_rows(appointments: Iterable[Appointment]) -> Iterator[list[str]]:
    """The CSV header, then one row per appointment, every cell safe to open in a spreadsheet.

    Dates and times are the clinic's wall clock in the forms spreadsheets read as dates and times
    ("2026-12-03", "09:00" and "2026-11-30 08:00"), not ISO text with an offset.
    """
    zone = schedules.clinic_zone()
    yield EXPORT_HEADER
    for a in appointments:
        insurance = getattr(a, "insurance", None)
        start, end = a.start.astimezone(zone), a.end.astimezone(zone)
        yield [csv_safe(value) for value in (
            a.reference, f"{start:%Y-%m-%d}", f"{start:%H:%M}", f"{end:%H:%M}",
            a.practitioner.name, a.service.name, a.status, a.source, a.patient.full_name, a.patient.email,
            a.patient.phone, insurance.kind if insurance else "", insurance.claim_number if insurance else "",
            _export_flags(a), f"{a.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
        )]
