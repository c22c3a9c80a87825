"""Emails to patients and to the clinic: what each one says, and how one queued notice is sent.

Each ``EmailNotice`` (the outbox row written with the change) is rendered when it is sent, from
``templates/emails/<kind>_subject.txt``, ``_body.txt`` and ``_body.html``. An email that carries a
manage link gets a new token: only hashes are stored, so the sender cannot recover the token shown
at booking, and a plaintext token is never stored or passed to a task.

Logs name the notice, its kind and the error class only: SMTP errors can quote the recipient's
address, and names and addresses are personal data.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse

from clinic.models import ClinicProfile

from .billing.models import Invoice, Payment
from .billing.receipts import receipt_filename, receipt_pdf
from .courses.places import course_of
from .ics import appointment_ics, series_ics
from .models import Appointment, EmailNotice, ManageLink

logger = logging.getLogger(__name__)

Kind = EmailNotice.Kind
MAIL_ERRORS = (smtplib.SMTPException, OSError)
# The wait before the 2nd, 3rd, ... attempt; after EmailNotice.MAX_ATTEMPTS staff see it failed.
RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
# A worker that has held a notice this long died while sending it: another may take it over.
CLAIM_TIMEOUT = timedelta(minutes=15)
# About a visit still to come: pointless, and confusing, once it is cancelled or has begun.
LIVE_KINDS = {Kind.REQUEST_RECEIVED, Kind.CLINIC_NEW_REQUEST, Kind.CONFIRMED, Kind.RESCHEDULED, Kind.REMINDER,
              Kind.SERIES_BOOKED}
WITH_MANAGE_LINK = {Kind.REQUEST_RECEIVED, Kind.CONFIRMED, Kind.RESCHEDULED, Kind.REMINDER, Kind.SERIES_BOOKED}
WITH_CALENDAR = {Kind.CONFIRMED, Kind.RESCHEDULED, Kind.CANCELLED_BY_PATIENT, Kind.CANCELLED_BY_CLINIC}
# The mark of a live notice dropped at sending time (``deliver``); undoing a completion or no-show
# looks for it (booking.services.undo_attendance) to send the email after all.
NOT_AHEAD = "Not sent: the visit is no longer ahead"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def render_message(kind: str, context: dict, *, to: str, clinic: ClinicProfile) -> EmailMultiAlternatives:
    """The email of ``kind`` from its three templates (subject, text, HTML), from the clinic to ``to``."""
    name = f"emails/{kind}"
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string(f"{name}_subject.txt", context).split()),
        body=render_to_string(f"{name}_body.txt", context),
        from_email=formataddr((clinic.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[to],
        reply_to=[clinic.email],
    )
    message.attach_alternative(render_to_string(f"{name}_body.html", context), "text/html")
    return message


def compose(notice: EmailNotice, *, now: datetime, token: str | None = None,
            series: list[Appointment] | None = None) -> EmailMultiAlternatives:
    """The email for ``notice`` as it should read at ``now``; ``token`` makes its manage link; ``series``:
    a series email's visits (``series_ahead``), if the caller has read them already."""
    appointment = notice.appointment
    clinic = ClinicProfile.load()
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "clinic": clinic,
        "manage_url": absolute(reverse("booking:manage", args=[token])) if token else None,
        "book_url": absolute(reverse("booking:start")),
        "staff_url": absolute(reverse("staff:appointment-detail", args=[appointment.reference])),
        "cutoff_hours": settings.BOOKING_CANCEL_CUTOFF_HOURS,
    }
    invoice = None
    if notice.kind == Kind.SERIES_BOOKED:
        series = context["series"] = series if series is not None else series_ahead(appointment, now=now)
    else:
        series = None
    if notice.kind == Kind.RECEIPT:
        invoice = Invoice.objects.select_related("practitioner").get(number=notice.invoice_number)
        context["invoice"] = invoice
        context["patient_paid"] = invoice.payments.exclude(method__in=Payment.THIRD_PARTY).exists()
    recipient = (settings.CLINIC_NOTIFY_EMAIL or clinic.email) if notice.to_clinic else appointment.patient.email
    message = render_message(notice.kind, context, to=recipient, clinic=clinic)
    if notice.kind in WITH_CALENDAR:
        # The same UID as the download on the manage page, so calendars update the one event.
        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        message.attach(f"appointment-{appointment.reference}.ics", appointment_ics(appointment, domain=domain, now=now),
                       "text/calendar")
    if invoice is not None:
        message.attach(receipt_filename(invoice), receipt_pdf(invoice), "application/pdf")
    if series is not None:
        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        message.attach(f"ims-trial-{appointment.reference}.ics", series_ics(series, domain=domain, now=now),
                       "text/calendar")
    return message


