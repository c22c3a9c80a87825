"""The email outbox and the extra manage links that emails carry."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from .appointments import Appointment
from .common import hash_token


class EmailNotice(models.Model):
    """Outbox: an email owed about an appointment, written in the same transaction as the change.

    A rolled-back change therefore owes nothing, and a committed one is never forgotten: the
    sender (the task worker) claims each row with a conditional update and stamps ``sent_at``.
    """

    class Kind(models.TextChoices):
        REQUEST_RECEIVED = "request_received", "Request received"
        CLINIC_NEW_REQUEST = "clinic_new_request", "New online request (to the clinic)"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED_BY_PATIENT = "cancelled_by_patient", "Cancelled by the patient"
        CANCELLED_BY_CLINIC = "cancelled_by_clinic", "Cancelled by the clinic"
        RESCHEDULED = "rescheduled", "Rescheduled"
        REMINDER = "reminder", "Reminder"
        RECEIPT = "receipt", "Receipt (paid invoice)"
        SERIES_BOOKED = "series_booked", "IMS trial visits booked"
        WAITLIST_JOINED = "waitlist_joined", "Joined the waitlist"
        WAITLIST_OFFER = "waitlist_offer", "A time offered from the waitlist"

    # About an appointment, or (waitlist emails) about a waitlist entry and perhaps one offer to it.
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="email_notices")
    waitlist_entry = models.ForeignKey("booking.WaitlistEntry", null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="email_notices")
    waitlist_offer = models.ForeignKey("booking.WaitlistOffer", null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="email_notices")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, help_text="The error class only: never personal data.")
    # A worker holds a notice while sending it; a claim older than the sender's timeout is dead.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    retry_after = models.DateTimeField(null=True, blank=True, help_text="When a failed send is tried again.")
    # The receipt's invoice (booking.billing depends on booking, so a number rather than a key).
    invoice_number = models.PositiveIntegerField(null=True, blank=True, editable=False)

    MAX_ATTEMPTS = 6

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"])]
        constraints = [models.CheckConstraint(condition=Q(appointment__isnull=False) | Q(waitlist_entry__isnull=False),
                                              name="email_notice_about_something")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.appointment_id or f'waitlist entry {self.waitlist_entry_id}'}"

    @property
    def to_clinic(self) -> bool:
        return self.kind == self.Kind.CLINIC_NEW_REQUEST

    @property
    def given_up(self) -> bool:
        return self.sent_at is None and self.attempts >= self.MAX_ATTEMPTS


class ManageLink(models.Model):
    """An extra private manage link, issued each time an email carries one.

    Only the token's hash is stored (like ``Appointment.manage_token_hash``), so the sender cannot
    recover an earlier token: every email gets a new one.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="manage_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Manage link for {self.appointment_id}"

    @classmethod
    def issue(cls, appointment: Appointment) -> tuple[ManageLink, str]:
        token = secrets.token_urlsafe(32)
        return cls.objects.create(appointment=appointment, token_hash=hash_token(token)), token
