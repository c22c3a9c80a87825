"""The front desk's day on paper: the day sheet (a page per practitioner) and the end-of-day
reconciliation (the day's payments by method, visits left open, every balance still owing).

Views parse, call ``booking.billing.daybook``, render; both print (static/css/daybook.css). Who sees
which patients is ``access.visible_appointments``; money only with ``billing.view_invoice`` (the day
sheet) or ``billing.take_payments`` (the reconciliation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from ... import parsing, schedules
from ...billing import daybook
from ...models import Appointment, Practitioner
from .. import calendar_grid
from ..access import TAKE_PAYMENTS, VIEW_INVOICES, staff_view, visible_appointments

Status = Appointment.Status
BAD_DATE = ("That date could not be read. Pick a day with the date field (it is written YYYY-MM-DD, "
            "for example 2026-11-30).")


def _day(request) -> date | None:
    """The day asked for (today in the clinic when none is given), or None when it can't be read."""
    raw = request.GET.get("date", "")
    if not raw.strip():
        return timezone.localdate()
    return parsing.parse_date(raw)


def _bad_date(request, template: str, title: str):
    return render(request, template, {"error": BAD_DATE, "title": title, "today": timezone.localdate()}, status=400)


def _nav(name: str, day: date) -> dict:
    def url(d: date) -> str:
        return f"{reverse(name)}?{urlencode({'date': d.isoformat()})}"

    return {"prev_url": url(day - timedelta(days=1)), "next_url": url(day + timedelta(days=1)),
            "today_url": reverse(name), "today": timezone.localdate()}


# --- the day sheet ----------------------------------------------------------------------------------
@dataclass
class SheetRow:
    appointment: Appointment
    when: str  # "9:00–9:45 a.m.", as the calendars write it
    status: str  # CSS modifier
    status_label: str
    owes: Decimal | None  # None: this user sees no money
    link: str  # the appointment's page

    @property
    def cancelled(self) -> bool:
        return self.appointment.status == Status.CANCELLED


@dataclass
class Sheet:
    practitioner: Practitioner
    rows: list[SheetRow]

    @property
    def visits(self) -> int:
        return sum(1 for row in self.rows if not row.cancelled)


@staff_view()  # outermost: sign-in and permission come before the method check
@require_safe
def day_sheet(request):
    """Each practitioner's visits of one local day: who, when, how they pay, flags, what they owe."""
    day = _day(request)
    if day is None:
        return _bad_date(request, "staff/day_sheet.html", "Day sheet")
    tz = schedules.clinic_zone()
    start, end = schedules.local_day_bounds(day)
    # Declined requests never happened; cancelled visits stay, struck through, so the desk knows the gap.
    appointments = list(
        visible_appointments(request.user, Appointment.objects.filter(start__gte=start, start__lt=end))
        .exclude(status=Status.DECLINED)
        .select_related("patient", "service", "practitioner", "insurance", "screening").order_by("start", "pk"))
    sees_money = request.user.has_perm(VIEW_INVOICES)
    balances = daybook.balances_by_patient(a.patient_id for a in appointments) if sees_money else {}
    sheets: dict[int, Sheet] = {}
    link = calendar_grid.detail_link()
    labels = calendar_grid.status_labels()
    for a in appointments:
        status, label = calendar_grid.status_of(a, labels)
        owes = balances.get(a.patient_id, daybook.ZERO) if sees_money else None
        sheets.setdefault(a.practitioner_id, Sheet(a.practitioner, [])).rows.append(
            SheetRow(a, calendar_grid.visit_span(a, tz), status, label, owes, link(a.reference)))
    ordered = sorted(sheets.values(), key=lambda s: (s.practitioner.order, s.practitioner.name, s.practitioner.pk))
    return render(request, "staff/day_sheet.html", {
        "day": day, "sheets": ordered, "sees_money": sees_money, "title": "Day sheet",
        "collect": sum(balances.values(), daybook.ZERO), **_nav("staff:day-sheet", day),
    })


# --- the reconciliation -----------------------------------------------------------------------------
@staff_view(TAKE_PAYMENTS)  # outermost: sign-in and permission come before the method check
@require_safe
def reconciliation(request):
    """What came in on one day, by method (the card batch to match), and what is still open."""
    day = _day(request)
    if day is None:
        return _bad_date(request, "billing/reconciliation.html", "End-of-day reconciliation")
    within = visible_appointments(request.user)
    return render(request, "billing/reconciliation.html", {
        "day": day, "title": "End-of-day reconciliation",
        "takings": daybook.day_payments(day, within=within),
        "not_checked_out": daybook.not_checked_out(day, within=within),
        "not_marked": daybook.not_marked(day, within=within),
        "fee_decisions": daybook.fee_decisions(day, within=within),
        "outstanding": daybook.outstanding(within=within),
        **_nav("staff:reconciliation", day),
    })
