"""The receipt email: queued once, in the transaction that settles the invoice, with the PDF attached."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from booking import emails
from booking.billing import services as billing
from booking.billing.models import Invoice
from booking.models import Appointment, EmailNotice
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db
RECEIPT = EmailNotice.Kind.RECEIPT


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def invoice() -> Invoice:
    visit, _ = book(start=local(2026, 11, 24, 9), practitioner=make_practitioner("Maya Chen"),
                    patient=make_patient(first_name="Robin", last_name="Okafor", email="robin@example.com"),
                    now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.COMPLETED)
    return billing.check_out(appointment=visit, actor=None, now=NOW)


def pay(invoice, amount, method="debit"):
    return billing.record_payment(invoice=invoice, method=method, amount=Decimal(amount),
                                  received_on=date(2026, 11, 30), actor=None, now=NOW)


def test_the_payment_that_settles_a_split_invoice_emails_one_receipt_with_the_pdf(
        invoice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice, "100.00", method="icbc")  # ICBC's part: still $40 owing, no receipt yet
    assert not EmailNotice.objects.filter(kind=RECEIPT).exists() and not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice, "40.00")  # the patient's top-up settles it
    notice = EmailNotice.objects.get(kind=RECEIPT)
    assert notice.invoice_number == invoice.number and notice.sent_at is not None
    [message] = mailoutbox
    assert message.to == ["robin@example.com"] and invoice.display_number in message.subject
    assert "Thank you for your payment" in message.body and "claim what you paid" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"receipt-{invoice.display_number}.pdf" and mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert invoice.display_number in text and "Robin Okafor" in text and "ICBC" in text and "Balance" in text
    # the sender running again (a retry, a second worker) sends nothing more
    assert emails.deliver(notice.pk, now=NOW) is None
    assert len(mailoutbox) == 1
    invoice.refresh_from_db()
    assert invoice.receipt_sent_at == NOW


def test_a_receipt_is_claimed_once_and_never_for_an_invoice_settled_by_credit_alone(invoice):
    billing.add_credit(invoice=invoice, amount=Decimal("140.00"), reason="Courtesy", actor=None, now=NOW)
    assert not EmailNotice.objects.filter(kind=RECEIPT).exists()
    second = billing.check_out(appointment=invoice.appointment, actor=None, now=NOW)
    assert second.pk == invoice.pk  # the same live invoice
    assert billing._receipt_when_paid(invoice, NOW) is False


def test_a_credit_that_settles_a_part_paid_invoice_sends_the_receipt(invoice):
    pay(invoice, "120.00")
    assert not EmailNotice.objects.filter(kind=RECEIPT).exists()
    billing.add_credit(invoice=invoice, amount=Decimal("20.00"), reason="Shorter visit", actor=None, now=NOW)
    assert EmailNotice.objects.filter(kind=RECEIPT, invoice_number=invoice.number).count() == 1
    assert billing._receipt_when_paid(invoice, NOW) is False  # already claimed
    assert EmailNotice.objects.filter(kind=RECEIPT).count() == 1


def test_a_receipt_for_a_visit_the_plan_paid_in_full_does_not_invite_a_claim(invoice, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice, "140.00", method="worksafebc")
    [message] = mailoutbox
    assert "Thank you for your payment" not in message.body
    assert "nothing for you to claim" in message.body
