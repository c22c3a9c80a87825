"""The reports page and its two CSV files. Views parse the period, call ``report``, render.

The page needs ``manage_appointments`` (front desk and clinic admins; practitioners get 403); money
figures need ``billing.view_reports`` as well (clinic admins): without it the page leaves the money
reports out and the money CSV answers 403.
"""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking import parsing, schedules
from booking.staff.access import MANAGE, VIEW_REPORTS, staff_view
from booking.staff.records import csv_safe

from . import metrics, report

TYPED_LENGTH = 40  # what is echoed back of a typed date


def _period(request) -> tuple[metrics.Period | None, dict[str, str], list[tuple[str, str]]]:
    """The period asked for (the last 12 full weeks when nothing is), what was typed, and any errors."""
    default = metrics.default_period(schedules.local_date(timezone.now()))
    raw_from = request.GET.get("from", "").strip()[:TYPED_LENGTH]
    raw_to = request.GET.get("to", "").strip()[:TYPED_LENGTH]
    first = parsing.parse_date(raw_from) if raw_from else default.first
    last = parsing.parse_date(raw_to) if raw_to else default.last
    typed = {"from": raw_from or default.first.isoformat(), "to": raw_to or default.last.isoformat()}
    errors = metrics.period_errors(first, last, raw_first=raw_from, raw_last=raw_to)
    return (None if errors else metrics.Period(first, last)), typed, errors


def _page(request, period, typed, errors):
    invalid = {field.removeprefix("report-"): True for field, _ in errors}
    context = {"typed": typed, "error_list": errors, "invalid": invalid,
               "sees_money": request.user.has_perm(VIEW_REPORTS)}
    if period is not None:
        built = report.build(period, money=context["sees_money"])
        context.update(report=built, charts=report.chart_set(built), query=urlencode(typed))
    return render(request, "reports/reports.html", context, status=400 if errors else 200)


def _csv(rows, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark, so Excel reads accented names as UTF-8
    writer = csv.writer(response)
    writer.writerow(report.CSV_HEADER)
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return response


@staff_view(MANAGE)  # outermost: sign-in and permission come before the method check
@require_safe
def reports(request):
    period, typed, errors = _period(request)
    return _page(request, period, typed, errors)


@staff_view(MANAGE)
@require_safe
def reports_csv(request):
    """Visits, attendance, utilisation and IMS visits per course, one measure per line."""
    period, typed, errors = _period(request)
    if errors:
        return _page(request, period, typed, errors)
    return _csv(report.visit_rows(report.build(period, money=False)),
                f"visits-{period.first}-to-{period.last}.csv")


@staff_view(MANAGE, VIEW_REPORTS)
@require_safe
def reports_money_csv(request):
    """Payments received by method and invoiced per practitioner (clinic admins only)."""
    period, typed, errors = _period(request)
    if errors:
        return _page(request, period, typed, errors)
    return _csv(report.money_rows(report.build(period, money=True, visits=False)),
                f"money-{period.first}-to-{period.last}.csv")
