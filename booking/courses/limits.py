"""Payer limits, counted: how many visits a course has used of what its payer allows, and until when.

``count`` is pure (plain data in and out); ``payer_status`` gathers the data for one course. The rules
are data (``PayerRule``, edited in the admin); a course can carry the limits staff entered for it
(visits approved, a dollar maximum, visits of the same benefit used elsewhere).

Windows are counted in dates of service: after a crash or injury, day 0 is its date and the last
day counted is ``window_days`` after it (ICBC's 12 weeks: day 84); per calendar year, 1 January to
31 December of the day asked about, and a date about to be booked in the next year starts that year's
count (visits used elsewhere count in the year they were entered for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from booking.billing.models import ZERO, Invoice
from booking.models import KEPT_STATUSES, Appointment, InsuranceNote
from booking.schedules import local_date

from .models import Course, CourseVisit, PayerRule

NEAR = 2  # visits left at which the dashboard lists a course
NEAR_DAYS = 14  # days left in the window at which the dashboard lists a course


@dataclass(frozen=True)
class PayerCount:
    name: str
    used: int
    limit: int | None
    window_ends: date | None
    amount_used: Decimal | None = None
    amount_limit: Decimal | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def near(self) -> bool:
        return bool(self.warnings)


def count(*, name: str, window: str, window_days: int | None, limit: int | None, visit_dates: Sequence[date],
          on: date, incident: date | None, used_elsewhere: int = 0, used_elsewhere_year: int | None = None,
          amount_used: Decimal | None = None, amount_limit: Decimal | None = None,
          upcoming: Sequence[date] = ()) -> PayerCount:
    """Visits (dates of service) counted against the limit in the window that holds ``on``;
    ``upcoming`` are dates about to be booked, each checked against the limit and the window.
    ``used_elsewhere``: per calendar year, counted only in ``used_elsewhere_year`` (None: ``on``'s)."""
    if window == PayerRule.Window.AFTER_INCIDENT:
        if incident is None:
            return PayerCount(name, 0, limit, None, warnings=["Enter the date of the crash or injury to count."])
        first, last = incident, incident + timedelta(days=window_days or 0)
    elif window == PayerRule.Window.CALENDAR_YEAR:
        first, last = date(on.year, 1, 1), date(on.year, 12, 31)
        if used_elsewhere_year not in (None, on.year):
            used_elsewhere = 0  # entered for another year
    else:
        first, last = date.min, date.max
    used = sum(1 for d in visit_dates if first <= d <= last) + used_elsewhere
    ends = last if last != date.max else None
    warnings = []
    ahead = sorted(upcoming)
    for n, day in enumerate(ahead, start=1):
        number = used + n
        if window == PayerRule.Window.CALENDAR_YEAR and day.year != on.year:  # a new year: a new count
            number = sum(1 for d in [*visit_dates, *ahead[:n]] if d.year == day.year)
        if limit is not None and number > limit:
            warnings.append(f"{day:%a %d %b} would be visit {number}, past the {limit} allowed.")
        elif window == PayerRule.Window.AFTER_INCIDENT and day > last:
            warnings.append(f"{day:%a %d %b} is after the window ends on {last:%a %d %b %Y}.")
    if not upcoming:
        if limit is not None and limit - used <= NEAR:
            warnings.append(f"{max(limit - used, 0)} visit{'s' if limit - used != 1 else ''} left.")
        if ends is not None and window == PayerRule.Window.AFTER_INCIDENT and 0 <= (ends - on).days <= NEAR_DAYS:
            warnings.append(f"The window ends on {ends:%a %d %b %Y}.")
        if amount_limit is not None and amount_used is not None and amount_used >= amount_limit:
            warnings.append(f"The ${amount_limit} maximum is reached.")
    return PayerCount(name, used, limit, ends, amount_used, amount_limit, warnings)


def _rules(payers) -> list[PayerRule]:
    """The payers' rules, latest start first (a rule with no start first of all), then in the order added."""
    return list(PayerRule.objects.filter(payer__in=payers).order_by("payer", "-valid_from", "pk")) if payers else []


def _rule_among(rules: Iterable[PayerRule], course: Course) -> PayerRule | None:
    """The first of the payer's rules (in their order) in force on the day the course started."""
    for rule in rules:
        if rule.payer == course.payer and (rule.valid_from is None or rule.valid_from <= course.started_on) and (
                rule.valid_until is None or course.started_on <= rule.valid_until):
            return rule
    return None


def payer_status(course: Course, *, on: date, upcoming: Sequence[date] = (),
                 visits: Sequence[Appointment] | None = None) -> PayerCount | None:
    """The course's payer count on ``on`` (None for self-pay, or no rule and no limit entered).
    ``visits``: the course's kept visits, if the caller has read them already."""
    return payer_statuses([course], on=on, upcoming=upcoming,
                          visits=None if visits is None else {course.pk: visits})[course.pk]


def payer_statuses(courses: Sequence[Course], *, on: date, upcoming: Sequence[date] = (),
                   visits: dict[int, Sequence[Appointment]] | None = None) -> dict[int, PayerCount | None]:
    """``payer_status`` of each course, by course id, in a fixed number of queries however many courses
    (the dashboard counts every course with a visit in the coming week): the rules, the visits' dates,
    the first visits' insurance notes and, for courses with a dollar maximum, what was invoiced."""
    counted = [c for c in courses if c.payer != InsuranceNote.Kind.SELF_PAY]
    rules = _rules({c.payer for c in counted})
    rule_of = {c.pk: _rule_among(rules, c) for c in counted}
    limited = [c for c in counted
               if rule_of[c.pk] is not None or c.limit_visits is not None or c.limit_amount is not None]
    found: dict[int, PayerCount | None] = {c.pk: None for c in courses}
    if not limited:
        return found
    dates = _visit_dates(limited, visits or {})
    ids = [c.pk for c in limited]
    incidents = dict(CourseVisit.objects.filter(course_id__in=ids).order_by("course_id", "appointment__start")
                     .distinct("course_id").values_list("course_id", "appointment__insurance__incident_date"))
    amounts: dict[int, Decimal] = {}
    if any(c.limit_amount is not None for c in limited):
        amounts = dict(Invoice.objects.live().filter(
            appointment__course_visit__course_id__in=[c.pk for c in limited if c.limit_amount is not None],
            service_date__gte=date(on.year, 1, 1), service_date__lte=date(on.year, 12, 31))
            .values_list("appointment__course_visit__course_id").annotate(Sum("total")).order_by())
    for course in limited:
        rule = rule_of[course.pk]
        found[course.pk] = count(
            name=rule.name if rule else course.get_payer_display(),
            window=rule.window if rule else PayerRule.Window.NONE, window_days=rule.window_days if rule else None,
            limit=course.limit_visits if course.limit_visits is not None else (rule.max_visits if rule else None),
            visit_dates=dates[course.pk], on=on, incident=incidents.get(course.pk),
            used_elsewhere=course.used_elsewhere, used_elsewhere_year=course.used_elsewhere_year,
            amount_used=amounts.get(course.pk, ZERO) if course.limit_amount is not None else None,
            amount_limit=course.limit_amount, upcoming=upcoming)
    return found


def _visit_dates(courses: Sequence[Course], visits: dict[int, Sequence[Appointment]]) -> dict[int, list[date]]:
    """The local dates of the visits each course counts: its kept visits; for MSP's supplementary benefit
    (one benefit per year, whatever the course) every kept visit of the patient's billed to it."""
    starts: dict[int, list] = {c.pk: [v.start for v in visits[c.pk]] for c in courses if c.pk in visits}
    msp = [c for c in courses if c.payer == InsuranceNote.Kind.MSP_SUPPLEMENTARY]
    if msp:
        by_patient: dict[int, list] = {}
        for patient_id, start in Appointment.objects.filter(
                patient_id__in={c.patient_id for c in msp}, status__in=list(KEPT_STATUSES),
                insurance__kind=InsuranceNote.Kind.MSP_SUPPLEMENTARY).values_list("patient_id", "start"):
            by_patient.setdefault(patient_id, []).append(start)
        starts.update({c.pk: by_patient.get(c.patient_id, []) for c in msp})
    unread = [c.pk for c in courses if c.pk not in starts]
    if unread:
        for course_id, start in Appointment.objects.filter(
                course_visit__course_id__in=unread, status__in=list(KEPT_STATUSES)).values_list(
                "course_visit__course_id", "start"):
            starts.setdefault(course_id, []).append(start)
    return {c.pk: [local_date(start) for start in starts.get(c.pk, [])] for c in courses}
