"""Writes that span several rows: the one place booking rules are applied.

Patient pages and staff pages both call these functions, so every rule (no overlap, spacing
flags, history, emails) holds whoever books. Each checks first, for a message fit to show, then
writes; the database's constraints are the last word. What is free is read from ``schedules``.

Time: callers pass ``now`` (``timezone.now()`` once per request) so tests control the clock.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import (
    Appointment,
    AppointmentEvent,
    EmailNotice,
    InsuranceNote,
    Patient,
    Practitioner,
    Screening,
    Service,
)
from .schedules import booking_rules, free_practitioners_at, staff_rules
from .tasks import queue_notices

logger = logging.getLogger(__name__)
Status = Appointment.Status


class BookingError(Exception):
    """A booking rule said no; ``str(error)`` is a message fit to show the user."""


class SlotTaken(BookingError):
    def __init__(self, message: str = "Sorry, that time was just taken by someone else."):
        super().__init__(message)


# --- patients ---------------------------------------------------------------------------------
def find_or_create_patient(*, first_name: str, last_name: str, email: str, phone: str,
                           date_of_birth: date, phn: str = "") -> Patient:
    """Match a returning patient by email (case-insensitive); never reveal or overwrite their record.

    Someone typing another person's email into the public form must learn nothing and change
    nothing: the request is attached to that record and staff see the details typed with it.
    """
    patient = Patient.objects.filter(email__iexact=email).first()
    if patient is not None:
        if phn and not patient.phn:
            patient.phn = phn
            patient.save(update_fields=["phn"])
        return patient
    return Patient.objects.create(first_name=first_name, last_name=last_name, email=email, phone=phone,
                                  date_of_birth=date_of_birth, phn=phn)


def _flags(*, patient: Patient, service: Service, start: datetime,
           exclude: Appointment | None = None) -> tuple[bool, bool]:
    """(spacing_flag, no_prior_assessment_flag) for a visit; both are shown to staff only."""
    others = patient.appointments.kept()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    spacing = timedelta(days=settings.IMS_MIN_SPACING_DAYS)
    spacing_flag = service.is_ims and others.filter(
        service__is_ims=True, start__gt=start - spacing, start__lt=start + spacing
    ).exists()
    no_prior = service.requires_prior_assessment and not others.filter(
        service__requires_prior_assessment=False, start__lt=start
    ).exists()
    return spacing_flag, no_prior


def _record(appointment: Appointment, *, action: str, actor=None, actor_label: str,
            from_status: str = "", to_status: str = "", **details: Any) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment, action=action, actor=actor, actor_label=actor_label,
        from_status=from_status, to_status=to_status, details=details,
    )


def _notify(appointment: Appointment, *kinds: str) -> None:
    """Queue emails in the same transaction as the change (see EmailNotice); sent after commit."""
    if EmailNotice.Kind.RESCHEDULED in kinds:
        # A new time deserves its own reminder.
        Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
        appointment.reminder_sent_at = None
    queue_notices(appointment.pk, *kinds)


def _actor_label(actor, by_patient: bool) -> str:
    if by_patient:
        return "patient"
    return actor.get_username() if actor is not None else "system"


# --- booking ----------------------------------------------------------------------------------
@transaction.atomic
def book_appointment(*, service: Service, practitioner: Practitioner | None, patient: Patient,
                     start: datetime, now: datetime, insurance: dict[str, Any] | None = None,
                     screening: dict[str, Any] | None = None, patient_note: str = "",
                     contact_phone: str = "", source: str = Appointment.Source.ONLINE, actor=None,
                     allow_outside_hours: bool = False) -> tuple[Appointment, str]:
    """Book ``service`` at ``start``; return the appointment and its private manage token.

    The code checks availability first to give a friendly message; the exclusion constraint
    then makes a double booking impossible even when two requests race for the same time.
    With ``practitioner=None`` the first free practitioner is chosen here, inside the transaction.
    Staff (``allow_outside_hours``, which needs a chosen practitioner) may book outside working
    hours, but never over another appointment.
    """
    online = source == Appointment.Source.ONLINE
    rules = booking_rules() if online else staff_rules()
    end = start + service.duration
    blocks_until = end + service.buffer
    candidates = free_practitioners_at(service=service, practitioner=practitioner, start=start, now=now,
                                       rules=rules)
    outside_hours = False
    if not candidates and allow_outside_hours and not online:
        if practitioner is None:
            raise BookingError("Choose a practitioner to book outside working hours.")
        if Appointment.objects.active().filter(practitioner=practitioner).overlapping(start, blocks_until).exists():
            raise SlotTaken("That time overlaps another appointment for this practitioner.")
        candidates, outside_hours = [practitioner.pk], True
    if not candidates:
        raise SlotTaken()
    spacing_flag, no_prior = _flags(patient=patient, service=service, start=start)
    status = Status.REQUESTED if online and service.requires_confirmation else Status.CONFIRMED
    for pid in candidates:
        appointment = Appointment(
            reference=Appointment.new_reference(), practitioner_id=pid, service=service, patient=patient,
            start=start, end=end, blocks_until=blocks_until, source=source, status=status,
            patient_note=patient_note, contact_phone=contact_phone, spacing_flag=spacing_flag,
            no_prior_assessment_flag=no_prior, outside_hours=outside_hours,
        )
        token = appointment.issue_manage_token()
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
                appointment.save()
        except IntegrityError:
            continue  # someone else took this practitioner at this time: try the next free one
        InsuranceNote.objects.create(appointment=appointment, **(insurance or {}))
        Screening.objects.create(appointment=appointment, **(screening or {}))
        _record(appointment, action="requested" if status == Status.REQUESTED else "booked", actor=actor,
                actor_label=_actor_label(actor, online), to_status=status, source=source)
        if status == Status.REQUESTED:
            _notify(appointment, EmailNotice.Kind.REQUEST_RECEIVED, EmailNotice.Kind.CLINIC_NEW_REQUEST)
        else:
            _notify(appointment, EmailNotice.Kind.CONFIRMED)
        return appointment, token
    raise SlotTaken()


def _set_status(appointment: Appointment, *, to: str, allowed_from: tuple[str, ...], action: str,
                actor=None, by_patient: bool = False, reason: str = "") -> Appointment:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status not in allowed_from:
        raise BookingError(f"This appointment is {locked.get_status_display().lower()}; it cannot be {action}.")
    before = locked.status
    locked.status = to
    locked.sequence += 1
    if reason:
        locked.status_reason = reason
    locked.save(update_fields=["status", "sequence", "status_reason", "updated_at"])
    _record(locked, action=action, actor=actor, actor_label=_actor_label(actor, by_patient),
            from_status=before, to_status=to, **({"reason": reason} if reason else {}))
    return locked


@transaction.atomic
def confirm_appointment(*, appointment: Appointment, actor) -> Appointment:
    """Confirm a request (one click at the front desk); the patient is emailed."""
    confirmed = _set_status(appointment, to=Status.CONFIRMED, allowed_from=(Status.REQUESTED,),
                            action="confirmed", actor=actor)
    _notify(confirmed, EmailNotice.Kind.CONFIRMED)
    return confirmed


@transaction.atomic
def decline_appointment(*, appointment: Appointment, actor, reason: str) -> Appointment:
    """Decline a request with a reason the patient will read; frees the time."""
    declined = _set_status(appointment, to=Status.DECLINED, allowed_from=(Status.REQUESTED,), action="declined",
                           actor=actor, reason=reason)
    _notify(declined, EmailNotice.Kind.DECLINED)
    return declined


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, now: datetime, actor=None, by_patient: bool = False,
                       reason: str = "") -> Appointment:
    """Cancel and free the time. Patients may do so only until the cut-off before the start."""
    if by_patient and not appointment.patient_can_change(now):
        raise BookingError("It is too late to cancel online. Please call the clinic.")
    cancelled = _set_status(appointment, to=Status.CANCELLED, allowed_from=Appointment.HOLDING_STATUSES,
                            action="cancelled", actor=actor, by_patient=by_patient, reason=reason)
    _notify(cancelled, EmailNotice.Kind.CANCELLED_BY_PATIENT if by_patient else EmailNotice.Kind.CANCELLED_BY_CLINIC)
    return cancelled


@transaction.atomic
def mark_arrived(*, appointment: Appointment, actor, now: datetime) -> Appointment:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status != Status.CONFIRMED:
        raise BookingError("Only a confirmed appointment can be marked as arrived.")
    if locked.arrived_at is None:
        locked.arrived_at = now
        locked.save(update_fields=["arrived_at", "updated_at"])
        _record(locked, action="arrived", actor=actor, actor_label=_actor_label(actor, False))
    return locked


@transaction.atomic
def update_staff_note(*, appointment: Appointment, actor, note: str) -> Appointment:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    old = locked.staff_note
    locked.staff_note = note
    locked.save(update_fields=["staff_note", "updated_at"])
    _record(locked, action="edited staff note", actor=actor, actor_label=_actor_label(actor, False),
            old=old, new=note)
    return locked


@transaction.atomic
def mark_attendance(*, appointment: Appointment, status: str, actor) -> Appointment:
    action = {Status.COMPLETED: "completed", Status.NO_SHOW: "marked no-show"}[status]
    return _set_status(appointment, to=status, allowed_from=(Status.CONFIRMED,), action=action, actor=actor)


@transaction.atomic
def reschedule_appointment(*, appointment: Appointment, new_start: datetime, now: datetime,
                           practitioner: Practitioner | None = None, actor=None, by_patient: bool = False,
                           allow_outside_hours: bool = False) -> Appointment:
    """Move an appointment to ``new_start`` in one transaction.

    The row is updated in place, so the new time is held (the exclusion constraint checks it)
    in the same statement that releases the old one: there is no moment when the patient holds
    neither, and no moment when both are held.
    """
    locked = Appointment.objects.select_for_update().select_related("service", "practitioner", "patient").get(
        pk=appointment.pk
    )
    if not locked.holds_time:
        raise BookingError("Only requested or confirmed appointments can be moved.")
    if by_patient and not locked.patient_can_change(now):
        raise BookingError("It is too late to change this appointment online. Please call the clinic.")
    service = locked.service
    target = practitioner or locked.practitioner
    spacing_flag, no_prior = _flags(patient=locked.patient, service=service, start=new_start, exclude=locked)
    if by_patient and spacing_flag:
        raise BookingError(
            f"IMS visits need to be at least {settings.IMS_MIN_SPACING_DAYS} days apart. Please choose another day."
        )
    free = free_practitioners_at(service=service, practitioner=target, start=new_start, now=now,
                                 exclude_appointment=locked, rules=booking_rules() if by_patient else staff_rules())
    if not free and not (allow_outside_hours and not by_patient):
        raise SlotTaken()
    before = {"start": locked.start.isoformat(), "practitioner": locked.practitioner.name}
    locked.practitioner = target
    locked.start = new_start
    locked.end = new_start + service.duration
    locked.blocks_until = locked.end + service.buffer
    locked.spacing_flag, locked.no_prior_assessment_flag = spacing_flag, no_prior
    locked.outside_hours = not free
    locked.sequence += 1
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise SlotTaken() from None
    _record(locked, action="rescheduled", actor=actor, actor_label=_actor_label(actor, by_patient),
            from_status=locked.status, to_status=locked.status,
            old=before, new={"start": new_start.isoformat(), "practitioner": target.name})
    _notify(locked, EmailNotice.Kind.RESCHEDULED)
    return locked
