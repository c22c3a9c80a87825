"""The patient's private manage link: see, cancel, move the visit, or add it to a calendar.

The link carries a 256-bit token; only its hash is stored (``Appointment.objects.for_manage_token``).
A spent or expired link shows no personal details at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinic.text import clean_text

from .. import schedules, services
from ..billing import fees, receipts
from ..courses import services as courses
from ..courses.forms import PatientPainForm
from ..courses.models import VisitScore
from ..courses.places import spacing_breaks
from ..ics import appointment_ics
from ..models import Appointment, WaitlistEntry
from ..parsing import parse_date, parse_start


# --- the private manage link ------------------------------------------------------------------
def _managed(token: str) -> Appointment:
    appointment = Appointment.objects.for_manage_token(token)
    if appointment is None:
        raise Http404("This link is not valid.")
    return appointment


def _inactive(request, appointment: Appointment, now: datetime, token: str):
    """A spent or expired link shows no personal details at all: only the receipts of the visit, to
    download (the visit's own once it took place, and a missed-visit or late-cancel fee's: the receipt is
    the patient's own, and the link proves who they are)."""
    if not appointment.holds_time or appointment.start <= now:
        receipts = list(appointment.invoices.live().order_by("number"))
        return render(request, "booking/manage_inactive.html", {"token": token, "receipts": receipts},
                      status=410)
    return None


def _pain(appointment, now) -> dict:
    """The pain score form, with the score the patient gave already chosen (they may change it)."""
    given = VisitScore.objects.filter(appointment=appointment, patient_reported=True).first()
    may_score = courses.patient_may_score(appointment, now)
    return {"pain_given": given,
            "pain_form": PatientPainForm(initial={"pain": given.pain} if given else None) if may_score else None}


@never_cache
@require_safe
def manage(request, token):
    appointment = _managed(token)
    now = timezone.now()
    if (response := _inactive(request, appointment, now, token)) is not None:
        return response
    return render(request, "booking/manage.html", {
        "appointment": appointment, "token": token, "can_change": appointment.patient_can_change(now),
        "cutoff_hours": settings.BOOKING_CANCEL_CUTOFF_HOURS,
        "fee_if_cancelled": fees.fee_if_cancelled_now(appointment, now),
        "trial_left": courses.patient_trial(appointment)[1],
        **_pain(appointment, now),
        "on_waitlist": appointment.waitlist_entries.filter(status=WaitlistEntry.Status.WAITING).exists(),
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
    if (response := _inactive(request, appointment, now, token)) is not None:
        return response
    try:  # the visit as cancelled (moved a moment ago in another tab, it says the time it had)
        appointment = services.cancel_appointment(appointment=appointment, now=now, by_patient=True,
                                                  reason=clean_text(request.POST.get("reason", ""), 300))
    except services.BookingError as error:
        messages.error(request, str(error))
        return redirect("booking:manage", token=token)
    return render(request, "booking/manage_cancelled.html", {
        "appointment": appointment, "spacing_breaks": spacing_breaks(appointment)})


@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    """Choose a day, then a time, then confirm the move (post/redirect/get: a refresh moves nothing).

    Only times the patient can really take are offered: free ones, kept apart from their other IMS
    visits (the link proves who they are, so the page may use what the clinic knows about them).
    """
    appointment = _managed(token)
    now = timezone.now()
    if (response := _inactive(request, appointment, now, token)) is not None:
        return response
    if not appointment.patient_can_change(now):
        messages.error(request, "It is too late to change this appointment online. Please call the clinic.")
        return redirect("booking:manage", token=token)
    if request.method == "POST":
        return _move(request, appointment, token=token, now=now)
    today = timezone.localdate(now)
    first = parse_date(request.GET.get("from")) or today
    first = min(max(first, today), today + timedelta(days=settings.BOOKING_HORIZON_DAYS))
    last = first + timedelta(days=6)
    slots = [slot for slot in schedules.spaced_slots(
        schedules.available_slots(service=appointment.service, practitioner=appointment.practitioner,
                                  first=first, last=last, now=now, exclude_appointment=appointment),
        patient=appointment.patient, service=appointment.service, exclude_appointment=appointment)
        if slot.start != appointment.start]  # its own time is free only because it holds it: not a move
    by_day = schedules.by_local_date(slots)
    day = parse_date(request.GET.get("day"))
    day = day if day in by_day else next(iter(by_day), None)
    chosen = parse_start(request.GET.get("start"))
    chosen = next((slot for slot in by_day.get(day, []) if slot.start == chosen), None)
    return render(request, "booking/manage_reschedule.html", {
        "appointment": appointment, "token": token, "first": first, "last": last, "day": day, "chosen": chosen,
        "days": [{"date": d, "count": len(by_day.get(d, [])), "url": _reschedule_url(first, day=d)}
                 for d in (first + timedelta(days=i) for i in range(7))],
        "times": [{"slot": slot, "url": _reschedule_url(first, day=day, start=slot.start)}
                  for slot in by_day.get(day, [])],
        "next_url": _reschedule_url(first + timedelta(days=7)),
        "prev_url": _reschedule_url(max(today, first - timedelta(days=7))) if first > today else None,
    })


def _reschedule_url(first, *, day=None, start=None) -> str:
    query = {"from": first.isoformat(), **({"day": day.isoformat()} if day else {}),
             **({"start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")} if start else {})}
    return f"?{urlencode(query)}" + ("#confirm" if start else "#times" if day else "#days")


def _move(request, appointment: Appointment, *, token: str, now):
    new_start = parse_start(request.POST.get("start"))
    if new_start is None:
        messages.error(request, "Please choose one of the times shown.")
        return redirect(reverse("booking:manage-reschedule", args=[token]) + "#days")
    try:
        services.reschedule_appointment(appointment=appointment, new_start=new_start, now=now, by_patient=True)
    except services.AlreadyThere:  # its own time picked, or "Confirm" pressed twice
        messages.info(request, "Your appointment is already at that time, so nothing was changed.")
        return redirect(reverse("booking:manage", args=[token]) + "#appointment")
    except services.BookingError as error:
        messages.error(request, str(error))
        day = timezone.localdate(new_start)
        return redirect(reverse("booking:manage-reschedule", args=[token]) + _reschedule_url(day, day=day))
    messages.success(request, "Your appointment has moved. We have emailed you the new time.")
    if spacing_breaks(appointment):
        messages.warning(request, "Your IMS visits are now more than two weeks apart, or less than one. "
                                  "Please call us so we can keep your trial on track.")
    return redirect(reverse("booking:manage", args=[token]) + "#appointment")


@never_cache
@require_safe
def manage_receipt(request, token, number):
    """The receipt (or invoice) of this visit as a PDF; nothing of any other visit."""
    appointment = _managed(token)
    invoice = appointment.invoices.live().filter(number=number).first()
    if invoice is None:
        raise Http404("There is no such receipt for this visit.")
    response = HttpResponse(receipts.receipt_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(invoice)}"'
    return response
