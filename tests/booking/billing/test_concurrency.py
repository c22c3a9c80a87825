"""Races for money, against real Postgres: each thread has its own connection and transaction."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from booking import services
from booking.billing import fees
from booking.billing import services as billing
from booking.billing.models import FeePolicy, Invoice, Payment
from booking.models import Appointment
from tests.booking.races import held_open
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20


def run_together(work, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def racer(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects what each racer met
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def completed_visits(count: int) -> list[Appointment]:
    service = make_service()
    practitioners = [make_practitioner() for _ in range(4)]
    visits = []
    for i in range(count):  # four practitioners, Monday 23 to Friday 27 November, 9:00 and 11:00
        who, rest = i % 4, i // 4
        start = local(2026, 11, 23 + rest % 5, 9 + 2 * (rest // 5))
        appointment, _ = book(start=start, practitioner=practitioners[who], service=service, patient=make_patient(),
                              now=local(2026, 11, 20, 9))
        visits.append(appointment)
    Appointment.objects.filter(pk__in=[v.pk for v in visits]).update(status=Appointment.Status.COMPLETED)
    return visits


def test_twenty_check_outs_at_once_get_twenty_consecutive_numbers():
    visits = completed_visits(RACERS)
    results = run_together(lambda i: billing.check_out(appointment=visits[i], actor=None, now=NOW).number, RACERS)
    assert all(isinstance(number, int) for number in results), results
    assert sorted(results) == list(range(min(results), min(results) + RACERS))  # distinct, no gaps
    assert Invoice.objects.count() == RACERS


def test_checking_out_one_visit_twice_at_once_makes_one_invoice():
    visit = completed_visits(1)[0]
    results = run_together(lambda i: billing.check_out(appointment=visit, actor=None, now=NOW).pk, 8)
    assert len(set(results)) == 1 and Invoice.objects.count() == 1, results


def test_racing_payments_never_pay_an_invoice_past_its_total():
    invoice = billing.check_out(appointment=completed_visits(1)[0], actor=None, now=NOW)  # $140.00
    amount = Decimal("50.00")
    results = run_together(lambda i: billing.record_payment(
        invoice=invoice, method="cash", amount=amount, received_on=date(2026, 11, 24), actor=None, now=NOW), 10)
    taken = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, billing.BillingError)]
    assert len(taken) == 2 and len(refused) == 8, results  # 2 × $50 fit in $140; a third would not
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00") == sum(p.amount for p in Payment.objects.all())


def test_racing_charges_and_waivers_of_one_missed_visit_make_exactly_one_decision():
    from booking.billing import fees
    from booking.billing.models import FeePolicy, FeeWaiver

    FeePolicy.objects.update_or_create(pk=1, defaults={"enabled": True})
    visit = completed_visits(1)[0]
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.NO_SHOW)

    def decide(i: int):
        if i % 2:
            return fees.charge_fee(appointment=visit, actor=None, now=NOW)
        return fees.waive_fee(appointment=visit, reason="First miss", actor=None, now=NOW)

    results = run_together(decide, 10)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, billing.BillingError) for e in errors), errors
    assert len(errors) == 9
    assert Invoice.objects.filter(appointment=visit).count() + FeeWaiver.objects.filter(appointment=visit).count() == 1


def test_the_same_payment_sent_many_times_at_once_is_recorded_once():
    """A double click on "Record payment" (or a browser sending it again): one form, one key, one payment."""
    import uuid

    invoice = billing.check_out(appointment=completed_visits(1)[0], actor=None, now=NOW)
    key = uuid.uuid4()
    results = run_together(lambda i: billing.record_payment(
        invoice=invoice, method="debit", amount=Decimal("1.00"), received_on=date(2026, 11, 30), actor=None,
        now=NOW, submission=key), 10)
    assert sum(isinstance(r, Payment) for r in results) == 1
    assert all(isinstance(r, Payment) or billing.sent_before(r) for r in results), results
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("1.00") and Payment.objects.filter(invoice=invoice).count() == 1


def test_an_undo_of_the_completion_while_the_visit_is_checked_out_never_leaves_a_live_invoice_on_it():
    """The undo waits for the check-out's lock on the visit, then sees its invoice and refuses ("void it
    first"); before, it could not see the invoice yet and put the visit back to confirmed under it."""
    visit, _ = book(start=local(2026, 11, 30, 9), practitioner=make_practitioner(), now=local(2026, 11, 29, 9),
                    source=Appointment.Source.STAFF)
    now = local(2026, 11, 30, 9, 50)
    with time_machine.travel(now, tick=True):  # the mark is undone the day it was recorded
        services.mark_attendance(appointment=visit, status=Appointment.Status.COMPLETED, actor=None, now=now)
        checking_out = held_open(lambda: billing.check_out(appointment=visit, actor=None, now=now), commit_after=0.5)
        with checking_out as made, pytest.raises(services.BookingError, match="void its invoice first"):
            services.undo_attendance(appointment=visit, actor=None, now=now)
    assert isinstance(made, Invoice)
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.COMPLETED
    assert Invoice.objects.live().filter(appointment=visit).count() == 1


def test_a_fee_charged_while_another_visit_of_the_service_is_checked_out_is_not_a_database_error():
    """The check-out holds the invoice counter until it commits; the fee waits for the counter. The fee once
    locked its visit's service FOR UPDATE, which the check-out's invoice line (pointing at that service) needs
    to share at commit: a deadlock, and one of the two failed."""
    FeePolicy.objects.update_or_create(pk=1, defaults={"enabled": True})
    service = make_service()
    missed, _ = book(start=local(2026, 11, 30, 9), practitioner=make_practitioner(), service=service,
                     now=local(2026, 11, 27, 9))
    done, _ = book(start=local(2026, 11, 30, 9), practitioner=make_practitioner(), service=service,
                   now=local(2026, 11, 27, 9))
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.NO_SHOW)
    Appointment.objects.filter(pk=done.pk).update(status=Appointment.Status.COMPLETED)
    now = local(2026, 11, 30, 11)
    with held_open(lambda: billing.check_out(appointment=done, actor=None, now=now), commit_after=0.5) as checked_out:
        fee = fees.charge_fee(appointment=missed, actor=None, now=now)
    assert isinstance(checked_out, Invoice), checked_out
    assert sorted([checked_out.number, fee.number]) == [1, 2]
