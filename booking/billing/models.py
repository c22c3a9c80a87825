"""Invoices, their lines, payments and credits.

An invoice is never edited once issued: it is corrected by a credit (part of it is not owed after all)
or by a void (the whole of it, with a reason) and, where needed, a new invoice. The amounts already paid
and credited are kept on the invoice row itself so that check constraints can forbid paying past the
total even when two payments race (each payment adds to them in one conditional UPDATE).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from booking.models import Appointment, Patient, Practitioner, Service

ZERO = Decimal("0.00")
MONEY = {"max_digits": 9, "decimal_places": 2}


class InvoiceCounter(models.Model):
    """One row: the last invoice number issued (see ``services.next_invoice_number``)."""

    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Last invoice number: {self.last}"


class InvoiceQuerySet(models.QuerySet):
    def live(self):
        """Not voided."""
        return self.filter(voided_at__isnull=True)

    def owing(self):
        return self.live().filter(total__gt=F("amount_paid") + F("amount_credited"))


class Invoice(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        LATE_CANCEL = "late_cancel", "Late-cancellation fee"
        NO_SHOW = "no_show", "Missed-visit fee"

    number = models.PositiveIntegerField(unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VISIT)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="invoices")
    # Copied from the appointment: who was seen by whom stays on the invoice whatever happens later.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invoices")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="invoices")
    service_date = models.DateField(help_text="The local date of the visit.")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    total = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY, default=ZERO, editable=False)
    amount_credited = models.DecimalField(**MONEY, default=ZERO, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    void_reason = models.CharField(max_length=300, blank=True, editable=False)
    receipt_sent_at = models.DateTimeField(null=True, blank=True, editable=False,
                                           help_text="When the paid receipt was queued for email (claimed once).")

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        permissions = [("take_payments", "Can check out visits, take payments, credit and void invoices"),
                       ("view_reports", "Can see reports with money figures")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoice_paid_not_negative"),
            models.CheckConstraint(condition=Q(amount_credited__gte=0), name="invoice_credited_not_negative"),
            models.CheckConstraint(condition=Q(total__gte=F("amount_paid") + F("amount_credited")),
                                   name="invoice_not_paid_past_total"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                                   name="invoice_void_has_reason"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | Q(amount_paid=0),
                                   name="invoice_void_only_unpaid"),
            # One live invoice of each kind per visit: a second check-out finds the first.
            models.UniqueConstraint(fields=["appointment", "kind"], condition=Q(voided_at__isnull=True),
                                    name="invoice_one_live_per_visit_and_kind"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.display_number}"

    @property
    def display_number(self) -> str:
        return f"{self.number:06d}"

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def balance(self) -> Decimal:
        return ZERO if self.voided else self.total - self.amount_paid - self.amount_credited

    @property
    def paid_in_full(self) -> bool:
        return not self.voided and self.balance == ZERO


class InvoiceLine(models.Model):
    """What was charged, at the price of the day it was charged (prices change; invoices don't)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_line_not_negative")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


PAYMENT_SENT_ONCE = "payment_sent_once"  # the unique key of a form sent once: the name a second send reports


class Payment(models.Model):
    """Money received against an invoice. Never a card number: the clinic's terminal takes the card,
    and this records only that it did (and, optionally, the terminal's own receipt reference)."""

    class Method(models.TextChoices):
        DEBIT = "debit", "Debit card"
        CREDIT_CARD = "credit_card", "Credit card"
        CASH = "cash", "Cash"
        E_TRANSFER = "e_transfer", "Interac e-Transfer"
        INSURER = "insurer", "Extended health insurer (billed directly)"
        ICBC = "icbc", "ICBC"
        WORKSAFEBC = "worksafebc", "WorkSafeBC"

    THIRD_PARTY = (Method.INSURER, Method.ICBC, Method.WORKSAFEBC)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=12, choices=Method.choices)
    amount = models.DecimalField(**MONEY)
    received_on = models.DateField()
    payer = models.CharField(max_length=120, blank=True, help_text="Who paid, when not the patient (the insurer).")
    reference = models.CharField(max_length=40, blank=True,
                                 help_text="The terminal's receipt number or the claim number. Never a card number.")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # The key written into the form that recorded it: the same form sent twice records once.
    submission = models.UUIDField(null=True, blank=True, editable=False)

    SENT_ONCE = PAYMENT_SENT_ONCE

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
                       models.UniqueConstraint(fields=["submission"], name=PAYMENT_SENT_ONCE)]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


CREDIT_SENT_ONCE = "credit_sent_once"  # the unique key of a form sent once: the name a second send reports


