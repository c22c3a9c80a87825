"""The yearly statement: every paid visit of a patient in one calendar year, for their tax return and
their insurer. Rendered like the receipt (one partial for the page and the PDF, ``receipts.render_pdf``).

What the patient paid themselves is kept apart from what an insurer, ICBC or WorkSafeBC paid: only
the first is a medical expense the patient can claim on a tax return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from booking.models import Patient
from clinic.models import ClinicProfile

from .models import ZERO, Invoice, Payment


@dataclass
class StatementRow:
    invoice: Invoice
    by_patient: Decimal = ZERO
    by_third_party: Decimal = ZERO
    third_parties: set[str] = field(default_factory=set)


def statement_context(patient: Patient, year: int) -> dict:
    """The paid (fully or in part) live invoices of ``patient`` with a date of service in ``year``."""
    year_range = (date(year, 1, 1), date(year, 12, 31))  # dates of service: plain dates, no time zone involved
    invoices = (Invoice.objects.live().filter(patient=patient, service_date__range=year_range, amount_paid__gt=0,
                                              kind=Invoice.Kind.VISIT)  # fees are not visits, nor medical expenses
                .select_related("practitioner").prefetch_related("lines", "payments")
                .order_by("service_date", "number"))
    rows = []
    for invoice in invoices:
        row = StatementRow(invoice)
        for payment in invoice.payments.all():
            if payment.method in Payment.THIRD_PARTY:
                row.by_third_party += payment.amount
                row.third_parties.add(payment.payer or payment.get_method_display())
            else:
                row.by_patient += payment.amount
        rows.append(row)
    return {
        "patient": patient, "year": year, "rows": rows, "clinic": ClinicProfile.load(),
        "total_charged": sum((r.invoice.total for r in rows), ZERO),
        "total_by_patient": sum((r.by_patient for r in rows), ZERO),
        "total_by_third_party": sum((r.by_third_party for r in rows), ZERO),
        "total_credited": sum((r.invoice.amount_credited for r in rows), ZERO),
        "total_owing": sum((r.invoice.balance for r in rows), ZERO),
    }


def years_with_payments(patient: Patient) -> list[int]:
    """The years a statement can be made for, newest first."""
    paid = Invoice.objects.live().filter(patient=patient, amount_paid__gt=0, kind=Invoice.Kind.VISIT)
    dates = paid.dates("service_date", "year", order="DESC")
    return [d.year for d in dates]


def statement_filename(patient: Patient, year: int) -> str:
    return f"statement-{year}-patient-{patient.pk}.pdf"
