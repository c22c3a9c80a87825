"""The day's money (booking/billing/daybook.py) on real Postgres: balances, takings by method,
visits left open, invoices outstanding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from booking.billing import daybook
from booking.billing import services as billing
from booking.billing.models import Invoice
from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db
Status = Appointment.Status
DAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def visit(practitioner, start, *, patient=None, status=Status.COMPLETED) -> Appointment:
    appointment, _ = book(start=start, practitioner=practitioner, patient=patient or make_patient(),
                          now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    return appointment


def invoice_for(appointment) -> Invoice:
    return billing.check_out(appointment=appointment, actor=None, now=NOW)


def pay(invoice, amount, method="debit", received_on=DAY):
    return billing.record_payment(invoice=invoice, method=method, amount=Decimal(amount), received_on=received_on,
                                  actor=None, now=NOW)


@pytest.fixture
def maya():
    return make_practitioner("Maya Chen")


# --- balances -----------------------------------------------------------------------------------
def test_a_balance_adds_every_live_invoice_of_the_patient_and_ignores_voided_and_paid_ones(maya):
    robin, noor, sam = make_patient(), make_patient(), make_patient()
    pay(invoice_for(visit(maya, local(2026, 11, 23, 9), patient=robin)), "40.00")  # 100.00 left
    invoice_for(visit(maya, local(2026, 11, 24, 9), patient=robin))  # 140.00
    voided = invoice_for(visit(maya, local(2026, 11, 25, 9), patient=noor))
    billing.void_invoice(invoice=voided, reason="Issued in error", actor=None, now=NOW)
    pay(invoice_for(visit(maya, local(2026, 11, 26, 9), patient=sam)), "140.00")
    balances = daybook.balances_by_patient([robin.pk, noor.pk, sam.pk])
    assert balances == {robin.pk: Decimal("240.00")}
    assert isinstance(balances[robin.pk], Decimal)


def test_a_credit_lowers_the_balance(maya):
    robin = make_patient()
    invoice = invoice_for(visit(maya, local(2026, 11, 23, 9), patient=robin))
    billing.add_credit(invoice=invoice, amount=Decimal("0.01"), reason="Rounding", actor=None, now=NOW)
    assert daybook.balances_by_patient([robin.pk]) == {robin.pk: Decimal("139.99")}


def test_no_patients_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert daybook.balances_by_patient([]) == {}


# --- the day's takings --------------------------------------------------------------------------
def lines(takings) -> dict[str, tuple[int, Decimal]]:
    return {line.label: (line.count, line.total) for group in takings.groups for line in group.lines}


def test_takings_are_totalled_by_method_in_exact_decimals_and_only_for_that_day(maya):
    invoices = [invoice_for(visit(maya, local(2026, 11, 23 + i, 9))) for i in range(4)]
    for invoice in invoices[:3]:
        pay(invoice, "33.33", "debit")
    pay(invoices[0], "10.10", "credit_card")
    pay(invoices[1], "20.00", "cash")
    pay(invoices[2], "50.00", "icbc")
    pay(invoices[3], "70.00", "debit", received_on=date(2026, 11, 29))  # the day before: not today's batch
    pay(invoices[3], "5.00", "e_transfer", received_on=date(2026, 12, 1))

    takings = daybook.day_payments(DAY)
    by_method = lines(takings)
    assert by_method["Debit card"] == (3, Decimal("99.99"))
    assert by_method["Credit card"] == (1, Decimal("10.10"))
    assert by_method["Cash"] == (1, Decimal("20.00"))
    assert by_method["Interac e-Transfer"] == (0, Decimal("0.00"))
    assert by_method["ICBC"] == (1, Decimal("50.00"))
    groups = {group.label: (group.subtotal.count, group.subtotal.total) for group in takings.groups}
    assert groups == {"Card terminal batch": (4, Decimal("110.09")), "Cash and e-Transfer": (1, Decimal("20.00")),
                      "Third-party payers": (1, Decimal("50.00"))}
    assert (takings.total.count, takings.total.total) == (6, Decimal("180.09"))
    assert all(isinstance(total, Decimal) for _, total in by_method.values())
    assert len(takings.payments) == 6 and all(p.received_on == DAY for p in takings.payments)


def test_every_method_has_a_line_on_a_day_without_payments():
    takings = daybook.day_payments(DAY)
    assert len(lines(takings)) == 7 and takings.total.total == Decimal("0.00") and takings.payments == []


def test_takings_keep_to_the_appointments_a_user_may_see(maya):
    daniel = make_practitioner("Daniel Okafor")
    pay(invoice_for(visit(maya, local(2026, 11, 23, 9))), "12.34")
    pay(invoice_for(visit(daniel, local(2026, 11, 23, 9))), "56.78")
    takings = daybook.day_payments(DAY, within=Appointment.objects.filter(practitioner=maya))
    assert takings.total.total == Decimal("12.34")


# --- visits left open ---------------------------------------------------------------------------
def test_completed_visits_without_a_live_visit_invoice_are_not_checked_out(maya):
    checked = visit(maya, local(2026, 11, 30, 9))
    invoice_for(checked)
    voided = visit(maya, local(2026, 11, 30, 10))
    billing.void_invoice(invoice=invoice_for(voided), reason="Wrong service", actor=None, now=NOW)
    forgotten = visit(maya, local(2026, 11, 30, 11))
    evening = make_practitioner("Ana Reyes", hours=((9, 18),))
    late = visit(evening, local(2026, 11, 30, 17))  # 5 p.m. in BC (UTC-7) is the next day in UTC
    visit(maya, local(2026, 12, 1, 9))  # another day
    confirmed = visit(maya, local(2026, 11, 30, 13), status=Status.CONFIRMED)
    visit(maya, local(2026, 11, 30, 14), status=Status.NO_SHOW)
    assert late.start.date() == date(2026, 12, 1)  # the UTC date differs: the local day must still hold it
    assert [a.pk for a in daybook.not_checked_out(DAY)] == [voided.pk, forgotten.pk, late.pk]
    assert [a.pk for a in daybook.not_marked(DAY)] == [confirmed.pk]


def test_visits_not_marked_include_arrived_and_requested_ones(maya):
    arrived = visit(maya, local(2026, 11, 30, 9), status=Status.CONFIRMED)
    Appointment.objects.filter(pk=arrived.pk).update(arrived_at=local(2026, 11, 30, 8, 55))
    requested = visit(maya, local(2026, 11, 30, 10), status=Status.REQUESTED)
    visit(maya, local(2026, 11, 30, 11), status=Status.CANCELLED)
    assert [a.pk for a in daybook.not_marked(DAY)] == [arrived.pk, requested.pk]


# --- outstanding --------------------------------------------------------------------------------
def test_outstanding_lists_live_owing_invoices_oldest_first_with_their_total(maya):
    with time_machine.travel(local(2026, 11, 25, 12), tick=False):
        newer = billing.check_out(appointment=visit(maya, local(2026, 11, 24, 9)), actor=None,
                                  now=local(2026, 11, 25, 12))
    with time_machine.travel(local(2026, 11, 23, 12), tick=False):
        older = billing.check_out(appointment=visit(maya, local(2026, 11, 23, 9)), actor=None,
                                  now=local(2026, 11, 23, 12))
    pay(older, "0.01")
    paid = invoice_for(visit(maya, local(2026, 11, 26, 9)))
    pay(paid, "140.00")
    void = invoice_for(visit(maya, local(2026, 11, 27, 9)))
    billing.void_invoice(invoice=void, reason="Issued in error", actor=None, now=NOW)

    owing = daybook.outstanding()
    assert [i.pk for i in owing.invoices] == [older.pk, newer.pk]
    assert owing.count == 2 and owing.total == Decimal("279.99")
