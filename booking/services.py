"""Writes that span several rows: the one place booking rules are applied.

Patient pages and staff pages both call these functions, so every rule (no overlap, spacing
flags, history, emails) holds whoever books. Each checks first, for a message fit to show, then
writes; the database's constraints are the last word. What is free is read from ``schedules``.

Time: callers pass ``now`` (``timezone.now()`` once per request) so tests control the clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from . import emails
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
from .schedules import booking_rules, close_ims_visits, free_practitioners_at, local_date, staff_rules
from .tasks import queue_notices
from .templatetags.booking_tags import local_when
from .waitlist.services import note_freed

Status = Appointment.Status


class BookingError(Exception):
    """A booking rule said no; ``str(error)`` is a message fit to show the user."""


class SlotTaken(BookingError):
    def __init__(self, message: str = "Sorry, that time was just taken by someone else."):
        super().__init__(message)


class AlreadyThere(BookingError):
    """A move to the time and practitioner the visit has already: sent twice, or its own time picked."""


class TooClose(BookingError):
    """Another IMS visit of the patient is within the spacing rule; staff may book it with a reason."""

    def __init__(self, *, for_staff: bool):
        days = settings.IMS_MIN_SPACING_DAYS
        super().__init__(
            f"Another IMS visit of this patient is less than {days} days away. To book it anyway, give the reason."
            if for_staff else f"IMS visits need to be at least {days} days apart. Please choose another day.")


def _check_spacing(spacing_flag: bool, *, refuse: bool, override: str, for_staff: bool) -> dict:
    """Refuse a visit too close to another (for staff and for a patient who proved who they are with
    their link; a typed email proves nothing, so the public form only flags it for staff); a staff
    override's reason goes into the history."""
    if spacing_flag and refuse and not override:
        raise TooClose(for_staff=for_staff)
    return {"spacing_override": override} if spacing_flag and override else {}


# --- patients ---------------------------------------------------------------------------------
def find_or_create_patient(*, first_name: str, last_name: str, email: str, phone: str,
                           date_of_birth: date, phn: str = "") -> tuple[Patient, bool]:
    """Match a returning patient by email (case-insensitive); never reveal or overwrite their record.
    Returns the patient and whether the record was made now (like ``get_or_create``).

    Someone typing another person's email into the public form must learn nothing and change
    nothing: the request is attached to that record and staff see the details typed with it.
    """
    patient = Patient.objects.filter(email__iexact=email).first()
    if patient is not None:
        if phn and not patient.phn:
            patient.phn = phn
            patient.save(update_fields=["phn"])
        return patient, False
    return Patient.objects.create(first_name=first_name, last_name=last_name, email=email, phone=phone,
                                  date_of_birth=date_of_birth, phn=phn), True


def _flags(*, patient: Patient, service: Service, start: datetime,
           exclude: Appointment | None = None, new_patient: bool = False) -> tuple[bool, bool]:
    """(spacing_flag, no_prior_assessment_flag) for a visit; both are shown to staff only. A patient
    whose record was made in this transaction has no other visit to look for."""
    if new_patient:
        return False, service.requires_prior_assessment
    if service.is_ims:  # lock the patient's row: their other bookings and moves wait, then see this one
        Patient.objects.select_for_update(no_key=True).filter(pk=patient.pk).first()
    others = patient.appointments.kept()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    # the same rule the manage link uses to offer times (schedules.spaced_slots)
    spacing_flag = service.is_ims and bool(close_ims_visits(patient, start, exclude=exclude))
    no_prior = service.requires_prior_assessment and not others.filter(
        service__requires_prior_assessment=False, start__lt=start).exists()
    return spacing_flag, no_prior


def _record(appointment: Appointment, *, action: str, actor=None, actor_label: str,
            from_status: str = "", to_status: str = "", **details: Any) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment, action=action, actor=actor, actor_label=actor_label,
        from_status=from_status, to_status=to_status, details=details,
    )


