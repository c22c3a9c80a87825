"""Writes for billing: check out a visit, take a payment, credit, void. Each is one transaction.

The database is the last word on every race: the invoice number comes from one counter row updated
with one ``UPDATE`` in the invoice's own transaction (two check-outs on two app servers queue
on that row, and a rolled-back check-out gives its number back, so numbers are consecutive and never
reused); a payment adds to ``amount_paid`` in one conditional ``UPDATE`` that only matches while the
invoice still owes that much, with check constraints behind it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F

from booking.models import Appointment, EmailNotice, violated_constraint
from booking.schedules import local_date
from booking.tasks import queue_notices

from .models import ZERO, Credit, Invoice, InvoiceCounter, InvoiceLine, Payment

# A card number as people write it: 12 to 19 digits together, or in a card's groups (4-4-4 then 1 to 4, and up
# to 3 more; Amex 4-6-5, 4-6-4) joined by up to three spaces, dashes, dots, slashes, underscores or commas
# (read after NFKC, so full-width digits and no-break spaces count), starting with 2 to 6 (the card
# networks' first digits; a BC PHN starts with 9) and passing Luhn. Phone numbers (3-3-4), dates and
# amounts are none of these layouts, however they run together.
_DIGIT_RUN = re.compile(r"[0-9]+(?:[\s\-\u2010-\u2015./_,]{1,3}[0-9]+)*")
_GROUP = re.compile(r"([0-9]+)([^0-9]*)")
_CARD_LAYOUTS = {(4, 4, 4, n) for n in range(1, 5)} | {(4, 4, 4, 4, n) for n in range(1, 4)} | {(4, 6, 5), (4, 6, 4)}
CARD_NUMBER_REFUSED = "That looks like a card number. Never record card numbers: the terminal keeps them."


class BillingError(Exception):
    """A billing rule said no; ``str(error)`` is a message fit to show the front desk."""


def _luhn(number: str) -> bool:
    digits = [int(d) for d in number]
    return (sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])) % 10 == 0


def _card_like(number: str) -> bool:
    return 12 <= len(number) <= 19 and number[0] in "23456" and _luhn(number)


def looks_like_card_number(text: str) -> bool:
    """True for anything that could be a payment card number (which must never be stored): see
    ``_CARD_LAYOUTS``. A card number followed or preceded by other groups ("4111 1111 1111 1111 2026")
    is still found."""
    for run in _DIGIT_RUN.finditer(unicodedata.normalize("NFKC", text)):
        groups = [digits for digits, _ in _GROUP.findall(run.group(0))]
        for first in range(len(groups)):
            if _card_like(groups[first]):
                return True
            for last in range(first + 2, min(first + 5, len(groups)) + 1):
                window = groups[first:last]
                if tuple(map(len, window)) in _CARD_LAYOUTS and _card_like("".join(window)):
                    return True
    return False


def refuse_card_numbers(*texts: str) -> None:
    """The last line of defence behind the forms: no card number is written, in any field."""
    if any(looks_like_card_number(text) for text in texts):
        raise BillingError(CARD_NUMBER_REFUSED)


def next_invoice_number() -> int:
    """Take the next invoice number; call inside the transaction that creates the invoice.

    The UPDATE locks the counter row until that transaction ends, so the value read back is ours
    alone, and a concurrent check-out waits for it (then sees the new value)."""
    if not InvoiceCounter.objects.filter(pk=1).update(last=F("last") + 1):
        # The migration creates the row; a flushed test database may not have it.
        InvoiceCounter.objects.get_or_create(pk=1)
        return next_invoice_number()
    return InvoiceCounter.objects.values_list("last", flat=True).get(pk=1)


@transaction.atomic
def check_out(*, appointment: Appointment, actor, now: datetime) -> Invoice:
    """The visit's invoice, made now at the service's current price; the same invoice if it exists.

    Only a completed visit is checked out. Two check-outs of one visit at once make one invoice: the
    conditional unique constraint (one live invoice per visit and kind) stops the second.
    """
    # Locked: an undo of the completion waits for this check-out (and then sees its invoice), or this one
    # waits for the undo and sees the visit no longer completed.
    visit = Appointment.objects.for_change().select_related("service", "patient", "practitioner").get(
        pk=appointment.pk)
    existing = Invoice.objects.live().filter(appointment=visit, kind=Invoice.Kind.VISIT).first()
    if existing is not None:
        return existing
    if visit.status != Appointment.Status.COMPLETED:
        raise BillingError("Only a completed visit can be checked out: mark it completed first.")
    price = visit.service.price
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                number=next_invoice_number(), kind=Invoice.Kind.VISIT, appointment=visit, patient=visit.patient,
                practitioner=visit.practitioner, service_date=local_date(visit.start), issued_at=now,
                issued_by=actor, total=price,
            )
    except IntegrityError:  # checked out by someone else a moment ago (their number stands; ours rolled back)
        return Invoice.objects.live().get(appointment=visit, kind=Invoice.Kind.VISIT)
    InvoiceLine.objects.create(invoice=invoice, service=visit.service, description=visit.service.name, amount=price)
    return invoice


def _money(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise BillingError("Enter an amount greater than zero.")
    if amount != amount.quantize(Decimal("0.01")):
        raise BillingError("Enter the amount in dollars and cents, for example 45.50.")
    return amount


def _receipt_when_paid(invoice: Invoice, now: datetime) -> bool:
    """Queue the receipt email once the invoice is paid in full: once only, whoever takes the last
    payment or gives the last credit (the conditional update on ``receipt_sent_at`` is the claim).
    An invoice settled by credits alone has nothing to claim with and gets no receipt."""
    claimed = Invoice.objects.filter(
        pk=invoice.pk, receipt_sent_at__isnull=True, voided_at__isnull=True, amount_paid__gt=0,
        total=F("amount_paid") + F("amount_credited"),
    ).update(receipt_sent_at=now)
    if claimed:
        queue_notices(invoice.appointment_id, EmailNotice.Kind.RECEIPT, invoice_number=invoice.number)
    return bool(claimed)


def _add_to(invoice: Invoice, field: str, amount: Decimal) -> bool:
    """Add ``amount`` to ``field`` (paid or credited) in one statement that matches only while the
    invoice is live and still owes at least that much; False when it does not."""
    return bool(Invoice.objects.filter(
        pk=invoice.pk, voided_at__isnull=True, total__gte=F("amount_paid") + F("amount_credited") + amount,
    ).update(**{field: F(field) + amount}))


@transaction.atomic
def record_payment(*, invoice: Invoice, method: str, amount: Decimal, received_on: date, actor, now: datetime,
                   payer: str = "", reference: str = "", submission: UUID | None = None) -> Payment:
    """Money received. Refused when it is more than the invoice still owes (record a credit instead
    when part of it is not owed), when the invoice is void, or when the reference looks like a card.
    ``submission``: the key of the form that sent it; the same form sent again raises the database's
    ``IntegrityError`` (``sent_before``) and records nothing more. The payment is written before the
    invoice's total, so a twin sent at the same moment waits on the key, not on the balance."""
    amount = _money(amount)
    if method not in Payment.Method.values:
        raise BillingError("Choose how it was paid.")
    refuse_card_numbers(reference, payer)
    payment = Payment.objects.create(invoice=invoice, method=method, amount=amount, received_on=received_on,
                                     payer=payer, reference=reference, recorded_at=now, recorded_by=actor,
                                     submission=submission)
    if not _add_to(invoice, "amount_paid", amount):
        current = Invoice.objects.get(pk=invoice.pk)
        if current.voided:
            raise BillingError("This invoice is void: it takes no payments.")
        raise BillingError(f"That is more than the ${current.balance} still owed.")
    _receipt_when_paid(invoice, now)
    return payment


