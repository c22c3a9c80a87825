"""The waitlist's two emails, sent through the booking outbox (``booking.emails.deliver``).

Each is worth sending only while it still means something: the "you are on the list" email while the
entry waits, an offer while it is open. Each carries a new link (the entry's page, or the offer's
claim page): only hashes are stored, so the token is made as the email is sent, and voided if the
send fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from clinic.models import ClinicProfile

from ..emails import absolute, render_message
from ..models import EmailNotice, WaitlistEntry, WaitlistOffer, unguessable_hash

Kind = EmailNotice.Kind


def prepare(notice: EmailNotice, *, now: datetime) -> tuple[EmailMultiAlternatives | None, Callable[[], None]]:
    entry = WaitlistEntry.objects.select_related("service", "practitioner", "appointment").get(
        pk=notice.waitlist_entry_id)
    if not entry.waiting:
        return None, lambda: None
    clinic = ClinicProfile.load()
    context = {"entry": entry, "clinic": clinic, "book_url": absolute(reverse("booking:start"))}
    if notice.kind == Kind.WAITLIST_OFFER:
        offer = WaitlistOffer.objects.select_related("practitioner", "service").get(pk=notice.waitlist_offer_id)
        if not offer.is_open(now):
            return None, lambda: None
        token = offer.issue_token()
        WaitlistOffer.objects.filter(pk=offer.pk).update(token_hash=offer.token_hash)
        context.update(offer=offer, offer_url=absolute(reverse("booking:waitlist-offer", args=[token])),
                       moving=entry.appointment)

        def forget() -> None:
            WaitlistOffer.objects.filter(pk=offer.pk).update(token_hash=unguessable_hash())
    else:
        token = entry.issue_token()
        WaitlistEntry.objects.filter(pk=entry.pk).update(token_hash=entry.token_hash)
        context.update(entry_url=absolute(reverse("booking:waitlist-entry", args=[token])),
                       offer_hours=settings.WAITLIST_OFFER_HOURS)

        def forget() -> None:
            WaitlistEntry.objects.filter(pk=entry.pk).update(token_hash=unguessable_hash())
    return render_message(notice.kind, context, to=entry.email, clinic=clinic), forget