def _notify(appointment: Appointment, *kinds: str) -> None:
    """Queue emails in the same transaction as the change (see EmailNotice); sent after commit."""
    if EmailNotice.Kind.RESCHEDULED in kinds:  # a new time deserves its own reminder
        Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
        appointment.reminder_sent_at = None
    queue_notices(appointment.pk, *kinds)


def _actor_label(actor, by_patient: bool) -> str:
    if by_patient:
        return "patient"
    return actor.get_username() if actor is not None else "system"


# --- booking ----------------------------------------------------------------------------------
def book_appointment(*, service: Service, practitioner: Practitioner | None, patient: Patient,
                     start: datetime, now: datetime, insurance: dict[str, Any] | None = None,
                     screening: dict[str, Any] | None = None, patient_note: str = "",
                     contact_phone: str = "", source: str = Appointment.Source.ONLINE, actor=None,
                     allow_outside_hours: bool = False, notify: bool = True,
                     confirmed: bool = False, proven: bool = False, spacing_override: str = "",
                     new_patient: bool = False, savepoint: bool = True) -> tuple[Appointment, str]:
    """Book ``service`` at ``start``; return the appointment and its private manage token.

    The code checks availability first to give a friendly message; the exclusion constraint
    then makes a double booking impossible even when two requests race for the same time.
    With ``practitioner=None`` the first free practitioner is chosen here, inside the transaction.
    Staff (``allow_outside_hours``, which needs a chosen practitioner) may book outside working
    hours, but never over another appointment. ``new_patient``: the patient's record was made in
    the caller's transaction (``find_or_create_patient`` said so), so they have no other visits.
    ``savepoint=False``: the caller's transaction is rolled back when this booking is refused (the
    booking flows, whose new patient record goes with it), so the booking needs no savepoint of its
    own; by default a refusal leaves the caller's transaction usable, like any ``atomic`` block.
    """
    with transaction.atomic(savepoint=savepoint):
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
        spacing_flag, no_prior = _flags(patient=patient, service=service, start=start, new_patient=new_patient)
        override = _check_spacing(spacing_flag, refuse=proven or not online, override=spacing_override,
                                  for_staff=not online)
        # ``confirmed``: the clinic already agreed (a course's trial the patient books from their link)
        status = Status.REQUESTED if online and service.requires_confirmation and not confirmed else Status.CONFIRMED
        for n, pid in enumerate(candidates, start=1):
            appointment = Appointment(
                reference=Appointment.new_reference(), practitioner_id=pid, service=service, patient=patient,
                start=start, end=end, blocks_until=blocks_until, source=source, status=status,
                patient_note=patient_note, contact_phone=contact_phone, spacing_flag=spacing_flag,
                no_prior_assessment_flag=no_prior, outside_hours=outside_hours,
            )
            token = appointment.issue_manage_token()
            try:
                # A savepoint, so that a lost race leaves the transaction usable for the next practitioner.
                # The last needs none: losing it ends the booking, and this function's block rolls back.
                with transaction.atomic(savepoint=n < len(candidates)):
                    appointment.save()
            except IntegrityError:
                continue  # someone else took this practitioner at this time: try the next free one
            InsuranceNote.objects.create(appointment=appointment, **(insurance or {}))
            # No answers (a phone booking made without asking) is recorded as "not asked yet", never as "no".
            Screening.objects.create(appointment=appointment,
                                     **({**screening, "asked_at": now} if screening is not None else {}))
            _record(appointment, action="requested" if status == Status.REQUESTED else "booked", actor=actor,
                    actor_label=_actor_label(actor, online), to_status=status, source=source, **override)
            if notify:  # off when the caller sends one email for several visits (a course's series)
                _notify(appointment, *((EmailNotice.Kind.REQUEST_RECEIVED, EmailNotice.Kind.CLINIC_NEW_REQUEST)
                                       if status == Status.REQUESTED else (EmailNotice.Kind.CONFIRMED,)))
            return appointment, token
        raise SlotTaken()


