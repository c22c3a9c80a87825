"""Late-cancellation and missed-visit fees: which visits owe a decision, charging one, waiving one.

The policy (``FeePolicy``, one row, off by default) is data the clinic edits in the admin. A visit
owes a decision when it was confirmed and then missed (no-show) or cancelled less than
``notice_hours`` before its start, the policy is on, and there is neither a live fee invoice nor a
waiver for it yet. The front desk then charges the fee (an invoice like any other, numbered from the
same counter) or waives it with a reason. Both writes take the visit's row lock, and the database has
the last word: one live fee invoice per visit and kind, one waiver per visit and kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from booking.models import Appointment, AppointmentEvent
from booking.schedules import local_date

from .models import FeePolicy, FeeWaiver, Invoice, InvoiceLine
from .services import BillingError, next_invoice_number, refuse_card_numbers

Kind = Invoice.Kind
Status = Appointment.Status
CENT = Decimal("0.01")


def late_cancelled(appointments: QuerySet[Appointment], *, hours: int) -> QuerySet[Appointment]:
    """Visits the patient cancelled (online, or by asking the desk) after they were confirmed, less
    than ``hours`` before their start. A cancellation by the clinic is never the patient's."""
    late = AppointmentEvent.objects.filter(
        appointment=OuterRef("pk"), to_status=Status.CANCELLED, from_status=Status.CONFIRMED,
        details__patient_asked=True,
        at__gt=ExpressionWrapper(OuterRef("start") - timedelta(hours=hours), output_field=DateTimeField()))
    return appointments.filter(status=Status.CANCELLED).filter(Exists(late))


def fee_kind(appointment: Appointment, policy: FeePolicy) -> str | None:
    """The fee this visit could owe under ``policy`` (late-cancel or no-show), or None."""
    if not policy.enabled:
        return None
    if appointment.status == Status.NO_SHOW:
        return Kind.NO_SHOW
    if appointment.status == Status.CANCELLED and late_cancelled(
            Appointment.objects.filter(pk=appointment.pk), hours=policy.notice_hours).exists():
        return Kind.LATE_CANCEL
    return None


def fee_amount(appointment: Appointment, kind: str, policy: FeePolicy) -> Decimal:
    percent = policy.no_show_percent if kind == Kind.NO_SHOW else policy.late_cancel_percent
    return (appointment.service.price * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def awaiting_decision(appointments: QuerySet[Appointment], policy: FeePolicy) -> QuerySet[Appointment]:
    """Missed or late-cancelled visits with neither a fee invoice nor a waiver (none when fees are off)."""
    if not policy.enabled:
        return appointments.none()
    decided = Q(Exists(Invoice.objects.live().filter(appointment=OuterRef("pk"), kind__in=[Kind.NO_SHOW,
                                                                                           Kind.LATE_CANCEL])))
    decided |= Q(Exists(FeeWaiver.objects.filter(appointment=OuterRef("pk"))))
    missed = appointments.filter(status=Status.NO_SHOW)
    late = late_cancelled(appointments, hours=policy.notice_hours)
    return (missed | late).exclude(decided)


def decision_for(appointment: Appointment) -> dict | None:
    """What the appointment page says about a fee: the waiver if one was recorded, else the fee
    awaiting a decision (kind, label, amount), else None (no fee owed, or already charged)."""
    waiver = appointment.fee_waivers.select_related("decided_by").first()
    if waiver is not None:
        return {"waiver": waiver}
    policy = FeePolicy.load()
    if not awaiting_decision(Appointment.objects.filter(pk=appointment.pk), policy).exists():
        return None
    kind = fee_kind(appointment, policy)
    return {"kind": kind, "label": Kind(kind).label, "amount": fee_amount(appointment, kind, policy),
            "notice_hours": policy.notice_hours}


def fee_if_cancelled_now(appointment: Appointment, now: datetime, policy: FeePolicy | None = None) -> Decimal | None:
    """What cancelling a confirmed visit at ``now`` would cost under the policy (None: nothing)."""
    policy = policy or FeePolicy.load()
    if not policy.enabled or appointment.status != Status.CONFIRMED:
        return None
    if now <= appointment.start - timedelta(hours=policy.notice_hours):
        return None
    return fee_amount(appointment, Kind.LATE_CANCEL, policy)


def _history(appointment: Appointment, action: str, actor, now: datetime, **details) -> None:
    AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, at=now, details=details,
                                    actor_label=actor.get_username() if actor is not None else "system")


def _pending(appointment: Appointment, policy: FeePolicy) -> tuple[Appointment, str]:
    """Lock the visit and return it with the fee it owes a decision on, or refuse."""
    locked = Appointment.objects.for_change().select_related("service", "patient", "practitioner").get(
        pk=appointment.pk)
    kind = fee_kind(locked, policy)
    if kind is None:
        raise BillingError("This visit owes no fee under the clinic's policy.")
    if not awaiting_decision(Appointment.objects.filter(pk=locked.pk), policy).exists():
        raise BillingError("The fee for this visit was already charged or waived.")
    return locked, kind


@transaction.atomic
def charge_fee(*, appointment: Appointment, actor, now: datetime) -> Invoice:
    """Invoice the fee the policy sets for this missed or late-cancelled visit."""
    policy = FeePolicy.load()
    visit, kind = _pending(appointment, policy)
    amount = fee_amount(visit, kind, policy)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                number=next_invoice_number(), kind=kind, appointment=visit, patient=visit.patient,
                practitioner=visit.practitioner, service_date=local_date(visit.start), issued_at=now,
                issued_by=actor, total=amount)
    except IntegrityError as error:  # charged a moment ago by someone else
        raise BillingError("The fee for this visit was already charged.") from error
    InvoiceLine.objects.create(invoice=invoice, service=visit.service, amount=amount,
                               description=f"{Kind(kind).label}: {visit.service.name}")
    _history(visit, f"charged {Kind(kind).label.lower()}", actor, now, invoice=invoice.number)
    return invoice


@transaction.atomic
def waive_fee(*, appointment: Appointment, reason: str, actor, now: datetime) -> FeeWaiver:
    """Decide not to charge the fee, with the reason (kept, and shown on the appointment)."""
    if not reason:
        raise BillingError("Give the reason for waiving the fee.")
    refuse_card_numbers(reason)
    visit, kind = _pending(appointment, FeePolicy.load())
    try:
        with transaction.atomic():
            waiver = FeeWaiver.objects.create(appointment=visit, kind=kind, reason=reason, decided_at=now,
                                              decided_by=actor)
    except IntegrityError as error:
        raise BillingError("The fee for this visit was already waived.") from error
    _history(visit, f"waived {Kind(kind).label.lower()}", actor, now, reason=reason)
    return waiver