def _prepare(notice: EmailNotice, *, now: datetime) -> tuple[EmailMultiAlternatives | None, Callable[[], None]]:
    """(The email to send, or None if it is no longer worth sending; how to void its new link)."""
    if notice.appointment_id is None:
        from .waitlist.mail import prepare  # the waitlist's emails; that module imports this one

        return prepare(notice, now=now)
    appointment = notice.appointment
    if notice.kind == Kind.SERIES_BOOKED:  # one email for several visits: worth sending while any is ahead
        ahead = series_ahead(appointment, now=now)
        if not ahead:
            return None, _nothing
        link, token = ManageLink.issue(ahead[0])
        return compose(notice, now=now, token=token, series=ahead), link.delete
    if notice.kind in LIVE_KINDS and (not appointment.holds_time or appointment.start <= now):
        return None, _nothing
    if notice.kind == Kind.REMINDER and appointment.start > now + timedelta(hours=settings.EMAIL_REMINDER_HOURS):
        return None, _nothing  # moved later since it was queued: the pass queues one in time for the new day
    link, token = ManageLink.issue(appointment) if notice.kind in WITH_MANAGE_LINK else (None, None)
    return compose(notice, now=now, token=token), (link.delete if link is not None else _nothing)


def series_ahead(appointment: Appointment, *, now: datetime) -> list[Appointment]:
    """The visits a series email lists: its course's kept visits from its first (``appointment``, the
    one the email was queued on, which may since have been cancelled) on, those still ahead."""
    course = course_of(appointment)
    visits = list(course.kept_visits()) if course else [appointment] if appointment.holds_time else []
    return [v for v in visits if v.start >= appointment.start and v.start > now]


def _nothing() -> None:
    pass


def deliver(notice_id: int, *, now: datetime) -> datetime | None:
    """Send one notice unless it is already sent or another worker holds it.

    Returns when to try again after a mail-server failure (None when done or given up). The
    conditional update is the claim: of two workers handed the same notice, one updates the row
    and sends, the other updates nothing and stops.
    """
    claimed = (
        EmailNotice.objects.filter(pk=notice_id, sent_at=None)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    notice = EmailNotice.objects.select_related(
        "appointment__service", "appointment__practitioner", "appointment__patient"
    ).get(pk=notice_id)
    row = EmailNotice.objects.filter(pk=notice_id)
    forget_link = _nothing
    try:
        message, forget_link = _prepare(notice, now=now)
        if message is None:  # about a visit no longer ahead, or an offer no longer open
            row.update(sent_at=now, claimed_at=None, last_error=NOT_AHEAD)
            return None
        message.send()
    except Exception as error:
        forget_link()  # never delivered: its link must open nothing
        retry_at = now + RETRY_DELAYS[notice.attempts - 1] if notice.attempts < EmailNotice.MAX_ATTEMPTS else None
        row.update(claimed_at=None, last_error=type(error).__name__, retry_after=retry_at)
        logger.warning("Email notice %s (%s) not sent, attempt %s of %s: %s", notice.pk, notice.kind,
                       notice.attempts, EmailNotice.MAX_ATTEMPTS, type(error).__name__)
        if not isinstance(error, MAIL_ERRORS):
            raise  # a bug, not the mail server: let the worker record it
        return retry_at
    row.update(sent_at=now, claimed_at=None, retry_after=None)
    return None
