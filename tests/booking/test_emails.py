"""Emails about each change, sent by the task worker after the change commits.

Tasks run immediately in tests (ImmediateBackend), at commit. pytest-django's ``db`` fixture
never commits, so ``committed()`` runs the on-commit callbacks as a real commit would.
"""

import logging
import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import icalendar
import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.mail.backends import locmem
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from booking import emails, services, tasks
from booking.models import Appointment, EmailNotice, ManageLink
from clinic.models import ClinicProfile
from tests.factories import NOW, book, details_data, local, make_practitioner

pytestmark = pytest.mark.django_db

START = local(2026, 12, 15, 10)  # Tuesday, BC's first winter on permanent UTC-7: 17:00 UTC
WHEN = "Tuesday 15 December 2026 at 10:00 a.m. BC time (UTC−7)"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if its transaction committed: the emails it queued are sent at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def practitioner():
    return make_practitioner("Maya Chen")


@pytest.fixture
def desk(client, django_user_model, staff_roles):
    user = django_user_model.objects.create_user("frontdesk1", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    return user


@pytest.fixture
def confirmed(practitioner):
    """A confirmed appointment whose earlier emails were never sent (no commit)."""
    appointment, token = book(start=START, practitioner=practitioner)
    return services.confirm_appointment(appointment=appointment, actor=None), token


def calendar_of(message) -> icalendar.Calendar:
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(content)


def event_of(message):
    return calendar_of(message).walk("VEVENT")[0]


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def manage_path(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/book/manage/[A-Za-z0-9_-]{43}/)", message.body).group(1)


# --- each change, its email --------------------------------------------------------------------
def test_an_online_request_emails_the_patient_the_details_and_a_working_manage_link(client, committed, mailoutbox,
                                                                                    practitioner):
    data = details_data(START, action="confirm")
    with committed():
        assert client.post("/book/ims-assessment/details/", data).status_code == 302
    appointment = Appointment.objects.get()
    [to_patient] = [m for m in mailoutbox if m.to == [data["p-email"]]]
    clinic = ClinicProfile.load()
    assert parseaddr(to_patient.from_email) == (clinic.name, "clinic@example.com")
    assert to_patient.subject == "Request received: Tuesday 15 December 2026 at 10:00 a.m."
    for text in (to_patient.body, html_of(to_patient)):
        assert WHEN in text and "Maya Chen" in text and appointment.reference in text
        assert clinic.full_address in text and clinic.map_url in text
        assert "loose, comfortable clothing" in text and "photo ID" in text and "claim number" in text
        assert "confirm it by email" in text
    assert clinic.cancellation_policy in to_patient.body
    assert not to_patient.attachments  # a request is not in the calendar yet

    page = client.get(manage_path(to_patient))
    assert page.status_code == 200 and appointment.reference in page.content.decode()
    assert appointment.email_notices.get(kind="request_received").sent_at == NOW


def test_the_clinic_inbox_hears_of_a_new_request_without_any_health_or_personal_details(
        client, committed, mailoutbox, practitioner, settings):
    settings.CLINIC_NOTIFY_EMAIL = "bookings@example.com"
    data = details_data(START, action="confirm", **{
        "p-first_name": "Jordan", "p-last_name": "Quill", "p-patient_note": "Sciatica after a fall",
        "i-kind": "icbc", "i-claim_number": "ab-1234", "i-incident_date": "2026-10-01",
        "s-pregnant": "yes", "s-blood_thinners": "yes",
    })
    with committed():
        client.post("/book/ims-assessment/details/", data)
    appointment = Appointment.objects.get()
    [notice] = [m for m in mailoutbox if m.to == ["bookings@example.com"]]
    assert notice.subject == f"New online request {appointment.reference}"
    staff_url = f"http://127.0.0.1:8000/staff/appointments/{appointment.reference}/"
    for text in (notice.body, html_of(notice)):
        assert appointment.reference in text and "IMS initial assessment" in text and WHEN in text
        assert "Maya Chen" in text and staff_url in text
        for secret in ("Jordan", "Quill", data["p-email"], "604-555-0199", "1984", "Sciatica", "AB-1234",
                       "ICBC", "regnan", "thinner", "Screening", "manage"):
            assert secret.lower() not in text.lower()


def test_the_clinic_notice_goes_to_the_clinic_profile_email_by_default(committed, mailoutbox, practitioner):
    with committed():
        book(start=START, practitioner=practitioner)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ClinicProfile.load().email,
                                                          Appointment.objects.get().patient.email])


def test_confirming_sends_the_patient_a_calendar_file_in_utc(client, committed, mailoutbox, desk, practitioner):
    appointment, _ = book(start=START, practitioner=practitioner)
    with committed():
        client.post(f"/staff/appointments/{appointment.reference}/confirm/")
    [message] = mailoutbox
    assert message.to == [appointment.patient.email] and message.subject.startswith("Confirmed:")
    assert WHEN in message.body and "Maya Chen" in message.body
    calendar = calendar_of(message)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["method"]) == "PUBLISH"
    assert event.decoded("dtstart") == datetime(2026, 12, 15, 17, 0, tzinfo=UTC)
    assert str(event["uid"]) == f"appointment-{appointment.reference}@127.0.0.1"
    assert int(event["sequence"]) == 1 and str(event["status"]) == "CONFIRMED"
    assert client.get(manage_path(message)).status_code == 200


