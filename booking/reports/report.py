"""One period's reports: the rows (``metrics``), their charts (``charts``) and their CSV rows.

The page's tables and the CSV files are written from the same rows, so they always agree. The
money reports are built only when asked for (``money=True``): the view asks only for users who may
see money (``billing.view_reports``), so nobody else's page or file ever holds a money figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.safestring import SafeString

from booking.billing.models import FeePolicy
from clinic.dbspeed import planned_for_their_values

from . import charts, metrics
from .metrics import Period

CSV_HEADER = ["report", "item", "measure", "value"]


# --- how numbers read -----------------------------------------------------------------------------
def short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def long_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def span(first: date, last: date) -> str:
    """"7–13 Sep 2026", "28 Sep – 4 Oct 2026", "28 Dec 2026 – 3 Jan 2027" or "7 Sep 2026"."""
    if first == last:
        return long_day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    start = short_day(first) if first.year == last.year else long_day(first)
    return f"{start} – {long_day(last)}"


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def rate(value: Decimal | None) -> str:
    return "–" if value is None else f"{value} %"


def _cell(value: Decimal | int | None) -> str:
    """A number for the CSV file: plain digits a spreadsheet reads (no $, %, or thousands separator)."""
    return "" if value is None else str(value)


# --- the report -----------------------------------------------------------------------------------
@dataclass
class Report:
    period: Period
    weeks: list[metrics.WeekRow]
    utilisation: list[metrics.UtilisationRow]
    ims: list[metrics.ImsRow]
    notice_hours: int
    money: bool = False
    payments: list[metrics.PaymentRow] = field(default_factory=list)
    invoiced: list[metrics.InvoicedRow] = field(default_factory=list)

    @property
    def payment_totals(self) -> dict[str, Decimal]:
        return metrics.payment_totals(self.payments)

    @property
    def invoiced_totals(self) -> dict[str, Decimal]:
        return metrics.invoiced_totals(self.invoiced)

    @property
    def label(self) -> str:
        return span(self.period.first, self.period.last)

    # The tables' rows with their numbers as people read them (the charts use the same strings).
    @property
    def week_lines(self) -> list[tuple[str, str, metrics.WeekRow]]:
        """(days of the week in the period, its first day in short, the row): "2–8 Nov 2026", "2 Nov"."""
        return [(span(w.first, w.last), short_day(w.first), w) for w in self.weeks]

    @property
    def payment_lines(self) -> list[tuple[metrics.PaymentRow, str]]:
        return [(p, money(p.amount)) for p in self.payments]

    @property
    def payment_total_lines(self) -> dict[str, str]:
        return {key: money(value) for key, value in self.payment_totals.items()}

    @property
    def invoiced_lines(self) -> list[tuple[str, str, str, str]]:
        return [(i.name, money(i.invoiced), money(i.credited), money(i.net)) for i in self.invoiced]

    @property
    def invoiced_total_lines(self) -> dict[str, str]:
        return {key: money(value) for key, value in self.invoiced_totals.items()}

    @property
    def kept_total(self) -> int:
        return sum(w.kept for w in self.weeks)


def build(period: Period, *, money: bool, visits: bool = True) -> Report:
    """The reports of ``period``: visits, attendance, utilisation and IMS visits unless ``visits`` is
    false; the money ones only with ``money``."""
    notice_hours = FeePolicy.load().notice_hours
    report = Report(period=period, weeks=[], utilisation=[], ims=[], notice_hours=notice_hours, money=money)
    with planned_for_their_values():  # each period's rows differ: a plan made for no period in particular is slow
        if visits:
            report.weeks = metrics.weekly_attendance(period, notice_hours=notice_hours)
            report.utilisation = metrics.utilisation(period)
            report.ims = metrics.ims_visits_per_course(period)
        if money:
            report.payments = metrics.payments_by_method(period)
            report.invoiced = metrics.invoiced_by_practitioner(period)
    return report


# --- charts ---------------------------------------------------------------------------------------
def _most(rows, value, label) -> str:
    best = max(rows, key=value, default=None)
    return f" The most: {label(best)}." if best is not None and value(best) else ""


def chart_set(report: Report) -> dict[str, SafeString]:
    weeks, when = report.weeks, report.label
    found = {
        "visits": charts.bar_chart(
            chart_id="chart-visits", title=f"Kept visits per week, {when}",
            desc=f"A bar for each of {len(weeks)} weeks, as tall as the number of kept visits starting that week."
                 + _most(weeks, lambda w: w.kept, lambda w: f"{w.kept} in the week of {short_day(w.monday)}")
                 + " The numbers are in the table.",
            bars=[charts.Bar(short_day(w.first), w.kept, str(w.kept)) for w in weeks]),
        "attendance": charts.line_chart(
            chart_id="chart-attendance", title=f"No-show and late-cancellation rates per week, {when}",
            desc="Two lines over the weeks, in percent of the visits counted that week: no-shows (solid, round "
                 "markers) and late cancellations (dashed, square markers). A week with no visits has no point. "
                 "The numbers are in the table.",
            labels=[short_day(w.first) for w in weeks], tick_text=charts.percent_tick,
            series=[charts.Series("No-shows", [w.no_show_rate for w in weeks], "a"),
                    charts.Series("Late cancellations", [w.late_cancel_rate for w in weeks], "b")]),
        "utilisation": charts.hbar_chart(
            chart_id="chart-utilisation", title=f"Utilisation per practitioner, {when}",
            desc="A bar for each practitioner, as long as their booked time in percent of their working time."
                 " The numbers are in the table.",
            bars=[charts.Bar(u.name, u.rate or 0, rate(u.rate)) for u in report.utilisation], full=100),
        "ims": charts.bar_chart(
            chart_id="chart-ims", title=f"IMS courses by number of visits, {when}",
            desc="A bar for each number of kept IMS visits in the period (1, 2, 3 and so on), as tall as the "
                 "number of courses that had that many. The numbers are in the table.",
            bars=[charts.Bar(r.label, r.courses, str(r.courses)) for r in report.ims]),
    }
    if report.money:
        found["payments"] = charts.hbar_chart(
            chart_id="chart-payments", title=f"Payments received by method, {when}",
            desc="A bar for each way of paying, as long as the money received that way: patients' own methods "
                 "first (teal), then third parties (purple). The numbers are in the table.",
            bars=[charts.Bar(p.label, p.amount, money(p.amount), "chart-bar--third" if p.third_party else "")
                  for p in report.payments])
        found["invoiced"] = charts.hbar_chart(
            chart_id="chart-invoiced", title=f"Invoiced per practitioner, less credits, {when}",
            desc="A bar for each practitioner, as long as the amount invoiced for their visits in the period less "
                 "the credits on those invoices. The numbers are in the table.",
            bars=[charts.Bar(i.name, i.net, money(i.net)) for i in report.invoiced])
    return found


# --- CSV ------------------------------------------------------------------------------------------
def visit_rows(report: Report) -> Iterator[list[str]]:
    """Visits, attendance, utilisation and IMS visits per course: one measure per line."""
    for w in report.weeks:
        week = w.monday.isoformat()
        yield ["visits per week", week, "kept visits", _cell(w.kept)]
    for w in report.weeks:
        week = w.monday.isoformat()
        yield ["attendance per week", week, "visits counted", _cell(w.counted)]
        yield ["attendance per week", week, "no-shows", _cell(w.no_shows)]
        yield ["attendance per week", week, "no-show rate (%)", _cell(w.no_show_rate)]
        yield ["attendance per week", week, "late cancellations", _cell(w.late_cancels)]
        yield ["attendance per week", week, "late-cancel rate (%)", _cell(w.late_cancel_rate)]
    for u in report.utilisation:
        yield ["utilisation", u.name, "booked hours", _cell(u.booked_hours)]
        yield ["utilisation", u.name, "working hours", _cell(u.working_hours)]
        yield ["utilisation", u.name, "utilisation (%)", _cell(u.rate)]
    for r in report.ims:
        yield ["IMS visits per course", r.label, "courses", _cell(r.courses)]


def money_rows(report: Report) -> Iterator[list[str]]:
    """Payments received by method and invoiced per practitioner, in dollars and cents."""
    for p in report.payments:
        yield ["payments received", p.label, f"received ({p.payer.lower()})", _cell(p.amount)]
    totals = report.payment_totals
    yield ["payments received", "Total", "received (patient)", _cell(totals["patient"])]
    yield ["payments received", "Total", "received (third party)", _cell(totals["third_party"])]
    yield ["payments received", "Total", "received (all)", _cell(totals["all"])]
    for i in [*report.invoiced, None]:
        name, amounts = (i.name, (i.invoiced, i.credited, i.net)) if i else ("Total", tuple(
            report.invoiced_totals[k] for k in ("invoiced", "credited", "net")))
        for measure, amount in zip(("invoiced", "credited", "net invoiced"), amounts, strict=True):
            yield ["invoiced per practitioner", name, measure, _cell(amount)]
