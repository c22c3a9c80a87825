"""The front desk's day in money: balances owing, the day's payments by method, visits not yet
checked out, and every invoice still owing. Reads only (the writes are in ``services``).

Who may see which rows is the staff area's rule (``booking.staff.access``), which this module never
imports: callers pass the appointments a user may see as ``within``. Money stays ``Decimal`` from
the database (``Sum``) to the page; nothing here converts time zones in SQL: a local day is the UTC
range ``schedules.local_day_bounds`` gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, QuerySet, Sum

from booking import schedules
from booking.models import Appointment

from . import fees
from .models import MONEY, ZERO, FeePolicy, Invoice, Payment

Method = Payment.Method
# The card terminal's end-of-day batch adds up the first group; cash is counted in the till, e-Transfers
# and third-party payments are matched against the bank.
METHOD_GROUPS = (
    ("Card terminal batch", (Method.DEBIT, Method.CREDIT_CARD)),
    ("Cash and e-Transfer", (Method.CASH, Method.E_TRANSFER)),
    ("Third-party payers", tuple(Payment.THIRD_PARTY)),
)
BALANCE = ExpressionWrapper(F("total") - F("amount_paid") - F("amount_credited"), output_field=DecimalField(**MONEY))


def _within(queryset: QuerySet, within: QuerySet[Appointment] | None, lookup: str) -> QuerySet:
    return queryset if within is None else queryset.filter(**{f"{lookup}__in": within.values("pk")})


def balances_by_patient(patient_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each patient owes over all their live invoices (any day, not just today), in one query;
    patients who owe nothing are left out."""
    ids = set(patient_ids)
    if not ids:
        return {}
    rows = (Invoice.objects.owing().filter(patient_id__in=ids).values("patient_id")
            .annotate(owed=Sum(BALANCE)).values_list("patient_id", "owed"))
    return dict(rows)


# --- reconciliation -------------------------------------------------------------------------------
@dataclass
class MethodTotal:
    label: str
    count: int = 0
    total: Decimal = ZERO

    def add(self, other: MethodTotal) -> None:
        self.count += other.count
        self.total += other.total


@dataclass
class MethodGroup:
    label: str
    lines: list[MethodTotal]
    subtotal: MethodTotal


@dataclass
class DayTakings:
    """The payments received on one day, listed, and totalled by method in groups with subtotals."""

    payments: list[Payment]
    groups: list[MethodGroup]
    total: MethodTotal


def day_payments(day: date, *, within: QuerySet[Appointment] | None = None) -> DayTakings:
    """Payments whose ``received_on`` is ``day`` (the date the money came in, whenever it was typed in).

    Every method has its line, zero where nothing was taken, so a missing card payment shows as a
    difference from the terminal's batch rather than as a missing line."""
    payments = _within(Payment.objects.filter(received_on=day), within, "invoice__appointment")
    sums = {method: MethodTotal(Method(method).label, n, amount) for method, n, amount in
            payments.order_by().values("method").annotate(n=Count("pk"), amount=Sum("amount"))
            .values_list("method", "n", "amount")}
    grouped = {m for _, methods in METHOD_GROUPS for m in methods}
    others = tuple(m for m in Method if m not in grouped)  # a method added later still counts somewhere
    total = MethodTotal("Everything received")
    groups = []
    for label, methods in (*METHOD_GROUPS, *((("Other", others),) if others else ())):
        lines = [sums.get(m.value) or MethodTotal(m.label) for m in methods]
        subtotal = MethodTotal(label)
        for line in lines:
            subtotal.add(line)
        total.add(subtotal)
        groups.append(MethodGroup(label, lines, subtotal))
    listed = list(payments.select_related("invoice__patient").order_by("recorded_at", "pk"))
    return DayTakings(listed, groups, total)


def _of_day(day: date, within: QuerySet[Appointment] | None) -> QuerySet[Appointment]:
    start, end = schedules.local_day_bounds(day)
    appointments = within if within is not None else Appointment.objects.all()
    return (appointments.filter(start__gte=start, start__lt=end)
            .select_related("patient", "service", "practitioner").order_by("start", "practitioner__order", "pk"))


def not_checked_out(day: date, *, within: QuerySet[Appointment] | None = None) -> list[Appointment]:
    """Visits of ``day`` marked completed that have no live visit invoice yet."""
    invoiced = Invoice.objects.live().filter(appointment=OuterRef("pk"), kind=Invoice.Kind.VISIT)
    return list(_of_day(day, within).filter(status=Appointment.Status.COMPLETED).exclude(Exists(invoiced)))


def not_marked(day: date, *, within: QuerySet[Appointment] | None = None) -> list[Appointment]:
    """Visits of ``day`` still requested or confirmed (arrived or not): nobody marked how they went."""
    return list(_of_day(day, within).active())


def fee_decisions(day: date, *, within: QuerySet[Appointment] | None = None) -> list[Appointment]:
    """Visits of ``day`` missed or cancelled late whose fee is neither charged nor waived yet."""
    return list(fees.awaiting_decision(_of_day(day, within), FeePolicy.load()))


@dataclass
class Outstanding:
    invoices: list[Invoice]
    count: int
    total: Decimal


def outstanding(*, within: QuerySet[Appointment] | None = None) -> Outstanding:
    """Every live invoice still owing, oldest first, with their count and what they owe together."""
    owing = _within(Invoice.objects.owing(), within, "appointment")
    invoices = list(owing.select_related("patient", "practitioner").order_by("issued_at", "number"))
    return Outstanding(invoices, len(invoices), sum((i.balance for i in invoices), ZERO))