def test_declining_tells_the_patient_the_reason_and_how_to_book_again(client, committed, mailoutbox, desk,
                                                                      practitioner):
    appointment, _ = book(start=START, practitioner=practitioner)
    with committed():
        client.post(f"/staff/appointments/{appointment.reference}/decline/", {"reason": "Please see your GP first"})
    [message] = mailoutbox
    assert message.to == [appointment.patient.email]
    for text in (message.body, html_of(message)):
        assert "Please see your GP first" in text and WHEN in text and "http://127.0.0.1:8000/book/" in text
        assert "/book/manage/" not in text  # the request is closed: no link to it
    assert not message.attachments


def test_a_patient_cancelling_gets_a_calendar_cancellation_with_the_same_uid(client, committed, mailoutbox,
                                                                            confirmed):
    appointment, token = confirmed
    with committed():
        client.post(f"/book/manage/{token}/cancel/", {"reason": "Feeling better"})
    [message] = mailoutbox
    assert message.to == [appointment.patient.email] and message.subject.startswith("Cancelled:")
    assert WHEN in message.body and "/book/manage/" not in message.body
    calendar = calendar_of(message)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"appointment-{appointment.reference}@127.0.0.1" and int(event["sequence"]) == 2


def test_the_clinic_cancelling_apologises_without_quoting_the_internal_reason(client, committed, mailoutbox,
                                                                             desk, confirmed):
    appointment, _ = confirmed
    with committed():
        client.post(f"/staff/appointments/{appointment.reference}/cancel/", {"reason": "Dr off sick"})
    [message] = mailoutbox
    assert message.subject.startswith("Cancelled by the clinic:") and WHEN in message.body
    assert "Dr off sick" not in message.body and "Dr off sick" not in html_of(message)
    assert str(calendar_of(message)["method"]) == "CANCEL"


def test_rescheduling_updates_the_same_calendar_event_with_a_higher_sequence(client, committed, mailoutbox,
                                                                            confirmed):
    appointment, token = confirmed
    tasks.deliver_notice.enqueue(appointment.email_notices.get(kind="confirmed").pk)
    new_start = local(2026, 12, 16, 14)
    with committed():
        response = client.post(f"/book/manage/{token}/reschedule/", {"start": "2026-12-16T21:00:00Z"})
    assert response.status_code == 302 and response["Location"] == f"/book/manage/{token}/#appointment"
    first, moved = mailoutbox
    assert moved.subject.startswith("New time:")
    assert "Wednesday 16 December 2026 at 2:00 p.m. BC time (UTC−7)" in moved.body
    before, after = event_of(first), event_of(moved)
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == new_start == datetime(2026, 12, 16, 21, 0, tzinfo=UTC)
    assert client.get(manage_path(moved)).status_code == 200


# --- the outbox and the manage links -----------------------------------------------------------
def test_nothing_is_sent_when_the_change_rolls_back(committed, mailoutbox, practitioner):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        book(start=START, practitioner=practitioner)
        raise RuntimeError("something after the booking failed")
    assert mailoutbox == []
    assert not Appointment.objects.exists() and not EmailNotice.objects.exists()


def test_each_email_gets_a_new_link_and_only_its_hash_is_stored(client, committed, mailoutbox, confirmed):
    appointment, booking_token = confirmed
    with committed():
        tasks.queue_notices(appointment.pk, EmailNotice.Kind.CONFIRMED, EmailNotice.Kind.RESCHEDULED)
    paths = [manage_path(m) for m in mailoutbox]
    tokens = [p.split("/")[3] for p in paths]
    assert len(set(tokens + [booking_token])) == 3
    assert ManageLink.objects.filter(appointment=appointment).count() == 2
    stored = str(list(ManageLink.objects.values())) + str(list(EmailNotice.objects.values()))
    assert not any(token in stored for token in tokens)
    # every link opens the appointment: the booking page's and each email's
    for path in [*paths, f"/book/manage/{booking_token}/"]:
        assert client.get(path).status_code == 200


def test_a_notice_is_sent_once_even_if_two_workers_are_handed_it(mailoutbox, confirmed):
    appointment, _ = confirmed
    notice = appointment.email_notices.get(kind="confirmed")
    tasks.deliver_notice.enqueue(notice.pk)
    tasks.deliver_notice.enqueue(notice.pk)
    assert len(mailoutbox) == 1


