"""The receipt a patient claims with: every field an insurer needs, read back from the PDF itself."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from booking.billing import receipts
from booking.billing import services as billing
from booking.billing.models import Invoice, PdfCopy
from booking.models import Appointment
from clinic.models import ClinicProfile
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_invoice():
    practitioner = make_practitioner("Maya Chen")
    practitioner.designation, practitioner.registration_number = "Physiotherapist", "PT-04417"
    practitioner.save()
    appointment, _ = book(start=local(2026, 11, 24, 9), practitioner=practitioner, service=make_service(),
                          patient=make_patient(first_name="Robin", last_name="Okafor"), now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    invoice = billing.check_out(appointment=appointment, actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="icbc", amount=Decimal("106.63"), received_on=date(2026, 11, 24),
                           payer="ICBC", actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="debit", amount=Decimal("33.37"), received_on=date(2026, 11, 24),
                           actor=None, now=NOW)
    invoice.refresh_from_db()
    return invoice


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_receipt_pdf_has_every_field_an_insurer_needs(paid_invoice):
    data = receipts.receipt_pdf(paid_invoice)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    clinic = ClinicProfile.load()
    for expected in (
        clinic.name, clinic.street_address, clinic.phone,  # the clinic
        f"Receipt {paid_invoice.display_number}", "Robin Okafor", "24 November 2026",  # number, patient, date
        "IMS initial assessment and treatment", "Maya Chen, Physiotherapist",  # service, practitioner
        "No. PT-04417, College of Health and Care Professionals of BC",  # registration with the regulator
        "$140.00", "ICBC", "$106.63", "Debit card", "$33.37", "Balance owing $0.00",  # amounts and payments
        "exempt from GST/HST",
    ):
        assert expected in text, expected


def test_an_unpaid_invoice_says_invoice_and_what_is_owed(paid_invoice):
    unpaid = billing.check_out(appointment=paid_invoice.appointment, actor=None, now=NOW)  # the same one
    assert unpaid.pk == paid_invoice.pk
    second_visit, _ = book(start=local(2026, 11, 25, 9), practitioner=paid_invoice.practitioner,
                           patient=paid_invoice.patient, now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=second_visit.pk).update(status=Appointment.Status.COMPLETED)
    owing = billing.check_out(appointment=second_visit, actor=None, now=NOW)
    text = pdf_text(receipts.receipt_pdf(owing))
    assert f"Invoice {owing.display_number}" in text and "Balance owing $140.00" in text


# --- a receipt is laid out once, and again as soon as anything on it changes -------------------------
def laid_out(monkeypatch) -> list[int]:
    """Count WeasyPrint's layouts (the costly part) while still making real PDFs."""
    calls, real = [], receipts._layout
    monkeypatch.setattr(receipts, "_layout", lambda *args: calls.append(1) or real(*args))
    return calls


def test_the_same_receipt_is_laid_out_once_and_served_the_same_bytes(paid_invoice, monkeypatch):
    calls = laid_out(monkeypatch)
    first = receipts.receipt_pdf(paid_invoice)
    again = receipts.receipt_pdf(Invoice.objects.get(pk=paid_invoice.pk))
    assert again == first and len(calls) == 1
    assert PdfCopy.objects.count() == 1


def test_a_payment_a_credit_a_new_clinic_address_or_a_void_shows_at_once(monkeypatch):
    practitioner = make_practitioner("Maya Chen")
    appointment, _ = book(start=local(2026, 11, 24, 9), practitioner=practitioner, service=make_service(),
                          patient=make_patient(first_name="Robin", last_name="Okafor"), now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    invoice = billing.check_out(appointment=appointment, actor=None, now=NOW)
    calls = laid_out(monkeypatch)
    assert "Balance owing $140.00" in pdf_text(receipts.receipt_pdf(invoice))
    billing.record_payment(invoice=invoice, method="debit", amount=Decimal("40.00"), received_on=date(2026, 11, 24),
                           actor=None, now=NOW)
    assert "Balance owing $100.00" in pdf_text(receipts.receipt_pdf(invoice))
    billing.add_credit(invoice=invoice, amount=Decimal("10.00"), reason="Goodwill", actor=None, now=NOW)
    assert "Balance owing $90.00" in pdf_text(receipts.receipt_pdf(invoice))
    clinic = ClinicProfile.load()
    clinic.street_address = "99 New Street"
    clinic.save()
    assert "99 New Street" in pdf_text(receipts.receipt_pdf(invoice))
    second, _ = book(start=local(2026, 11, 25, 9), practitioner=practitioner, patient=invoice.patient,
                     now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=second.pk).update(status=Appointment.Status.COMPLETED)
    unpaid = billing.check_out(appointment=second, actor=None, now=NOW)
    assert "VOID" not in pdf_text(receipts.receipt_pdf(unpaid)).upper()
    voided = billing.void_invoice(invoice=unpaid, reason="Billed to the wrong patient", actor=None, now=NOW)
    assert "VOID" in pdf_text(receipts.receipt_pdf(voided)).upper()
    assert len(calls) == 6


def test_copies_older_than_the_keeping_time_go_when_a_new_one_is_stored(paid_invoice, settings):
    PdfCopy.objects.create(key="0" * 64, pdf=b"%PDF-old", made_at=NOW - timedelta(days=settings.PDF_COPY_DAYS + 1))
    PdfCopy.objects.create(key="1" * 64, pdf=b"%PDF-recent", made_at=timezone.now() - timedelta(days=1))
    receipts.receipt_pdf(paid_invoice)
    assert not PdfCopy.objects.filter(key="0" * 64).exists()
    assert PdfCopy.objects.filter(key="1" * 64).exists() and PdfCopy.objects.count() == 2
