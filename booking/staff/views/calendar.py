"""Staff calendars: the day (a column per practitioner) and one practitioner's week.

The views fetch and ``booking/staff/calendar_grid.py`` lays out. Queries are fixed whatever the
number of practitioners and appointments: practitioners, working hours, time off, closures and
appointments (with patient, service and practitioner joined), one query each (and on the day, for
those who see money, one for the balances owing), all on UTC ranges
from ``schedules`` (no query converts zones in SQL: see clinic/__init__.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from ... import parsing, schedules
from ...billing import daybook
from ...courses import places
from ...models import Appointment, Practitioner
from .. import calendar_grid as grid
from ..access import VIEW_INVOICES, staff_view

# The columns the calendars read (a practitioner no longer active still gets a column from these).
CALENDAR_FIELDS = ("reference", "status", "start", "end", "blocks_until", "arrived_at", "practitioner_id",
                   "practitioner__slug", "practitioner__name", "practitioner__order",
                   "patient__first_name", "patient__last_name", "service__name")


def _appointments(*, start: datetime, end: datetime, practitioner_ids: list[int] | None = None) -> list[Appointment]:
    """Every appointment overlapping ``[start, end)``, whatever its status."""
    qs = Appointment.objects.visiting(start, end)
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    # Only what the sheet shows: a day holds a hundred or more of these, each with three joined rows.
    return list(qs.select_related("patient", "service", "practitioner").only(*CALENDAR_FIELDS).order_by("start", "pk"))


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


# --- views ----------------------------------------------------------------------------------------
@staff_view()  # outermost: sign-in and permission come before the method check
@require_safe
def day(request):
    """Every active practitioner's column for one local day (default today)."""
    now = timezone.now()
    tz = schedules.clinic_zone()
    today = now.astimezone(tz).date()
    the_day = parsing.parse_date(request.GET.get("date")) or today
    start, end = schedules.local_day_bounds(the_day)

    appointments = _appointments(start=start, end=end)
    practitioners = {p.pk: p for p in Practitioner.objects.active()}
    for a in appointments:  # a visit with someone since made inactive still needs a column
        practitioners.setdefault(a.practitioner_id, a.practitioner)
    ordered = sorted(practitioners.values(), key=lambda p: (p.order, p.name, p.pk))
    ids = [p.pk for p in ordered]
    hours = schedules.weekly_hours(ids, the_day, the_day)
    time_off = schedules.time_off(ids, start, end)
    closed = schedules.closures(the_day, the_day).get(the_day, "")

    raws = [
        grid.raw_column(
            grid.Column(key=p.slug, heading=p.name, subheading="", day=the_day, hours_label="", closed=closed,
                   link=_url("staff:week", practitioner=p.slug, date=the_day.isoformat()),
                   link_hint="week calendar"),
            practitioner_id=p.pk, hours=hours, time_off=time_off, appointments=appointments, tz=tz,
        )
        for p in ordered
    ]
    # One query for the whole day: what each patient on it owes (only for those who may see money).
    balances = (daybook.balances_by_patient(a.patient_id for a in appointments)
                if request.user.has_perm(VIEW_INVOICES) else None)
    sheet = grid.build_grid(raws, user=request.user, now=now, tz=tz, balances=balances,
                            course_visits=places.visit_numbers(a.pk for a in appointments))
    return render(request, "staff/day.html", {
        "day": the_day, "today": today, "now": now, "grid": sheet, "closed": closed, "practitioners": ordered,
        "hidden": grid.hidden(appointments, request.user),
        "prev_url": _url("staff:day", date=(the_day - timedelta(days=1)).isoformat()),
        "next_url": _url("staff:day", date=(the_day + timedelta(days=1)).isoformat()),
        "today_url": reverse("staff:day"),
    })


@staff_view()  # outermost: sign-in and permission come before the method check
@require_safe
def week(request):
    """One practitioner's Monday-to-Sunday week (default: your own, else the first active one)."""
    now = timezone.now()
    tz = schedules.clinic_zone()
    today = now.astimezone(tz).date()
    picked = parsing.parse_date(request.GET.get("date")) or today
    monday = picked - timedelta(days=picked.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    start, end = schedules.local_range(first=days[0], last=days[-1])

    practitioners = list(Practitioner.objects.active())
    slug = request.GET.get("practitioner", "")
    chosen = next((p for p in practitioners if p.slug == slug), None)
    if chosen is None:
        own = getattr(request.user, "practitioner", None)
        chosen = next((p for p in practitioners if own is not None and p.pk == own.pk),
                      practitioners[0] if practitioners else None)
    context = {
        "practitioners": practitioners, "chosen": chosen, "monday": monday, "sunday": days[-1], "today": today,
        "now": now, "picked": picked,
    }
    if chosen is None:
        return render(request, "staff/week.html", context)

    appointments = _appointments(start=start, end=end, practitioner_ids=[chosen.pk])
    hours = schedules.weekly_hours([chosen.pk], days[0], days[-1])
    time_off = schedules.time_off([chosen.pk], start, end)
    closures = schedules.closures(days[0], days[-1])
    raws = [
        grid.raw_column(
            grid.Column(key=d.isoformat(), heading=f"{d:%a} {d.day} {d:%b}", subheading=f"{d:%A} {d.day} {d:%B}",
                   day=d, hours_label="", closed=closures.get(d, ""), is_today=d == today,
                   link=_url("staff:day", date=d.isoformat()), link_hint="day calendar"),
            practitioner_id=chosen.pk, hours=hours, time_off=time_off, appointments=appointments, tz=tz,
        )
        for d in days
    ]
    sheet = grid.build_grid(raws, user=request.user, now=now, tz=tz,
                            course_visits=places.visit_numbers(a.pk for a in appointments))
    context.update({
        "grid": sheet, "hidden": grid.hidden(appointments, request.user),
        "prev_url": _url("staff:week", practitioner=chosen.slug, date=(monday - timedelta(days=7)).isoformat()),
        "next_url": _url("staff:week", practitioner=chosen.slug, date=(monday + timedelta(days=7)).isoformat()),
        "this_week_url": _url("staff:week", practitioner=chosen.slug),
    })
    return render(request, "staff/week.html", context)