class Credit(models.Model):
    """Part of an invoice that is not owed after all (a courtesy, a billing mistake), with the reason."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credits")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=300)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    submission = models.UUIDField(null=True, blank=True, editable=False)  # as Payment.submission

    SENT_ONCE = CREDIT_SENT_ONCE

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="credit_positive"),
                       models.CheckConstraint(condition=~Q(reason=""), name="credit_has_reason"),
                       models.UniqueConstraint(fields=["submission"], name=CREDIT_SENT_ONCE)]

    def __str__(self) -> str:
        return f"Credit {self.amount}"


class FeePolicy(models.Model):
    """The clinic's late-cancellation and missed-visit fee (one row, edited in the admin; off by default).

    Patients read it as ``patient_text`` where they book and cancel and in their emails; the front desk
    is asked to charge it or waive it (``booking.billing.fees``) when a visit is missed or cancelled late.
    """

    PERCENT = {"max_digits": 5, "decimal_places": 2}

    enabled = models.BooleanField(default=False, help_text="Charge fees for late cancellations and missed visits.")
    notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A cancellation less than this many hours before the visit is late.")
    late_cancel_percent = models.DecimalField(**PERCENT, default=Decimal("50.00"),
                                              help_text="Percent of the visit's price charged for a late cancellation.")
    no_show_percent = models.DecimalField(**PERCENT, default=Decimal("50.00"),
                                          help_text="Percent of the visit's price charged for a missed visit.")

    class Meta:
        verbose_name_plural = "fee policy"
        constraints = [
            models.CheckConstraint(condition=Q(late_cancel_percent__gt=0, late_cancel_percent__lte=100),
                                   name="fee_policy_late_cancel_percent_range"),
            models.CheckConstraint(condition=Q(no_show_percent__gt=0, no_show_percent__lte=100),
                                   name="fee_policy_no_show_percent_range"),
            models.CheckConstraint(condition=Q(notice_hours__gte=1, notice_hours__lte=168),
                                   name="fee_policy_notice_hours_range"),
        ]

    def __str__(self) -> str:
        return "Fee policy" + ("" if self.enabled else " (off)")

    @classmethod
    def load(cls) -> FeePolicy:
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def patient_text(self) -> str:
        """The policy in plain words; empty when fees are off."""
        if not self.enabled:
            return ""
        late, missed = _percent(self.late_cancel_percent), _percent(self.no_show_percent)
        hours = f"{self.notice_hours} hour{'s' if self.notice_hours != 1 else ''}"
        if late == missed:
            rule = (f"If you cancel less than {hours} before your visit, or miss it, the clinic charges "
                    f"{late} of the visit's price.")
        else:
            rule = (f"If you cancel less than {hours} before your visit, the clinic charges {late} of the "
                    f"visit's price; if you miss it, {missed}.")
        return f"{rule} Insurers do not pay this fee."


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %"


class FeeWaiver(models.Model):
    """The front desk decided not to charge the fee for a missed or late-cancelled visit (with why)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="fee_waivers")
    kind = models.CharField(max_length=12, choices=[c for c in Invoice.Kind.choices if c[0] != Invoice.Kind.VISIT])
    reason = models.CharField(max_length=300)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind"], name="fee_waiver_one_per_visit_and_kind"),
            models.CheckConstraint(condition=~Q(reason=""), name="fee_waiver_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Fee waived for {self.appointment_id}"


class PdfCopyQuerySet(models.QuerySet):
    def made(self, key: str, make) -> bytes:
        """The PDF stored under ``key``, or ``make()``'s, stored now (a concurrent first request may
        store the same bytes' twin first: either serves). Copies older than ``PDF_COPY_DAYS`` go as a
        new one is stored."""
        pdf = self.filter(key=key).values_list("pdf", flat=True).first()
        if pdf is not None:
            return bytes(pdf)
        pdf = make()
        now = timezone.now()
        self.bulk_create([self.model(key=key, pdf=pdf, made_at=now)], ignore_conflicts=True)
        self.filter(made_at__lt=now - timedelta(days=settings.PDF_COPY_DAYS)).delete()
        return pdf


class PdfCopy(models.Model):
    """A receipt or statement laid out as PDF, stored under the SHA-256 of the HTML and stylesheet it was
    made from. Anything the document shows (a payment, a void, the clinic's address) changes that HTML,
    so a changed document is made afresh and an unchanged one is never laid out twice."""

    key = models.CharField(max_length=64, primary_key=True)
    pdf = models.BinaryField()
    made_at = models.DateTimeField(db_index=True)

    objects = PdfCopyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"PDF {self.key[:12]}"