@transaction.atomic
def add_credit(*, invoice: Invoice, amount: Decimal, reason: str, actor, now: datetime,
               submission: UUID | None = None) -> Credit:
    """Part of the invoice is not owed after all (never more than it still owes). ``submission``: as
    for ``record_payment``."""
    amount = _money(amount)
    if not reason:
        raise BillingError("Give the reason for the credit.")
    refuse_card_numbers(reason)
    credit = Credit.objects.create(invoice=invoice, amount=amount, reason=reason, recorded_at=now,
                                   recorded_by=actor, submission=submission)
    if not _add_to(invoice, "amount_credited", amount):
        raise BillingError("A credit can't be more than the invoice still owes.")
    _receipt_when_paid(invoice, now)
    return credit


def sent_before(error: IntegrityError) -> bool:
    """Whether ``error`` is a payment or credit form sent again (its key is recorded already)."""
    return violated_constraint(error) in (Payment.SENT_ONCE, Credit.SENT_ONCE)


@transaction.atomic
def void_invoice(*, invoice: Invoice, reason: str, actor, now: datetime) -> Invoice:
    """Cancel an invoice issued in error (nothing paid on it yet); its number stays used."""
    if not reason:
        raise BillingError("Give the reason for voiding this invoice.")
    refuse_card_numbers(reason)
    updated = Invoice.objects.filter(pk=invoice.pk, voided_at__isnull=True, amount_paid=ZERO).update(
        voided_at=now, void_reason=reason)
    if not updated:
        current = Invoice.objects.get(pk=invoice.pk)
        raise BillingError("This invoice is already void." if current.voided else
                           "Payments were taken on this invoice: give a credit instead of voiding it.")
    return Invoice.objects.get(pk=invoice.pk)