def _set_status(appointment: Appointment, *, to: str, allowed_from: tuple[str, ...], action: str,
                actor=None, by_patient: bool = False, reason: str = "", cutoff_at: datetime | None = None,
                **details: Any) -> Appointment:
    """``cutoff_at``: a patient's change, judged against the cut-off at that moment on the row as locked."""
    locked = _locked(appointment)
    if cutoff_at is not None and not locked.patient_can_change(cutoff_at):
        raise BookingError("It is too late to cancel online. Please call the clinic.")
    if locked.status not in allowed_from:
        raise BookingError(f"This appointment is {locked.get_status_display().lower()}; it cannot be {action}.")
    before = locked.status
    locked.status = to
    locked.sequence += 1
    if reason:
        locked.status_reason = reason
    locked.save(update_fields=["status", "sequence", "status_reason", "updated_at"])
    _record(locked, action=action, actor=actor, actor_label=_actor_label(actor, by_patient),
            from_status=before, to_status=to, **({"reason": reason} if reason else {}), **details)
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
                       reason: str = "", patient_asked: bool = False) -> Appointment:
    """Cancel and free the time. Patients may do so only until the cut-off before the start.
    ``patient_asked``: staff cancel because the patient asked (a late one may owe the fee)."""
    cancelled = _set_status(appointment, to=Status.CANCELLED, allowed_from=Appointment.HOLDING_STATUSES,
                            action="cancelled", actor=actor, by_patient=by_patient, reason=reason,
                            cutoff_at=now if by_patient else None,
                            **({"patient_asked": True} if by_patient or patient_asked else {}))
    _notify(cancelled, EmailNotice.Kind.CANCELLED_BY_PATIENT if by_patient else EmailNotice.Kind.CANCELLED_BY_CLINIC)
    _freed(cancelled, "cancelled")
    return cancelled


def _freed(appointment: Appointment, reason: str, *, start: datetime | None = None, until: datetime | None = None,
           practitioner_id: int | None = None) -> None:
    """The time this visit held is free again: the waitlist is offered it once the change commits."""
    note_freed(practitioner_id=practitioner_id or appointment.practitioner_id, start=start or appointment.start,
               end=until or appointment.blocks_until, reason=reason)


@transaction.atomic
def update_staff_note(*, appointment: Appointment, actor, note: str) -> Appointment:
    locked = Appointment.objects.for_change().get(pk=appointment.pk)
    old = locked.staff_note
    locked.staff_note = note
    locked.save(update_fields=["staff_note", "updated_at"])
    _record(locked, action="edited staff note", actor=actor, actor_label=_actor_label(actor, False),
            old=old, new=note)
    return locked


# --- at the visit: arrival, completion, no-show, and undoing them ------------------------------
# History actions of the three marks, and of undoing each.
ARRIVED, COMPLETED, NO_SHOW = "arrived", "completed", "marked no-show"
UNDO_ACTIONS = {ARRIVED: "undid arrival", COMPLETED: "undid completion", NO_SHOW: "undid no-show"}
# The marks as the staff views and ``attendance_refusal`` name them, with their history actions.
MARK_ACTIONS = {"arrived": ARRIVED, "completed": COMPLETED, "no_show": NO_SHOW}
# Emails about a visit still to come: if one was dropped while a mark said the visit was over,
# undoing the mark sends it again (it is written when sent, so it says the time as it is then).
_RESENT_ON_UNDO = (EmailNotice.Kind.CONFIRMED, EmailNotice.Kind.RESCHEDULED, EmailNotice.Kind.REMINDER)


