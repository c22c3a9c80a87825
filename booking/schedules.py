"""Reads behind every free time: the clinic's zone and rules, hours, time off, closures, free slots.

The one home of "when can this practitioner see someone": the patient pages, the front desk's
phone bookings and calendars, and ``services.py`` (which checks a time before writing it) all
read through here, so they can never disagree. The slot arithmetic itself is the pure engine in
``availability.py``; this module fetches its inputs in a fixed number of queries.

Zones: local days become UTC ranges here, in Python (``local_day_bounds``), and every query
filters on those ranges: no query converts zones in SQL, because PostgreSQL's own zone rules for
BC may be older than the ``tzdata`` package's (see clinic/__init__.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import CharField, DateField, DateTimeField, IntegerField, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from clinic.precompiled import Precompiled

from . import availability, parsing
from .models import Appointment, ClinicClosure, Patient, Practitioner, Service, TimeOff, WorkingHours


# --- the clinic's clock -------------------------------------------------------------------------
def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` of local date ``day`` in the clinic's zone."""
    return availability.local_day_bounds(day, clinic_zone())


def local_range(*, first: date, last: date) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` covering local dates ``first``..``last`` inclusive."""
    return local_day_bounds(first)[0], local_day_bounds(last)[1]


def local_to_utc(*, day: date, at: time) -> datetime:
    """The UTC instant of wall-clock ``at`` on local date ``day`` in the clinic's zone."""
    return parsing.local_moment(day, at, tz=clinic_zone())


def local_date(value: datetime) -> date:
    return timezone.localtime(value, clinic_zone()).date()


# --- booking rules ------------------------------------------------------------------------------
def booking_rules() -> availability.Rules:
    """Online: the minimum notice and the horizon from settings."""
    return availability.Rules(
        min_notice=timedelta(hours=settings.BOOKING_MIN_NOTICE_HOURS),
        horizon=timedelta(days=settings.BOOKING_HORIZON_DAYS),
        step=timedelta(minutes=settings.BOOKING_SLOT_STEP_MINUTES),
    )


def staff_rules() -> availability.Rules:
    """Staff book phone calls for later today too: no minimum notice, a year ahead."""
    return availability.Rules(min_notice=timedelta(0), horizon=timedelta(days=365),
                              step=timedelta(minutes=settings.BOOKING_SLOT_STEP_MINUTES))


# --- closures -----------------------------------------------------------------------------------
def statutory_holidays(first: date, last: date) -> dict[date, str]:
    """BC statutory holidays between two local dates, with their names (from ``holidays``)."""
    return {day: name for day, name in _bc_holidays(first.year, last.year) if first <= day <= last}


@cache
def _bc_holidays(first_year: int, last_year: int) -> tuple[tuple[date, str], ...]:
    """The package's data for those years, worked out once per process (0.5 ms a call: every free-time
    computation asked for it)."""
    # Canadian English names ("Labour Day"): without a language the package may answer in US English.
    found = holidays.country_holidays("CA", subdiv="BC", years=range(first_year, last_year + 1),
                                      categories=("public",), language="en_CA")
    return tuple(sorted(found.items()))


def statutory_holiday_name(day: date) -> str | None:
    return statutory_holidays(day, day).get(day)


def closures(first: date, last: date) -> dict[date, str]:
    """Every day the clinic is closed between two local dates, with its name: BC statutory
    holidays plus the days staff closed (their name wins where both apply). One query."""
    names = statutory_holidays(first, last)
    names.update(ClinicClosure.objects.filter(date__range=(first, last)).values_list("date", "name"))
    return names


# --- hours and time off -------------------------------------------------------------------------
# WorkingHours rows as availability.WeeklyHours takes them, in its field order.
HOURS_FIELDS = ("practitioner_id", "weekday", "start", "end", "valid_from", "valid_until")


def _hours_query(*, ids, first, last, offering=None):
    rows = WorkingHours.objects.filter(practitioner_id__any=ids)
    if offering is not None:
        rows = rows.filter(practitioner__services=offering)
    return (rows.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
            .order_by("start").values_list(*HOURS_FIELDS))


# Values no real query uses, bound where the real ones go (clinic/precompiled.py).
_SAMPLE_START, _SAMPLE_END = datetime(1901, 1, 1, tzinfo=UTC), datetime(1901, 1, 2, tzinfo=UTC)
_SAMPLE_DAYS = {"first": date(1901, 1, 3), "last": date(1901, 1, 4)}
_HOURS = {offering: Precompiled(_hours_query, ids=[-7001], **_SAMPLE_DAYS, **({"offering": -7003} if offering else {}))
          for offering in (False, True)}


def weekly_hours(practitioner_ids: list[int], first: date, last: date,
                 offering: Service | None = None) -> list[availability.WeeklyHours]:
    """The timetable rows of these practitioners valid on any day of ``first``..``last`` (with
    ``offering``: only of those who offer that service)."""
    values = {"ids": list(practitioner_ids), "first": first, "last": last,
              **({"offering": offering.pk} if offering is not None else {})}
    return [availability.WeeklyHours(*row) for row in _HOURS[offering is not None].rows(**values)]


def time_off(practitioner_ids: list[int], start: datetime, end: datetime) -> list[TimeOff]:
    return list(TimeOff.objects.filter(practitioner_id__in=practitioner_ids, start__lt=end, end__gt=start))


# --- free times ---------------------------------------------------------------------------------
@dataclass
class ScheduleData:
    """Everything the availability engine needs, fetched in a fixed number of queries."""

    practitioner_ids: list[int]
    weekly_hours: list[availability.WeeklyHours]
    busy: dict[int, list[availability.Interval]] = field(default_factory=dict)  # time off and appointments
    closures: dict[date, str] = field(default_factory=dict)  # ``closures()``: each closed day's name
    away: dict[int, list[availability.Interval]] = field(default_factory=dict)  # the time off alone

    @property
    def closed(self) -> set[date]:
        return set(self.closures)


def _busy_query(*, ids, start, end, first, last, excluded=None, **_):
    """Time off, active appointments and the staff's closures, as rows of (practitioner, start, end, off,
    day, name): a closure's row has its date and name and no interval; a busy time's has no date."""
    time_off = TimeOff.objects.filter(practitioner_id__any=ids, start__lt=end, end__gt=start)
    appointments = Appointment.objects.active().overlapping(start, end).filter(practitioner_id__any=ids)
    if excluded is not None:
        appointments = appointments.exclude(pk=excluded)
    no_day = {"day": Cast(Value(None), DateField()), "label": Cast(Value(None), CharField())}
    rows = time_off.order_by().annotate(off=Value(True), **no_day).values_list(
        "practitioner_id", "start", "end", "off", "day", "label")
    taken = appointments.order_by().annotate(off=Value(False), **no_day).values_list(
        "practitioner_id", "start", "blocks_until", "off", "day", "label")
    staff_closed = ClinicClosure.objects.filter(date__range=(first, last)).order_by().annotate(
        practitioner=Cast(Value(None), IntegerField()), begins=Cast(Value(None), DateTimeField()),
        ends=Cast(Value(None), DateTimeField()), off=Value(False)).values_list(
        "practitioner", "begins", "ends", "off", "date", "name")
    return rows.union(taken, staff_closed, all=True)


_BUSY = {excluding: Precompiled(_busy_query, ids=[-7001], start=_SAMPLE_START, end=_SAMPLE_END,
                                span=DateTimeTZRange(_SAMPLE_START, _SAMPLE_END, "[)"),  # ``overlapping``'s
                                **_SAMPLE_DAYS, **({"excluded": -7002} if excluding else {}))
         for excluding in (False, True)}


def load_schedule(*, practitioner_ids: list[int], first: date, last: date,
                  exclude_appointment: Appointment | None = None, offering: Service | None = None) -> ScheduleData:
    """Fetch hours, then busy times (time off and active appointments) and the staff's closures in one
    query: 2 queries, each compiled once per process. ``offering``: hours count only for practitioners
    who offer that service."""
    start, end = local_range(first=first, last=last)
    values = {"ids": list(practitioner_ids), "start": start, "end": end, "span": DateTimeTZRange(start, end, "[)"),
              "first": first, "last": last,
              **({"excluded": exclude_appointment.pk} if exclude_appointment is not None else {})}
    busy: dict[int, list[availability.Interval]] = defaultdict(list)
    away: dict[int, list[availability.Interval]] = defaultdict(list)
    closed = statutory_holidays(first, last)
    for pid, begins, ends, off, day, label in _BUSY[exclude_appointment is not None].rows(**values):
        if day is not None:
            closed[day] = label  # the staff's name wins where a statutory holiday is closed too
            continue
        busy[pid].append(availability.Interval(begins, ends))
        if off:
            away[pid].append(availability.Interval(begins, ends))
    return ScheduleData(practitioner_ids, weekly_hours(practitioner_ids, first, last, offering), dict(busy),
                        closed, dict(away))


def practitioners_for(service: Service, practitioner: Practitioner | None) -> list[int]:
    """Who may have free times for ``service``: everyone offering it, or the one practitioner asked
    for if active (whether they offer it is checked with their hours: ``load_schedule(offering=)``)."""
    if practitioner is not None:
        return [practitioner.pk] if practitioner.active else []
    return list(Practitioner.objects.offering(service).values_list("pk", flat=True))


def available_slots(*, service: Service, practitioner: Practitioner | None, first: date, last: date,
                    now: datetime, exclude_appointment: Appointment | None = None,
                    rules: availability.Rules | None = None,
                    practitioner_ids: list[int] | None = None,
                    schedule: ScheduleData | None = None) -> list[availability.Slot]:
    """Free start times for ``service`` between two local dates, for one practitioner or all.

    "First available" (``practitioner=None``) merges every practitioner offering the service;
    each slot lists who is free, and the practitioner is chosen when the booking is made.
    ``practitioner_ids``: ``practitioners_for(service, practitioner)`` if the caller has it already;
    ``schedule``: their ``load_schedule`` for these dates, if the caller has that too.
    """
    ids = practitioner_ids if practitioner_ids is not None else practitioners_for(service, practitioner)
    if not ids:
        return []
    data = schedule if schedule is not None else load_schedule(
        practitioner_ids=ids, first=first, last=last, exclude_appointment=exclude_appointment,
        offering=service if practitioner is not None else None)
    return availability.free_slots(
        practitioner_ids=ids, duration=service.duration, buffer=service.buffer,
        weekly_hours=data.weekly_hours, busy=data.busy, closed_dates=data.closed,
        first_date=first, last_date=last, tz=clinic_zone(), now=now, rules=rules or booking_rules(),
    )


def by_local_date(slots: list[availability.Slot]) -> dict[date, list[availability.Slot]]:
    """Slots grouped by their local date in the clinic's zone, in order."""
    return availability.group_by_local_date(slots, clinic_zone())


def nearest_slots(*, service: Service, practitioner: Practitioner | None, around: datetime, now: datetime,
                  count: int = 4) -> list[availability.Slot]:
    """Free times closest to ``around`` (same day first, then a week either side)."""
    day = local_date(around)
    slots = available_slots(service=service, practitioner=practitioner,
                            first=day - timedelta(days=7), last=day + timedelta(days=7), now=now)
    slots.sort(key=lambda s: abs((s.start - around).total_seconds()))
    return sorted(slots[:count], key=lambda s: s.start)


def free_practitioners_at(*, service: Service, practitioner: Practitioner | None, start: datetime,
                          now: datetime, exclude_appointment: Appointment | None = None,
                          rules: availability.Rules | None = None) -> list[int]:
    """Who (of ``practitioner``, or of everyone offering ``service``) is free to start at ``start``."""
    day = local_date(start)
    for slot in available_slots(service=service, practitioner=practitioner, first=day, last=day,
                                now=now, exclude_appointment=exclude_appointment, rules=rules):
        if slot.start == start:
            return list(slot.practitioner_ids)
    return []


# --- a patient's own spacing --------------------------------------------------------------------
def ims_spacing() -> timedelta:
    return timedelta(days=settings.IMS_MIN_SPACING_DAYS)


def too_close(a: datetime, b: datetime) -> bool:
    """The one spacing rule: two IMS visits less than ``IMS_MIN_SPACING_DAYS`` calendar days apart on
    the clinic's wall clock (so a weekly 10 a.m. visit is never refused across a clock change)."""
    return abs((local_date(a) - local_date(b)).days) < settings.IMS_MIN_SPACING_DAYS


def _other_ims_starts(patient: Patient, first: datetime, last: datetime,
                      exclude: Appointment | None) -> list[datetime]:
    others = patient.appointments.kept().filter(service__is_ims=True)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    margin = ims_spacing() + timedelta(days=1)  # then the calendar-day rule, in Python (no zone in SQL)
    return list(others.filter(start__gt=first - margin, start__lt=last + margin).values_list("start", flat=True))


def close_ims_visits(patient: Patient, start: datetime, *, exclude: Appointment | None = None) -> list[datetime]:
    """The starts of ``patient``'s other kept IMS visits too close to ``start``."""
    return [other for other in _other_ims_starts(patient, start, start, exclude) if too_close(start, other)]


def spaced_slots(slots: list[availability.Slot], *, patient: Patient, service: Service,
                 exclude_appointment: Appointment | None = None) -> list[availability.Slot]:
    """The slots an IMS visit of ``patient`` may take: none too close (``too_close``) to their other
    requested, confirmed or completed IMS visits (the rule ``services`` applies when booking). Only
    for pages where the patient has proved who they are (the manage link): the public form must
    never reveal that someone has a visit."""
    if not service.is_ims or not slots:
        return slots
    starts = _other_ims_starts(patient, slots[0].start, slots[-1].start, exclude_appointment)
    return [slot for slot in slots if not any(too_close(slot.start, other) for other in starts)]
