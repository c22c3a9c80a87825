"""`make run`'s demo data shows every feature of the clinic's day (and a second run adds nothing)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from booking.billing import fees
from booking.billing.models import FeePolicy, Invoice
from booking.models import Appointment, EmailNotice, VisitNote

pytestmark = pytest.mark.django_db


def test_the_demo_shows_requests_a_paid_receipt_a_balance_a_fee_to_decide_and_a_visit_note():
    call_command("setup_site", "--demo", stdout=io.StringIO())
    counts = (Appointment.objects.count(), Invoice.objects.count(), VisitNote.objects.count())
    assert Appointment.objects.filter(status=Appointment.Status.REQUESTED).exists()
    assert any(i.paid_in_full for i in Invoice.objects.all())
    assert EmailNotice.objects.filter(kind=EmailNotice.Kind.RECEIPT).count() == 1
    assert Invoice.objects.owing().exists()
    assert FeePolicy.load().enabled
    assert fees.awaiting_decision(Appointment.objects.all(), FeePolicy.load()).count() == 1
    from booking.courses import services as courses
    from booking.courses.models import Course

    course = Course.objects.get()
    assert course.kept_visits().count() == 4 and courses.summary(course)["review_due"]
    assert [c for c, _ in courses.flagged_courses(Course.objects.all())] == [course]
    note = VisitNote.objects.get()
    assert note.written_by.username == "maya" and note.appointment.practitioner.slug == "maya-chen"
    # the waitlist: three waiting, and a cancelled time (offered by the worker once the demo commits)
    from booking.models import FreedTime, WaitlistEntry
    from booking.waitlist.services import offer_freed

    assert WaitlistEntry.objects.filter(status="waiting").count() == 3
    freed = FreedTime.objects.get(reason="cancelled")
    assert offer_freed(freed.pk, now=freed.created_at) >= 1
    assert WaitlistEntry.objects.get(email="priya.nair@example.com").offers.exists()
    call_command("setup_site", "--demo", stdout=io.StringIO())
    assert WaitlistEntry.objects.count() == 3
    assert (Appointment.objects.count(), Invoice.objects.count(), VisitNote.objects.count()) == counts
