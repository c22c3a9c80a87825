"""The front desk's waitlist: who waits for what, the offers sent and how they ended; remove an entry,
and offer a free time by hand (also from the day calendar).

Entries are patient data: a practitioner sees only the entries that ask for them (a patient who asked
for anyone is not yet theirs); the front desk and clinic admins see every entry. Changes need the
right to manage appointments.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ...forms import error_list
from ...models import Practitioner, Service, WaitlistEntry, WaitlistOffer
from ...waitlist import services
from ..access import MANAGE, own_practitioner_id, sees_all, staff_view
from ..forms import WaitlistOfferForm

Status = WaitlistEntry.Status
RECENT = timedelta(days=14)  # how long ended entries stay on the page, with their outcome


def _visible(user):
    entries = WaitlistEntry.objects.all()
    return entries if sees_all(user) else entries.filter(practitioner_id=own_practitioner_id(user) or 0)


def _page(request, *, offer_form=None, status=200):
    now = timezone.now()
    services_ = list(Service.objects.filter(waitlist_entries__isnull=False).distinct().order_by("name"))
    practitioners = list(Practitioner.objects.active())
    chosen_service = next((s for s in services_ if s.slug == request.GET.get("service")), None)
    chosen_who = request.GET.get("who", "")
    offers = WaitlistOffer.objects.select_related("practitioner").order_by("created_at")
    entries = (_visible(request.user).select_related("service", "practitioner", "appointment", "booked")
               .prefetch_related(Prefetch("offers", queryset=offers)))
    if chosen_service is not None:
        entries = entries.filter(service=chosen_service)
    if chosen_who == "any":
        entries = entries.filter(practitioner=None)
    elif (who := next((p for p in practitioners if p.slug == chosen_who), None)) is not None:
        entries = entries.filter(practitioner=who)
    waiting = list(entries.filter(status=Status.WAITING).order_by("created_at", "id"))
    ended = list(entries.exclude(status=Status.WAITING).filter(ended_at__gte=now - RECENT).order_by("-ended_at"))
    return render(request, "staff/waitlist.html", {
        "now": now, "waiting": waiting, "ended": ended, "services": services_, "practitioners": practitioners,
        "chosen_service": chosen_service, "chosen_who": chosen_who, "offer_count": settings.WAITLIST_OFFER_COUNT,
        "can_manage": request.user.has_perm(MANAGE),
        "offer_form": offer_form or WaitlistOfferForm(initial={"date": timezone.localdate()}, prefix="offer"),
        "error_list": error_list(offer_form) if offer_form is not None else [],
    }, status=status)


@staff_view()
@require_safe
def waitlist(request):
    return _page(request)


@staff_view(MANAGE)
@require_POST
def remove(request, pk):
    entry = _visible(request.user).filter(pk=pk).first()
    if entry is None or not services.end(entry, status=Status.REMOVED, by=request.user.get_username(),
                                         now=timezone.now()):
        messages.info(request, "That entry had already left the waitlist.")
    else:
        messages.success(request, f"{entry.full_name} is off the waitlist. No more offers go to them.")
    return redirect(reverse("staff:waitlist") + "#waiting")


@staff_view(MANAGE)
@require_POST
def offer(request):
    """Offer a free time to the waitlist now: the same choice as for a cancellation."""
    now = timezone.now()
    form = WaitlistOfferForm(request.POST, prefix="offer", now=now)
    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""  # only a page of this site, as a path (``redirect`` would take "a b" for a view's name)
    if not form.is_valid():  # shown on the waitlist page, with what was typed (from the calendar too)
        return _page(request, offer_form=form, status=400)
    data = form.cleaned_data
    sent = services.offer_by_hand(practitioner=data["practitioner"], start=data["start"], end=data["end"], now=now)
    if sent:
        messages.success(request, f"Offered to {sent} patient{'s' if sent != 1 else ''} on the waitlist. "
                                  "The first to book the time gets it.")
    else:
        messages.info(request, "Nobody on the waitlist can take that time (or it is not free online). "
                               "No offer was sent.")
    return redirect(back or reverse("staff:waitlist") + "#waiting")
