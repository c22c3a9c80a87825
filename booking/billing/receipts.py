"""The receipt: one partial (templates/billing/_receipt.html) for the printable page and the PDF.

The PDF is the same HTML laid out by WeasyPrint (system libraries: Pango, installed by ``make``), so
what the front desk prints and what the patient downloads or is emailed can never disagree.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from clinic.models import ClinicProfile

from .models import Invoice

RECEIPT_CSS = "css/receipt.css"


def receipt_context(invoice: Invoice) -> dict:
    invoice = (Invoice.objects.select_related("patient", "practitioner", "appointment__service")
               .prefetch_related("lines", "payments", "credits").get(pk=invoice.pk))
    return {"invoice": invoice, "clinic": ClinicProfile.load(), "lines": list(invoice.lines.all()),
            "payments": list(invoice.payments.all()), "credits": list(invoice.credits.all())}


def receipt_html(invoice: Invoice, *, request=None) -> str:
    return render_to_string("billing/receipt_pdf.html", receipt_context(invoice),
                            request=request)


def receipt_pdf(invoice: Invoice) -> bytes:
    """The receipt as PDF bytes (A4 or letter follows the CSS ``@page`` size: letter, as in Canada)."""
    from weasyprint import CSS, HTML  # imported here: loading Pango costs ~0.3 s, only receipts need it

    stylesheet = finders.find(RECEIPT_CSS)
    return HTML(string=receipt_html(invoice)).write_pdf(stylesheets=[CSS(filename=stylesheet)])


def receipt_filename(invoice: Invoice) -> str:
    return f"receipt-{invoice.display_number}.pdf"
