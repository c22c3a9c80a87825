"""Waitlist writes: joining and leaving, noting freed time, the offering pass, and claiming an offer.

Freed time is noted in the transaction that frees it (``note_freed``) and offered after it commits,
by a task (``booking.waitlist.tasks.offer_freed_time``) that claims the freed time with a conditional
update first: retries, a second worker and the catch-up pass all find it claimed and send nothing.
The offers and their emails are written in the claim's transaction, so a pass that dies offers
nothing and the catch-up pass offers the time again, once.

Time: callers pass ``now``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from .. import schedules
from ..models import (
    HOLDING_STATUSES,
    Appointment,
    EmailNotice,
    FreedTime,
    Practitioner,
    Service,
    WaitlistEntry,
    WaitlistOffer,
    hash_token,
    violated_constraint,
)
from ..tasks import queue_outbox
from . import matching

logger = logging.getLogger(__name__)
Status = WaitlistEntry.Status
# An offer with less time than this to book it is not worth an email.
MIN_OFFER_TIME = timedelta(minutes=30)
# The catch-up pass (booking.tasks.run_pass) offers freed time whose own task has not run by then.
GRACE = timedelta(minutes=5)


# --- joining and leaving -----------------------------------------------------------------------
class JoinRefused(Exception):
    """The visit a patient joins from is no longer theirs to change (cancelled, moved too close, over)."""


TOO_LATE_TO_MOVE = ("This visit can no longer be changed online, so the waitlist cannot move it. "
                    "Please call the clinic.")


@transaction.atomic
def join(*, service: Service, practitioner: Practitioner | None, earliest: date, latest: date,
         weekdays: list[int], parts_of_day: list[str], first_name: str, last_name: str, email: str,
         phone: str = "", appointment: Appointment | None = None, submission=None) -> WaitlistEntry:
    """Put a patient on the list and email them its private link. With ``appointment`` (joined from
    the visit's manage link), an offer moves that visit to an earlier time instead of adding one;
    joining again from the same visit replaces the earlier wish. ``submission``: the form's key; the
    same form sent again raises the database's ``IntegrityError`` and changes nothing (``sent_before``)."""
    if appointment is not None:
        # Locked: two joins from one visit (two tabs) take turns, so the second ends the first's wish; and a
        # cancel or move that committed after the page was read is seen here.
        if not Appointment.objects.for_change().get(pk=appointment.pk).patient_can_change(timezone.now()):
            raise JoinRefused(TOO_LATE_TO_MOVE)
        WaitlistEntry.objects.filter(appointment=appointment, status=Status.WAITING).update(
            status=Status.LEFT, ended_at=timezone.now(), ended_by="patient")
    entry = WaitlistEntry.objects.create(
        service=service, practitioner=practitioner, appointment=appointment, earliest=earliest, latest=latest,
        weekdays=sorted(set(weekdays)), parts_of_day=[p for p in WaitlistEntry.Part.values if p in parts_of_day],
        first_name=first_name, last_name=last_name, email=email, phone=phone, submission=submission)
    queue_outbox([EmailNotice(waitlist_entry=entry, kind=EmailNotice.Kind.WAITLIST_JOINED)])
    return entry


def sent_before(error: IntegrityError, submission) -> WaitlistEntry | None:
    """The entry that a join form sent again made the first time (``error``: the database refusing
    ``submission``, the form's key, a second time), or None when ``error`` is anything else."""
    if submission is None or violated_constraint(error) != WaitlistEntry.SENT_ONCE:
        return None
    return WaitlistEntry.objects.filter(submission=submission).first()


def entry_for_token(token: str) -> WaitlistEntry | None:
    if not token or len(token) > 100:
        return None
    return (WaitlistEntry.objects.select_related("service", "practitioner", "appointment")
            .filter(token_hash=hash_token(token)).first())


def offer_for_token(token: str) -> WaitlistOffer | None:
    if not token or len(token) > 100:
        return None
    return (WaitlistOffer.objects.select_related("entry__appointment__practitioner", "service", "practitioner")
            .filter(token_hash=hash_token(token)).first())


def end(entry: WaitlistEntry, *, status: str, by: str, now: datetime) -> bool:
    """Take a waiting entry off the list (left, removed, booked, expired); False if it had left already."""
    ended = WaitlistEntry.objects.filter(pk=entry.pk, status=Status.WAITING).update(
        status=status, ended_at=now, ended_by=by)
    if ended:
        entry.status, entry.ended_at, entry.ended_by = status, now, by
    return bool(ended)


def expire(now: datetime) -> int:
    """End entries past their latest date, and those joined to move a visit that no longer holds its time."""
    waiting = WaitlistEntry.objects.filter(status=Status.WAITING)
    stale = waiting.filter(Q(latest__lt=schedules.local_date(now))
                           | Q(appointment__isnull=False) & ~Q(appointment__status__in=HOLDING_STATUSES))
    return stale.update(status=Status.EXPIRED, ended_at=now, ended_by="system")


# --- freed time --------------------------------------------------------------------------------
def note_freed(*, practitioner_id: int, start: datetime, end: datetime, reason: str) -> FreedTime | None:
    """Record, in the caller's transaction, that ``[start, end)`` became free; it is offered after commit.

    Nothing is recorded while nobody waits (most changes), or for time already past.
    """
    start = max(start, timezone.now())
    if end <= start or not WaitlistEntry.objects.filter(status=Status.WAITING).exists():
        return None
    freed = FreedTime.objects.create(practitioner_id=practitioner_id, start=start, end=end, reason=reason)
    transaction.on_commit(partial(_enqueue, freed.pk), robust=True)
    return freed


def _enqueue(freed_id: int) -> None:
    from .tasks import offer_freed_time  # the task module imports this one

    offer_freed_time.enqueue(freed_id)


def offer_freed(freed_id: int, *, now: datetime) -> int:
    """Offer one freed time to the waitlist, once; return how many offers were sent."""
    with transaction.atomic():
        # The claim: a second worker (or a retry) updates nothing and offers nothing. It waits for
        # this transaction's row lock, so it sees the claim once it commits.
        if not FreedTime.objects.filter(pk=freed_id, offered_at=None).update(offered_at=now):
            return 0
        freed = FreedTime.objects.select_related("practitioner").get(pk=freed_id)
        return _offer(freed, now=now)


def catch_up(now: datetime) -> int:
    """Offer freed times whose task was lost (the reminder pass calls this); end stale entries. Freed
    time already over is of use to nobody: it is deleted (an offer keeps its own copy of its time)."""
    expire(now)
    FreedTime.objects.filter(end__lte=now).delete()
    pending = FreedTime.objects.filter(offered_at=None, created_at__lte=now - GRACE)
    return sum(offer_freed(pk, now=now) for pk in pending.values_list("pk", flat=True))


def _wish(entry: WaitlistEntry) -> matching.Wish:
    return matching.Wish(
        entry_id=entry.pk, who=entry.email.lower(), service_id=entry.service_id,
        practitioner_id=entry.practitioner_id, earliest=entry.earliest, latest=entry.latest,
        weekdays=frozenset(entry.weekdays), parts=frozenset(entry.parts_of_day),
        before=entry.appointment.start if entry.appointment is not None else None)


def _offer(freed: FreedTime, *, now: datetime) -> int:
    practitioner = freed.practitioner
    if not practitioner.active:
        return 0
    rules = schedules.booking_rules()
    first, last = max(freed.start, now), min(freed.end, now + rules.horizon)
    entries = [
        e for e in WaitlistEntry.objects.filter(status=Status.WAITING, latest__gte=schedules.local_date(first),
                                                earliest__lte=schedules.local_date(last))
        .filter(Q(practitioner=None) | Q(practitioner=practitioner), service__in=practitioner.services.all())
        # one open offer at a time: the next freed time goes to the next person meanwhile
        .exclude(pk__in=WaitlistOffer.objects.filter(claimed_at=None, expires_at__gt=now).values("entry_id"))
        .select_related("appointment")
        # a visit to move must still be movable online: the patient claims it without calling
        if e.appointment is None or e.appointment.patient_can_change(now)
    ]
    if not entries or first >= last:
        return 0
    starts = []
    for service in Service.objects.bookable().filter(pk__in={e.service_id for e in entries}):
        slots = schedules.available_slots(service=service, practitioner=practitioner, first=schedules.local_date(first),
                                          last=schedules.local_date(last), now=now, rules=rules)
        starts += [matching.Start(service_id=service.pk, practitioner_id=practitioner.pk, start=s.start,
                                  local=timezone.localtime(s.start), blocks=service.duration + service.buffer)
                   for s in slots if first <= s.start < last]
    earlier = WaitlistOffer.objects.filter(entry__in=entries, practitioner=practitioner, start__range=(first, last))
    offered = frozenset(earlier.values_list("entry_id", "practitioner_id", "start"))
    made = []
    hours = timedelta(hours=settings.WAITLIST_OFFER_HOURS)
    notice = timedelta(hours=settings.BOOKING_MIN_NOTICE_HOURS)
    for slot, entry_ids in matching.plan([_wish(e) for e in entries], starts, count=settings.WAITLIST_OFFER_COUNT,
                                         offered=offered):
        # Valid until the deadline, never past the last moment the time can be booked online.
        expires = min(now + hours, slot.start - notice)
        if expires - now < MIN_OFFER_TIME:
            continue
        made += WaitlistOffer.objects.bulk_create(
            WaitlistOffer(entry_id=pk, service_id=slot.service_id, practitioner=practitioner, start=slot.start,
                          freed=freed, created_at=now, expires_at=expires) for pk in entry_ids)
    queue_outbox([EmailNotice(waitlist_entry_id=o.entry_id, waitlist_offer=o, kind=EmailNotice.Kind.WAITLIST_OFFER)
                  for o in made])
    logger.info("Freed time %s (%s): %s offers", freed.pk, freed.reason, len(made))
    return len(made)


@transaction.atomic
def offer_by_hand(*, practitioner: Practitioner, start: datetime, end: datetime, now: datetime) -> int:
    """The front desk offers a free time now ("offer this freed time"): the same pass, run at once."""
    freed = FreedTime.objects.create(practitioner=practitioner, start=start, end=end, reason="offered by the desk",
                                     offered_at=now)
    return _offer(freed, now=now)


# --- claiming ----------------------------------------------------------------------------------
def earlier_than_the_visit(offer: WaitlistOffer, appointment: Appointment | None = None) -> bool:
    """For a visit to move: the offered time is still earlier than the visit (which the desk may have
    moved since the offer was made). ``appointment``: the visit as locked, if it was."""
    visit = appointment or offer.entry.appointment
    return visit is None or offer.start < visit.start


def claimable(offer: WaitlistOffer, *, now: datetime) -> bool:
    """The offer is open, earlier than the visit it would move (if any, and still movable online), and
    its time still free."""
    entry = offer.entry
    if not entry.waiting or not offer.is_open(now) or not earlier_than_the_visit(offer):
        return False
    if entry.appointment is not None and not entry.appointment.patient_can_change(now):
        return False
    exclude = entry.appointment if entry.appointment is not None else None
    return bool(schedules.free_practitioners_at(service=offer.service, practitioner=offer.practitioner,
                                                start=offer.start, now=now, exclude_appointment=exclude))


def claimed(*, offer_id: int, appointment: Appointment, now: datetime) -> bool:
    """In the booking's transaction: the offered time was booked, so the entry leaves the list."""
    offer = WaitlistOffer.objects.select_for_update(no_key=True).select_related("entry").filter(pk=offer_id).first()
    if offer is None or (offer.service_id, offer.start) != (appointment.service_id, appointment.start):
        return False
    WaitlistOffer.objects.filter(pk=offer.pk, claimed_at=None).update(claimed_at=now)
    if end(offer.entry, status=Status.BOOKED, by="patient", now=now):
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(booked=appointment)
    return True


def withdraw(offer: WaitlistOffer, *, now: datetime) -> None:
    """Close an offer still open that can no longer help (its visit was moved to this time or earlier)."""
    WaitlistOffer.objects.filter(pk=offer.pk, claimed_at=None, expires_at__gt=now).update(
        expires_at=Greatest(Value(now), F("created_at") + timedelta(microseconds=1)))  # it must end after it began


class NotEarlier(Exception):
    """The visit was moved (by the desk, or in another tab) to a time no later than the offer's."""

    def __init__(self, start: datetime):
        super().__init__(start)
        self.start = start


@transaction.atomic
def move_to_offer(offer: WaitlistOffer, *, now: datetime) -> Appointment:
    """Move the entry's booked visit to the offered time (``services.SlotTaken`` if someone was first;
    ``NotEarlier`` if the visit is no longer later than it)."""
    from ..services import reschedule_appointment  # booking.services notes freed time here

    visit = Appointment.objects.for_change().get(pk=offer.entry.appointment_id)
    if not earlier_than_the_visit(offer, visit):
        raise NotEarlier(visit.start)
    moved = reschedule_appointment(appointment=visit, new_start=offer.start, now=now,
                                   practitioner=offer.practitioner, by_patient=True)
    claimed(offer_id=offer.pk, appointment=moved, now=now)
    return moved
