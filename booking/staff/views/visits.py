"""The practitioner's private visit note: read (recorded in the history) and written on one page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clinic.text import clean_text

from ... import visits
from ...models import VisitNote
from ..access import VISIT_NOTES, require_details, staff_view
from .desk import _appointment


@staff_view(VISIT_NOTES)
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def visit_note(request, reference):
    appointment = _appointment(reference)
    require_details(request.user, appointment)
    now = timezone.now()
    error = None
    if request.method == "POST":
        if not visits.may_write(request.user, appointment):
            raise PermissionDenied  # a reader reads through GET only, where the read is recorded
        text = clean_text(request.POST.get("text", ""))
        try:
            visits.save_note(appointment=appointment, text=text, actor=request.user, now=now)
        except visits.NoteRefused as refusal:
            error = str(refusal)
        else:
            messages.success(request, f"{appointment.reference}: visit note saved.")
            return redirect("staff:appointment-detail", reference=reference)
        note, typed = VisitNote.objects.filter(appointment=appointment).first(), text
    else:
        note = visits.read_note(appointment=appointment, reader=request.user, now=now)
        typed = note.text if note is not None else ""
    return render(request, "staff/visit_note.html", {
        "appointment": appointment, "note": note, "typed": typed, "error": error,
        "may_write": visits.may_write(request.user, appointment), "max_length": visits.NOTE_MAX_LENGTH,
    }, status=400 if error else 200)
