"""Billing rules through booking/billing/services.py, on real Postgres: money is exact and constrained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError, transaction

from booking import services
from booking.billing import services as billing
from booking.billing.models import Invoice, Payment
from booking.models import Appointment
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 24)


def completed_visit(hour=9, *, price="140.00"):
    service = make_service()
    if service.price != D(price):
        service.price = D(price)
        service.save()
    appointment, _ = book(start=local(2026, 11, 24, hour), practitioner=make_practitioner(),
                          now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    appointment.refresh_from_db()
    return appointment


def test_check_out_makes_one_invoice_at_the_price_of_the_day():
    visit = completed_visit(price="140.00")
    invoice = billing.check_out(appointment=visit, actor=None, now=NOW)
    assert invoice.total == D("140.00") and invoice.balance == D("140.00") and invoice.number >= 1
    assert invoice.service_date == date(2026, 11, 24) and invoice.patient == visit.patient
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [(visit.service.name, D("140.00"))]
    # The price changes later: the invoice keeps the price it was made with, and checking out again finds it.
    visit.service.price = D("150.00")
    visit.service.save()
    again = billing.check_out(appointment=visit, actor=None, now=NOW)
    assert again.pk == invoice.pk and again.total == D("140.00")


def test_a_check_out_that_fails_at_its_line_leaves_no_invoice_and_no_number_used(monkeypatch):
    from booking.billing.models import InvoiceCounter, InvoiceLine

    visit = completed_visit()
    before = InvoiceCounter.objects.filter(pk=1).values_list("last", flat=True).first()

    def lost_connection(**kwargs):
        raise OperationalError("the server closed the connection")

    monkeypatch.setattr(InvoiceLine.objects, "create", lost_connection)
    with pytest.raises(OperationalError):
        billing.check_out(appointment=visit, actor=None, now=NOW)
    assert not Invoice.objects.exists()
    assert InvoiceCounter.objects.filter(pk=1).values_list("last", flat=True).first() == before
    monkeypatch.undo()
    assert billing.check_out(appointment=visit, actor=None, now=NOW).lines.count() == 1


def test_only_a_completed_visit_is_checked_out():
    appointment, _ = book(start=local(2026, 12, 2, 9), practitioner=make_practitioner())
    with pytest.raises(billing.BillingError, match="completed"):
        billing.check_out(appointment=appointment, actor=None, now=NOW)
    assert not Invoice.objects.exists()


def test_numbers_are_consecutive_and_a_void_keeps_its_number():
    first = billing.check_out(appointment=completed_visit(9), actor=None, now=NOW)
    billing.void_invoice(invoice=first, reason="Wrong patient", actor=None, now=NOW)
    second = billing.check_out(appointment=completed_visit(11), actor=None, now=NOW)
    assert second.number == first.number + 1
    redo = billing.check_out(appointment=first.appointment, actor=None, now=NOW)  # a new invoice after the void
    assert redo.number == second.number + 1 and redo.pk != first.pk


def test_split_billing_insurer_then_patient_top_up():
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method=Payment.Method.ICBC, amount=D("106.63"),
                           received_on=DAY,
                           payer="ICBC", reference="CLAIM-77", actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method=Payment.Method.DEBIT, amount=D("33.37"),
                           received_on=DAY,
                           actor=None, now=NOW)
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("140.00") and invoice.balance == D("0.00") and invoice.paid_in_full


@pytest.mark.parametrize("amount, message", [
    (D("140.01"), "more than the \\$140.00 still owed"), (D("0"), "greater than zero"),
    (D("-5"), "greater than zero"),
    (D("10.005"), "dollars and cents"), (D("NaN"), "greater than zero"), (D("Infinity"), "greater than zero"),
])
def test_a_payment_never_exceeds_what_is_owed_and_is_exact(amount, message):
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    with pytest.raises(billing.BillingError, match=message):
        billing.record_payment(invoice=invoice, method="cash", amount=amount, received_on=DAY,
                               actor=None, now=NOW)
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("0.00") and not Payment.objects.exists()


@pytest.mark.parametrize("reference", ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559",
                                       "4111  1111  1111  1111", "4111.1111.1111.1111", "4111/1111/1111/1111",
                                       "card 4111 1111 1111 1111 2026", "3782 822463 10005",
                                       "4111\u00a01111\u00a01111\u00a01111", "4111 \u2013 1111 \u2013 1111 \u2013 1111",
                                       "4111 - 1111 - 1111 - 1111", "4111-1111 1111-1111", "\uff14" + "\uff11" * 15,
                                       "4111\t1111\t1111\t1111", "4111_1111_1111_1111"])
def test_card_numbers_are_never_stored(reference):
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    with pytest.raises(billing.BillingError, match="card number"):
        billing.record_payment(invoice=invoice, method="credit_card", amount=D("10.00"), received_on=DAY,
                               reference=reference, actor=None, now=NOW)
    assert not Payment.objects.exists()
    assert not billing.looks_like_card_number("Terminal receipt 004417")
    assert not billing.looks_like_card_number("")
    assert not billing.looks_like_card_number("Refund of $45.00 for the visit of 2026-11-30, claim 88-123")


@pytest.mark.parametrize("text", [
    "Per PBC 1-800-663-3051 2026-11-30", "604-555-0199 778-555-0123", "PHN 9123 456 789 2026-11-30",
    "2026/11/30/604-555-0199", "claim 30412876 2026-11-30", "2026-11-30 2026-12-14", "ref 004417 45.00 2026",
    "$1,234.56, $7,890.12", "1,250.00 2026-11-30 604-555-0199", "2026-11-30 - 2026-12-14"])
def test_phone_numbers_dates_phns_and_claims_are_not_card_numbers(text):
    """Desk text runs numbers together; none of these is written as a card number is."""
    assert not billing.looks_like_card_number(text)


def test_no_run_of_phone_numbers_and_dates_is_taken_for_a_card():
    """Before, any 12 to 19 digits joined by single spaces or dashes passing Luhn (1 in 10) were refused."""
    import random
    rnd = random.Random(7)

    def digits(n):
        return "".join(rnd.choice("0123456789") for _ in range(n))
    samples = [f"604-555-{digits(4)} 2026-{rnd.randint(1, 12):02}-{rnd.randint(1, 28):02}" for _ in range(300)]
    samples += [f"9{digits(3)} {digits(3)} {digits(3)} 2026-11-{rnd.randint(10, 28)}" for _ in range(300)]
    assert not [text for text in samples if billing.looks_like_card_number(text)]


@pytest.mark.parametrize("action", ["credit", "void"])
def test_no_card_number_goes_into_a_credit_or_void_reason(action):
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    with pytest.raises(billing.BillingError, match="card number"):
        if action == "credit":
            billing.add_credit(invoice=invoice, amount=D("10.00"), reason="refunded to card 4111111111111111",
                               actor=None, now=NOW)
        else:
            billing.void_invoice(invoice=invoice, reason="paid on card 4111.1111.1111.1111", actor=None, now=NOW)
    invoice.refresh_from_db()
    assert not invoice.credits.exists() and not invoice.voided


def test_a_credit_lowers_what_is_owed_and_a_void_needs_no_payments():
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    billing.add_credit(invoice=invoice, amount=D("40.00"), reason="Courtesy: first visit ran short", actor=None,
                       now=NOW)
    with pytest.raises(billing.BillingError, match="more than the \\$100.00"):
        billing.record_payment(invoice=invoice, method="cash", amount=D("100.01"), received_on=DAY,
                               actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="cash", amount=D("100.00"), received_on=DAY,
                           actor=None, now=NOW)
    with pytest.raises(billing.BillingError, match="give a credit instead"):
        billing.void_invoice(invoice=invoice, reason="Mistake", actor=None, now=NOW)
    invoice.refresh_from_db()
    assert invoice.paid_in_full and not invoice.voided


def test_the_database_refuses_impossible_amounts_whatever_the_code_does():
    invoice = billing.check_out(appointment=completed_visit(), actor=None, now=NOW)
    for change in ({"total": D("-1.00")}, {"amount_paid": D("140.01")}, {"amount_paid": D("-0.01")},
                   {"voided_at": NOW}, {"amount_paid": D("1.00"), "voided_at": NOW, "void_reason": "x"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(invoice=invoice, method="cash", amount=D("0.00"), received_on=DAY,
                               recorded_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():  # a second live invoice for the same visit
        Invoice.objects.create(number=99, appointment=invoice.appointment, patient=invoice.patient,
                               practitioner=invoice.practitioner, service_date=invoice.service_date, issued_at=NOW,
                               total=D("1.00"))


def test_cancelled_visits_are_not_billed_as_visits():
    appointment, _ = book(start=local(2026, 12, 2, 9), practitioner=make_practitioner())
    services.cancel_appointment(appointment=appointment, now=NOW, actor=None)
    with pytest.raises(billing.BillingError):
        billing.check_out(appointment=appointment, actor=None, now=NOW)