def attendance_refusal(appointment: Appointment, *, mark: str, now: datetime) -> str | None:
    """Why ``mark`` ("arrived", "completed" or "no_show") cannot be recorded at ``now``; None if it can.

    Arrival and completion are for the visit in front of the desk: from
    ``ATTENDANCE_EARLY_MINUTES`` before the start (arrival no later than the visit's end). A no-show
    only once the start has passed, and never for a patient marked arrived. Only a confirmed visit
    is marked. The buttons are offered by the same rule, so a refusal means a stale page or a slip.
    """
    what = {"arrived": "arrival", "completed": "completion", "no_show": "a no-show"}[mark]
    if appointment.status != Status.CONFIRMED:
        return (f"This appointment is {appointment.get_status_display().lower()}: only a confirmed appointment "
                f"can be marked.")
    early = appointment.start - timedelta(minutes=settings.ATTENDANCE_EARLY_MINUTES)
    if mark in ("arrived", "completed") and now < early:
        return (f"It is too early to record {what}: it can be marked from {settings.ATTENDANCE_EARLY_MINUTES} "
                f"minutes before the start ({local_when(appointment.start)}).")
    if mark == "arrived" and now >= appointment.end:
        return "This visit is over: mark it completed or a no-show instead."
    if mark == "no_show":
        if now < appointment.start:
            return (f"A no-show can be marked only after the start ({local_when(appointment.start)}); until "
                    "then the patient may still come.")
        if appointment.arrived_at is not None:
            return "The patient was marked as arrived: undo the arrival first if that was a mistake."
    return None


def allowed_marks(appointment: Appointment, now: datetime) -> set[str]:
    """The marks ("arrived", "completed", "no_show") that ``attendance_refusal`` allows at ``now``."""
    allowed = {mark for mark in MARK_ACTIONS if attendance_refusal(appointment, mark=mark, now=now) is None}
    if appointment.arrived_at is not None:
        allowed.discard("arrived")
    return allowed


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.for_change().get(pk=appointment.pk)


@transaction.atomic
def mark_arrived(*, appointment: Appointment, actor, now: datetime) -> Appointment:
    """Record that the patient is here (within the window of ``attendance_refusal``)."""
    locked = _locked(appointment)
    if refusal := attendance_refusal(locked, mark="arrived", now=now):
        raise BookingError(refusal)
    if locked.arrived_at is None:  # a second click changes nothing
        locked.arrived_at = now
        locked.save(update_fields=["arrived_at", "updated_at"])
        _record(locked, action=ARRIVED, actor=actor, actor_label=_actor_label(actor, False))
    return locked


@transaction.atomic
def mark_attendance(*, appointment: Appointment, status: str, actor, now: datetime) -> Appointment:
    """Mark a confirmed visit completed or a no-show (within the windows of ``attendance_refusal``).

    Either frees the rest of its time. Undo the same day with ``undo_attendance``.
    """
    if status not in (Status.COMPLETED, Status.NO_SHOW):
        raise BookingError("Choose completed or no-show.")
    locked = _locked(appointment)
    if refusal := attendance_refusal(locked, mark=str(status), now=now):
        raise BookingError(refusal)
    return _set_status(locked, to=status, allowed_from=(Status.CONFIRMED,), action=MARK_ACTIONS[str(status)],
                       actor=actor)


def undoable_mark(appointment: Appointment, *, now: datetime,
                  events: list[AppointmentEvent] | None = None) -> AppointmentEvent | None:
    """The latest arrival, completion or no-show of ``appointment`` that can still be undone at ``now``.

    That is the newest mark not undone yet, if it was recorded on the clinic's day of ``now`` and
    the appointment still shows it. ``events`` (the history, oldest first) saves a query.
    """
    if events is None:
        events = list(appointment.events.order_by("at", "id"))
    undone = {e.details.get("undid") for e in events if e.action in UNDO_ACTIONS.values()}
    latest = next((e for e in reversed(events) if e.action in UNDO_ACTIONS and e.pk not in undone), None)
    if latest is None or local_date(latest.at) != local_date(now):
        return None
    shows_it = {
        ARRIVED: appointment.status == Status.CONFIRMED and appointment.arrived_at is not None,
        COMPLETED: appointment.status == Status.COMPLETED,
        NO_SHOW: appointment.status == Status.NO_SHOW,
    }[latest.action]
    return latest if shows_it else None


