"""The receipt: one partial (templates/billing/_receipt.html) for the printable page and the PDF
(and ``render_pdf`` for the yearly statement, laid out the same way).

The PDF is the same HTML laid out by WeasyPrint (system libraries: Pango, installed by ``make``), so
what the front desk prints and what the patient downloads or is emailed can never disagree.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from clinic.models import ClinicProfile

from .models import Invoice, PdfCopy

RECEIPT_CSS = "css/receipt.css"


def receipt_context(invoice: Invoice) -> dict:
    invoice = (Invoice.objects.select_related("patient", "practitioner", "appointment__service")
               .prefetch_related("lines", "payments", "credits").get(pk=invoice.pk))
    return {"invoice": invoice, "clinic": ClinicProfile.load(), "lines": list(invoice.lines.all()),
            "payments": list(invoice.payments.all()), "credits": list(invoice.credits.all())}


def render_pdf(template: str, context: dict) -> bytes:
    """A page of ``template`` as PDF bytes, laid out with the receipt's stylesheet (its ``@page``
    size is letter, as in Canada). Laying out takes WeasyPrint ~100 ms, rendering the HTML a few: the
    PDF is stored under the hash of its HTML and stylesheet (``PdfCopy``), so the same receipt printed,
    downloaded and emailed is laid out once, and any change to it is a new document at once."""
    html = render_to_string(template, context)
    stylesheet = Path(finders.find(RECEIPT_CSS))
    key = hashlib.sha256(html.encode() + b"\0" + stylesheet.read_bytes()).hexdigest()
    return PdfCopy.objects.made(key, lambda: _layout(html, stylesheet))


def _layout(html: str, stylesheet: Path) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs ~0.3 s, only PDFs need it

    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(stylesheet))])


def receipt_pdf(invoice: Invoice) -> bytes:
    return render_pdf("billing/receipt_pdf.html", receipt_context(invoice))


def receipt_filename(invoice: Invoice) -> str:
    return f"receipt-{invoice.display_number}.pdf"
