"""At the visit: the safety screening answers told to staff after booking, and the practitioner's
private note on a visit: written by the visit's own practitioner, and every
read recorded in the appointment's history (which says that the note was read or changed, never
what it says: the front desk reads the history and must not read the note).

Who may open a note at all is the staff area's rule (``booking.staff.access.VISIT_NOTES`` plus the
usual "own patients only" for practitioners); these functions add the writer rule and the record.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from .models import Appointment, AppointmentEvent, Screening, VisitNote
from .services import BookingError

NOTE_MAX_LENGTH = 5000
WROTE, CHANGED, CLEARED, READ = "wrote visit note", "changed visit note", "cleared visit note", "read visit note"


class NoteRefused(Exception):
    """``str(error)`` says why, fit to show the person."""


def may_write(user, appointment: Appointment) -> bool:
    """Only the practitioner who saw the patient writes the note of the visit."""
    practitioner = getattr(user, "practitioner", None)
    return practitioner is not None and practitioner.pk == appointment.practitioner_id


def _record(appointment: Appointment, action: str, actor, now: datetime) -> None:
    AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor,
                                    actor_label=actor.get_username(), at=now)


@transaction.atomic
def save_note(*, appointment: Appointment, text: str, actor, now: datetime) -> VisitNote | None:
    """Write, change or (with empty ``text``) clear the visit's note."""
    if not may_write(actor, appointment):
        raise NoteRefused("Only the practitioner of this visit can write its note.")
    if len(text) > NOTE_MAX_LENGTH:
        raise NoteRefused(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    locked = Appointment.objects.for_change().get(pk=appointment.pk)  # one writer at a time
    note = VisitNote.objects.filter(appointment=locked).first()
    if not text:
        if note is not None:
            note.delete()
            _record(locked, CLEARED, actor, now)
        return None
    if note is not None and note.text == text:
        return note
    _record(locked, WROTE if note is None else CHANGED, actor, now)
    note, _ = VisitNote.objects.update_or_create(
        appointment=locked, defaults={"text": text, "written_by": actor, "updated_at": now})
    return note


def read_note(*, appointment: Appointment, reader, now: datetime) -> VisitNote | None:
    """The note, with the read recorded (nothing is recorded when there is no note to read)."""
    note = VisitNote.objects.select_related("written_by").filter(appointment=appointment).first()
    if note is not None:
        _record(appointment, READ, reader, now)
    return note


def has_note(appointment: Appointment) -> bool:
    """Whether a note exists (this does not read it: no record)."""
    return VisitNote.objects.filter(appointment=appointment).exists()


# --- safety screening -------------------------------------------------------------------------
@transaction.atomic
def record_screening(*, appointment: Appointment, answers: dict[str, bool], details: str = "", actor,
                     now: datetime) -> Screening:
    """Record the patient's answers to the safety questions, told to the front desk after booking.

    ``answers`` has a yes (True) or no (False) for every question of ``Screening.QUESTIONS``.
    Answers given earlier are replaced, and the history keeps which were yes before and after.
    """
    if set(answers) != {name for name, _, _ in Screening.QUESTIONS}:
        raise BookingError("Answer every safety question.")
    locked = Appointment.objects.for_change().get(pk=appointment.pk)
    screening, _ = Screening.objects.select_for_update(no_key=True).get_or_create(appointment=locked)
    before = [name for name, value in screening.answers().items() if value] if screening.asked else None
    for name, value in answers.items():
        setattr(screening, name, bool(value))
    screening.details = details
    screening.asked_at = now
    screening.save()
    yes = [name for name, value in answers.items() if value]
    AppointmentEvent.objects.create(
        appointment=locked, action="recorded screening" if before is None else "changed screening", actor=actor,
        actor_label=actor.get_username() if actor is not None else "system", at=now,
        details={"yes": yes, **({"yes_before": before} if before is not None else {})})
    return screening