@transaction.atomic
def undo_attendance(*, appointment: Appointment, actor, now: datetime) -> Appointment:
    """Undo the latest arrival, completion or no-show, if it was recorded today (the clinic's day).

    Completion and no-show go back to confirmed, which holds the time again: if someone has been
    booked into it since, the exclusion constraint refuses and nothing changes. The undo is its own
    history event. An email about the visit that was dropped while the mark said the visit was over
    is queued again, so the patient is never left without the time they are expected at.
    """
    locked = _locked(appointment)
    mark = undoable_mark(locked, now=now)
    if mark is None:
        raise BookingError("There is nothing to undo: only an arrival, completion or no-show recorded today "
                           "can be undone.")
    if mark.action != ARRIVED and locked.invoices.filter(voided_at__isnull=True).exists():  # void it first
        raise BookingError("This visit has been checked out: void its invoice first, then undo.")
    before = locked.status
    if mark.action == ARRIVED:
        locked.arrived_at = None
        fields = ["arrived_at", "updated_at"]
    else:
        locked.status = Status.CONFIRMED
        locked.sequence += 1
        fields = ["status", "sequence", "updated_at"]
    try:
        with transaction.atomic():
            locked.save(update_fields=fields)
    except IntegrityError:
        raise BookingError("That time has been booked for someone else since, so this visit cannot be put back. "
                           "Book the patient again instead.") from None
    _record(locked, action=UNDO_ACTIONS[mark.action], actor=actor, actor_label=_actor_label(actor, False),
            from_status=before, to_status=locked.status, undid=mark.pk)
    if locked.start > now:
        dropped = locked.email_notices.filter(kind__in=_RESENT_ON_UNDO, sent_at__gte=mark.at,
                                              last_error=emails.NOT_AHEAD)
        kinds = list(dict.fromkeys(dropped.order_by("created_at", "id").values_list("kind", flat=True)))
        if kinds:
            queue_notices(locked.pk, *kinds)  # not _notify: the reminder already sent needs no repeat
    return locked


@transaction.atomic
def reschedule_appointment(*, appointment: Appointment, new_start: datetime, now: datetime,
                           practitioner: Practitioner | None = None, actor=None, by_patient: bool = False,
                           allow_outside_hours: bool = False, spacing_override: str = "") -> Appointment:
    """Move an appointment to ``new_start`` in one transaction. The row is updated in place, so the new
    time is held (the exclusion constraint checks it) in the statement that releases the old one."""
    locked = Appointment.objects.for_change().select_related("service", "practitioner", "patient").get(
        pk=appointment.pk
    )
    if not locked.holds_time:
        raise BookingError("Only requested or confirmed appointments can be moved.")
    if by_patient and not locked.patient_can_change(now):
        raise BookingError("It is too late to change this appointment online. Please call the clinic.")
    service = locked.service
    target = practitioner or locked.practitioner
    if (target.pk, new_start) == (locked.practitioner_id, locked.start):
        raise AlreadyThere("The visit is already at that time: nothing was changed.")
    spacing_flag, no_prior = _flags(patient=locked.patient, service=service, start=new_start, exclude=locked)
    override = _check_spacing(spacing_flag, refuse=True, override="" if by_patient else spacing_override,
                              for_staff=not by_patient)
    free = free_practitioners_at(service=service, practitioner=target, start=new_start, now=now,
                                 exclude_appointment=locked, rules=booking_rules() if by_patient else staff_rules())
    if not free and not (allow_outside_hours and not by_patient):
        raise SlotTaken()
    before = {"start": locked.start.isoformat(), "practitioner": locked.practitioner.name}
    old_time = (locked.practitioner_id, locked.start, locked.blocks_until)
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
            old=before, new={"start": new_start.isoformat(), "practitioner": target.name}, **override)
    _notify(locked, EmailNotice.Kind.RESCHEDULED)
    _freed(locked, "moved away", practitioner_id=old_time[0], start=old_time[1], until=old_time[2])
    return locked
