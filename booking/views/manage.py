"""The patient's private manage link: see, cancel, move the visit, or add it to a calendar.

The link carries a 256-bit token; only its hash is stored (``Appointment.objects.for_manage_token``).
A spent or expired link shows no personal details at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinic.text import clean_text

from .. import schedules, services
from ..ics import appointment_ics
from ..models import Appointment
from ..parsing import parse_date, parse_start


# --- the private manage link ------------------------------------------------------------------
def _managed(token: str) -> Appointment:
    appointment = Appointment.objects.for_manage_token(token)
    if appointment is None:
        raise Http404("This link is not valid.")
    return appointment


def _inactive(request, appointment: Appointment, now: datetime):
    """A spent or expired link shows no personal details at all."""
    if not appointment.holds_time or appointment.start <= now:
        return render(request, "booking/manage_inactive.html", status=410)
    return None


@never_cache
@require_safe
def manage(request, token):
    appointment = _managed(token)
    now = timezone.now()
    if (response := _inactive(request, appointment, now)) is not None:
        return response
    return render(request, "booking/manage.html", {
        "appointment": appointment, "token": token, "can_change": appointment.patient_can_change(now),
        "cutoff_hours": settings.BOOKING_CANCEL_CUTOFF_HOURS,
    })


@never_cache
@require_safe
def manage_calendar(request, token):
    """The appointment as a calendar file; works for cancelled ones too (METHOD:CANCEL)."""
    appointment = _managed(token)
    body = appointment_ics(appointment, domain=request.get_host().split(":")[0], now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.reference}.ics"'
    return response


@never_cache
@require_POST
def manage_cancel(request, token):
    appointment = _managed(token)
    now = timezone.now()
    if (response := _inactive(request, appointment, now)) is not None:
        return response
    try:
        services.cancel_appointment(appointment=appointment, now=now, by_patient=True,
                                    reason=clean_text(request.POST.get("reason", ""), 300))
    except services.BookingError as error:
        messages.error(request, str(error))
        return redirect("booking:manage", token=token)
    return render(request, "booking/manage_cancelled.html", {"appointment": appointment})


@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    appointment = _managed(token)
    now = timezone.now()
    if (response := _inactive(request, appointment, now)) is not None:
        return response
    if not appointment.patient_can_change(now):
        messages.error(request, "It is too late to change this appointment online. Please call the clinic.")
        return redirect("booking:manage", token=token)
    error = None
    if request.method == "POST":
        new_start = parse_start(request.POST.get("start"))
        if new_start is None:
            error = "Please choose one of the times shown."
        else:
            try:
                services.reschedule_appointment(appointment=appointment, new_start=new_start, now=now,
                                                by_patient=True)
            except services.BookingError as exc:
                error = str(exc)
            else:
                return render(request, "booking/manage_rescheduled.html", {
                    "appointment": Appointment.objects.for_manage_token(token), "token": token})
    today = timezone.localdate(now)
    first = parse_date(request.GET.get("from")) or today
    first = min(max(first, today), today + timedelta(days=settings.BOOKING_HORIZON_DAYS))
    last = first + timedelta(days=6)
    slots = schedules.available_slots(service=appointment.service, practitioner=appointment.practitioner,
                                     first=first, last=last, now=now, exclude_appointment=appointment)
    by_day = schedules.by_local_date(slots)
    return render(request, "booking/manage_reschedule.html", {
        "appointment": appointment, "token": token, "by_day": by_day, "error": error,
        "first": first, "last": last,
        "next_url": f"?from={(first + timedelta(days=7)).isoformat()}",
        "prev_url": f"?from={(first - timedelta(days=7)).isoformat()}" if first > today else None,
    }, status=400 if error else 200)
