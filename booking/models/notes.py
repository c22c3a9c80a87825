"""The practitioner's private note on a visit.

Health information the front desk does not need: only roles with ``booking.view_visit_notes``
(practitioners and clinic admins) read it, only the visit's own practitioner writes it, and every
read is recorded in the appointment's history (``booking.visits.read_note``). The history records
*that* the note was read or changed, never what it says (the front desk reads the history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .appointments import Appointment


class VisitNote(models.Model):
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="visit_note")
    text = models.TextField(max_length=5000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Visit note for {self.appointment_id}"