def test_a_notice_another_worker_is_sending_is_left_alone_until_that_worker_is_presumed_dead(
        mailoutbox, confirmed, frozen_clock):
    appointment, _ = confirmed
    notice = appointment.email_notices.get(kind="confirmed")
    EmailNotice.objects.filter(pk=notice.pk).update(claimed_at=NOW, attempts=1)
    tasks.deliver_notice.enqueue(notice.pk)
    assert mailoutbox == []
    frozen_clock.move_to(NOW + emails.CLAIM_TIMEOUT + timedelta(minutes=1))
    tasks.deliver_notice.enqueue(notice.pk)
    assert len(mailoutbox) == 1


# --- failures ----------------------------------------------------------------------------------
def refuse(self, messages):
    # Real SMTP errors quote the recipient: the log must not.
    raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (451, b"try again later")})


def test_an_smtp_failure_is_retried_later_and_never_touches_the_appointment(
        client, committed, mailoutbox, desk, practitioner, monkeypatch, caplog, frozen_clock):
    with committed():
        appointment, _ = book(start=START, practitioner=practitioner)
    mailoutbox.clear()
    links = ManageLink.objects.count()
    caplog.set_level(logging.INFO)
    with monkeypatch.context() as patched:
        patched.setattr(locmem.EmailBackend, "send_messages", refuse)
        with committed():
            response = client.post(f"/staff/appointments/{appointment.reference}/confirm/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "confirmed" and mailoutbox == []
    notice = appointment.email_notices.get(kind="confirmed")
    assert notice.sent_at is None and notice.attempts == 1 and notice.last_error == "SMTPRecipientsRefused"
    assert notice.retry_after == NOW + timedelta(minutes=1) and notice.claimed_at is None
    assert ManageLink.objects.count() == links  # the undelivered link opens nothing
    page = client.get(f"/staff/appointments/{appointment.reference}/").content.decode()
    assert "Confirmed email not delivered yet (1 attempt)" in page
    assert f"Email notice {notice.pk} (confirmed) not sent" in caplog.text
    patient = appointment.patient
    for personal in (patient.email, patient.first_name, patient.last_name):
        assert personal not in caplog.text

    frozen_clock.move_to(NOW + timedelta(minutes=10))
    assert tasks.retry_overdue(datetime.now(UTC)) == 1
    notice.refresh_from_db()
    assert notice.sent_at == NOW + timedelta(minutes=10) and notice.attempts == 2
    assert [m.subject[:10] for m in mailoutbox] == ["Confirmed:"]
    assert "not delivered" not in client.get(f"/staff/appointments/{appointment.reference}/").content.decode()


def test_a_bug_in_one_email_of_a_change_holds_back_none_of_the_others(committed, mailoutbox, practitioner,
                                                                     monkeypatch, caplog):
    """A request sends two emails in one task, the patient's first: when building it fails, the
    clinic's is still sent, and the task still fails for the worker to record."""
    prepare = emails._prepare

    def broken_for_the_patient(notice, **kwargs):
        if notice.kind == EmailNotice.Kind.REQUEST_RECEIVED:
            raise KeyError("a bug in this email's template")
        return prepare(notice, **kwargs)

    monkeypatch.setattr(emails, "_prepare", broken_for_the_patient)
    with committed(), caplog.at_level(logging.ERROR, logger="django_tasks"):
        book(start=START, practitioner=practitioner)
    assert "path=booking.tasks.deliver_notices state=FAILED" in caplog.text
    assert [m.to for m in mailoutbox] == [[ClinicProfile.load().email]]
    patients = EmailNotice.objects.get(kind=EmailNotice.Kind.REQUEST_RECEIVED)
    assert patients.sent_at is None and patients.last_error == "KeyError" and patients.attempts == 1
    assert EmailNotice.objects.get(kind=EmailNotice.Kind.CLINIC_NEW_REQUEST).sent_at is not None


def test_after_six_failed_attempts_the_notice_waits_for_staff(client, mailoutbox, desk, confirmed, monkeypatch):
    appointment, _ = confirmed
    notice = appointment.email_notices.get(kind="confirmed")
    appointment.email_notices.exclude(pk=notice.pk).delete()
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    now = NOW
    for _ in range(EmailNotice.MAX_ATTEMPTS):
        retry_at = emails.deliver(notice.pk, now=now)
        now = retry_at or now + timedelta(hours=1)
    assert retry_at is None
    notice.refresh_from_db()
    assert notice.attempts == 6 and notice.given_up and notice.retry_after is None
    assert tasks.retry_overdue(now + timedelta(days=1)) == 0
    page = client.get(f"/staff/appointments/{appointment.reference}/").content.decode()
    assert "Confirmed email could not be delivered (6 attempts)" in page


def test_with_the_database_backend_a_failed_send_is_queued_again_after_the_back_off(
        settings, confirmed, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    appointment, _ = confirmed
    notice = appointment.email_notices.get(kind="confirmed")
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    tasks.deliver_notice.call(notice.pk)
    [queued] = DBTaskResult.objects.filter(task_path="booking.tasks.deliver_notice")
    assert queued.run_after == NOW + timedelta(minutes=1)
    assert queued.args_kwargs == {"args": [notice.pk], "kwargs": {}}  # an id only, never a token or address
