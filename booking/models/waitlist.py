"""The waitlist: patients who asked to hear of a time, the offers sent to them, and the freed times.

A freed time (``FreedTime``) is written in the same transaction as the change that frees it (a
cancellation, a decline, a visit moved away, time off or a closure removed, hours added), like the
email outbox. A task then claims it once with a conditional update and offers its free times to the
first matching entries (``booking/waitlist/``). The first patient to book an offered time gets it:
the appointments' exclusion constraint decides, not the offer.

Entries hold contact details the patient typed (not a ``Patient``: that needs a date of birth, asked
when they book). Offer and entry links carry 256-bit tokens; only their hashes are stored.
"""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from .appointments import Appointment
from .common import hash_token
from .practice import Practitioner, Service


def unguessable_hash() -> str:
    """The hash of a token nobody holds: a row's link opens nothing until an email issues one."""
    return hash_token(secrets.token_urlsafe(32))


WAITLIST_SENT_ONCE = "waitlist_sent_once"  # the unique key of a form sent once: the name a second send reports


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked an offered time"
        LEFT = "left", "Left the list"
        REMOVED = "removed", "Removed by the clinic"
        EXPIRED = "expired", "Past the latest date"

    class Part(models.TextChoices):
        MORNING = "morning", "Morning (before noon)"
        AFTERNOON = "afternoon", "Afternoon (noon to 5 p.m.)"
        EVENING = "evening", "Evening (after 5 p.m.)"

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
                (5, "Saturday"), (6, "Sunday")]

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="waitlist_entries")
    practitioner = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="waitlist_entries", help_text="Empty: any practitioner.")
    # Set when the patient joined from their manage link: an offer moves this visit to an earlier time.
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="waitlist_entries")
    earliest = models.DateField()
    latest = models.DateField()
    weekdays = ArrayField(models.PositiveSmallIntegerField(), size=7)
    parts_of_day = ArrayField(models.CharField(max_length=10, choices=Part.choices), size=3)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=60, blank=True,
                                help_text="Who ended it: a staff user, the patient or the system.")
    # The visit booked (or moved) from an offer.
    booked = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False, default=unguessable_hash)
    created_at = models.DateTimeField(auto_now_add=True)
    # The key written into the form that made it: the same form sent twice joins once.
    submission = models.UUIDField(null=True, blank=True, editable=False)

    SENT_ONCE = WAITLIST_SENT_ONCE

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "service", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["submission"], name=WAITLIST_SENT_ONCE),
            models.CheckConstraint(condition=Q(earliest__lte=F("latest")), name="waitlist_dates_in_order"),
            models.CheckConstraint(condition=Q(weekdays__len__gt=0), name="waitlist_some_weekday"),
            models.CheckConstraint(condition=Q(parts_of_day__len__gt=0), name="waitlist_some_part_of_day"),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} for {self.service}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def waiting(self) -> bool:
        return self.status == self.Status.WAITING

    def weekday_names(self) -> list[str]:
        names = dict(self.WEEKDAYS)
        return [names[d] for d in sorted(self.weekdays) if d in names]

    def part_names(self) -> list[str]:
        return [label for value, label in self.Part.choices if value in self.parts_of_day]

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


class FreedTime(models.Model):
    """Time that became free for one practitioner; offered to the waitlist once (``offered_at``)."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["offered_at", "created_at"])]
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="freed_time_start_before_end")]

    def __str__(self) -> str:
        return f"Freed time {self.pk} ({self.reason})"


class WaitlistOffer(models.Model):
    """One freed time offered to one entry, with a claim link valid until ``expires_at``."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    freed = models.ForeignKey(FreedTime, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False, default=unguessable_hash)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One offer of a time per entry: a second round for the same time goes to the next people.
            models.UniqueConstraint(fields=["entry", "practitioner", "start"], name="waitlist_offer_once"),
            models.CheckConstraint(condition=Q(created_at__lt=F("expires_at")), name="waitlist_offer_expires_later"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} to entry {self.entry_id}"

    def is_open(self, now) -> bool:
        return self.claimed_at is None and now < self.expires_at

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token
