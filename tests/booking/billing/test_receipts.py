"""The receipt a patient claims with: every field an insurer needs, read back from the PDF itself."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from booking.billing import receipts
from booking.billing import services as billing
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
