"""The patient's waitlist pages: join (from the schedule, the "taken" page or a manage link), see or
leave the list, and an offer's claim link.

Links carry 256-bit tokens; a link that opens nothing says so, with no personal details. Claiming
a new visit goes through the ordinary details step (``flow.start_claim``), so the screening and the
way to pay are asked as for any booking, and the exclusion constraint decides who gets the time.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import schedules
from .. import services as booking
from ..forms import error_list
from ..models import Appointment, Service, WaitlistEntry, WaitlistOffer
from ..views.flow import SLUG_RE, over_rate_limit, request_clinic_phone, start_claim, time_url
from . import services
from .forms import WaitlistForm

JOINED = "waitlist_joined"  # the entry just joined, for the page after the form (its id, nothing else)
Status = WaitlistEntry.Status


def _page(request, template: str, context: dict, *, status: int = 200):
    return render(request, f"waitlist/{template}", context, status=status)


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def join(request, service):
    service = get_object_or_404(Service.objects.bookable(), slug=service)
    context = {"service": service, "contact": True,
               "back_url": reverse("booking:schedule", args=[service.slug])}
    if request.method == "POST":
        form = WaitlistForm(request.POST, service=service)
        if form.is_valid():
            if over_rate_limit(request):
                context["error_banner"] = ("We have received several requests from your network in the last hour. "
                                           f"To join the waitlist, please call us at {request_clinic_phone()}.")
                return _page(request, "join.html", {**context, "form": form}, status=429)
            try:
                entry = services.join(service=service, **form.wish())
            except IntegrityError as error:  # the same form sent twice: the entry it made the first time
                if (entry := services.sent_before(error, form.cleaned_data["submission"])) is None:
                    raise
            request.session[JOINED] = entry.pk
            return redirect("booking:waitlist-joined")
        return _page(request, "join.html", {**context, "form": form, "error_list": error_list(form)})
    who = request.GET.get("who", "")
    form = WaitlistForm(service=service, initial={"practitioner": who} if SLUG_RE.fullmatch(who) else {})
    return _page(request, "join.html", {**context, "form": form})


@never_cache
@require_safe
def joined(request):
    pk = request.session.get(JOINED)
    entry = (WaitlistEntry.objects.select_related("service", "practitioner", "appointment").filter(pk=pk).first()
             if isinstance(pk, int) else None)
    if entry is None:
        return redirect("booking:start")
    return _page(request, "joined.html", {"entry": entry})


@never_cache
@require_http_methods(["GET", "POST"])
def join_from_visit(request, token):
    """From a booked visit's manage link: be offered an earlier time, which then moves this visit."""
    appointment = Appointment.objects.for_manage_token(token)
    if appointment is None:
        raise Http404("This link is not valid.")
    now = timezone.now()
    if not appointment.patient_can_change(now):
        messages.error(request, services.TOO_LATE_TO_MOVE)
        return redirect("booking:manage", token=token)
    context = {"service": appointment.service, "appointment": appointment, "contact": False,
               "back_url": reverse("booking:manage", args=[token])}
    form = WaitlistForm(request.POST if request.method == "POST" else None, service=appointment.service,
                        contact=False, before=schedules.local_date(appointment.start),
                        initial={"practitioner": appointment.practitioner.slug})
    if request.method == "POST":
        if form.is_valid():
            patient = appointment.patient
            try:
                services.join(service=appointment.service, appointment=appointment,
                              latest=schedules.local_date(appointment.start), first_name=patient.first_name,
                              last_name=patient.last_name, email=patient.email, phone=patient.phone, **form.wish())
            except IntegrityError as error:  # sent twice: the first made the entry, the second changed nothing
                if services.sent_before(error, form.cleaned_data["submission"]) is None:
                    raise
            except services.JoinRefused as refusal:  # cancelled or moved in another tab meanwhile
                messages.error(request, str(refusal))
                return redirect("booking:manage", token=token)
            messages.success(request, "You are on the waitlist. If an earlier time opens, we will email you; "
                                      "taking it moves this visit.")
            return redirect(reverse("booking:manage", args=[token]) + "#appointment")
        return _page(request, "join.html", {**context, "form": form, "error_list": error_list(form)})
    return _page(request, "join.html", {**context, "form": form})


def _found(row):
    """The entry or offer a link opens; a link that opens nothing says only that."""
    if row is None:
        raise Http404("This link is not valid.")
    return row


def _leave(request, entry: WaitlistEntry, *, now) -> None:
    if services.end(entry, status=Status.LEFT, by="patient", now=now):
        messages.success(request, "You have left the waitlist. We will not email you about new times.")


@never_cache
@require_safe
def entry(request, token):
    entry = _found(services.entry_for_token(token))
    return _page(request, "entry.html", {"entry": entry, "token": token,
                                         "offers": entry.offers.select_related("practitioner").order_by("-created_at")})


@never_cache
@require_POST
def leave(request, token):
    _leave(request, _found(services.entry_for_token(token)), now=timezone.now())
    return redirect("booking:waitlist-entry", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request, token):
    """The claim link: straight to the details step for a new visit; a confirmation for moving one."""
    offer = _found(services.offer_for_token(token))
    entry, now = offer.entry, timezone.now()
    if request.method == "POST":
        return _offer_post(request, offer, token=token, now=now)
    context = {"offer": offer, "entry": entry, "token": token}
    if entry.status == Status.BOOKED and entry.booked_id and offer.claimed_at is not None:
        return _page(request, "offer.html", {**context, "done": True})
    if not entry.waiting or (entry.appointment is not None and not entry.appointment.holds_time):
        return _page(request, "offer.html", {**context, "ended": True}, status=410)
    if not services.earlier_than_the_visit(offer):
        services.withdraw(offer, now=now)  # of no use to them: let the list offer them another time
        return _page(request, "offer.html", {**context, "not_earlier": True})
    if not services.claimable(offer, now=now):
        return _taken(request, offer, context, now=now)
    if entry.appointment is None:
        return start_claim(request, offer=offer, initial={
            "first_name": entry.first_name, "last_name": entry.last_name, "email": entry.email, "phone": entry.phone})
    return _page(request, "offer.html", {**context, "move": True})


def _taken(request, offer: WaitlistOffer, context: dict, *, now, message: str = ""):
    """The time went to someone else, or the offer ended: the patient stays on the list."""
    entry = offer.entry
    nearest = [] if entry.appointment is not None else schedules.nearest_slots(
        service=offer.service, practitioner=entry.practitioner, around=offer.start, now=now)
    return _page(request, "offer.html", {**context, "taken": True, "message": message, "alternatives": [
        {"slot": slot, "url": time_url(offer.service, entry.practitioner, slot.start)} for slot in nearest]})


def _offer_post(request, offer: WaitlistOffer, *, token: str, now):
    entry = offer.entry
    back = redirect("booking:waitlist-offer", token=token)
    if request.POST.get("action") == "leave":
        _leave(request, entry, now=now)
        return back
    if entry.appointment is None or not services.claimable(offer, now=now):
        return back  # the page says what happened (taken, ended, or the visit already earlier)
    try:
        services.move_to_offer(offer, now=now)
    except services.NotEarlier:  # moved meanwhile: the page says so
        return back
    except booking.BookingError as error:  # taken a moment ago, or too close to another IMS visit
        return _taken(request, offer, {"offer": offer, "entry": entry, "token": token}, now=now, message=str(error))
    messages.success(request, "Your visit has moved to the new time. We have emailed you the details.")
    return back
