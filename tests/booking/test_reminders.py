"""Reminder emails: one per confirmed visit, EMAIL_REMINDER_HOURS ahead, never for a visit that is off or begun."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from booking import services, tasks
from booking.models import Appointment, EmailNotice
from tests.factories import NOW, book, local, make_practitioner

pytestmark = pytest.mark.django_db

START = local(2026, 12, 15, 10)  # 17:00 UTC
DAY_BEFORE = START - timedelta(hours=23)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def practitioner():
    return make_practitioner("Maya Chen")


def confirmed_at(start, practitioner) -> Appointment:
    appointment, _ = book(start=start, practitioner=practitioner)  # never committed: no earlier emails
    return services.confirm_appointment(appointment=appointment, actor=None)


def reminder_pass(committed):
    with committed():
        call_command("send_reminders")


def reminders(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Reminder:")]


def test_a_reminder_is_sent_once_even_when_the_job_runs_twice(committed, mailoutbox, practitioner, clock):
    appointment = confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    reminder_pass(committed)
    reminder_pass(committed)
    [message] = reminders(mailoutbox)
    assert message.to == [appointment.patient.email]
    assert "Tuesday 15 December 2026 at 10:00 a.m. BC time (UTC−7)" in message.body
    assert "Maya Chen" in message.body and "/book/manage/" in message.body
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == DAY_BEFORE
    assert appointment.email_notices.filter(kind="reminder").count() == 1


def test_no_reminder_for_a_cancelled_declined_or_unconfirmed_visit(committed, mailoutbox, practitioner, clock):
    cancelled = confirmed_at(START, practitioner)
    services.cancel_appointment(appointment=cancelled, now=NOW, actor=None)
    declined, _ = book(start=START, practitioner=practitioner)
    services.decline_appointment(appointment=declined, actor=None, reason="Not suitable")
    book(start=START, practitioner=practitioner)  # still only requested
    clock.move_to(DAY_BEFORE)
    reminder_pass(committed)
    assert reminders(mailoutbox) == []
    assert not Appointment.objects.filter(reminder_sent_at__isnull=False).exists()


def test_no_reminder_for_a_visit_that_has_already_started(committed, mailoutbox, practitioner, clock):
    appointment = confirmed_at(START, practitioner)
    clock.move_to(START + timedelta(minutes=5))
    reminder_pass(committed)
    assert reminders(mailoutbox) == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None


def test_after_an_outage_visits_still_ahead_catch_up_and_started_ones_are_skipped(committed, mailoutbox,
                                                                                 practitioner, clock):
    ahead = confirmed_at(START, practitioner)
    begun = confirmed_at(local(2026, 12, 15, 9), make_practitioner())
    # The job was down for the whole day before; it comes back at 09:30, half an hour before the visit.
    clock.move_to(local(2026, 12, 15, 9, 30))
    reminder_pass(committed)
    [message] = reminders(mailoutbox)
    assert message.to == [ahead.patient.email]
    begun.refresh_from_db()
    assert begun.reminder_sent_at is None


def test_visits_beyond_the_reminder_window_wait_for_a_later_pass(committed, mailoutbox, practitioner, clock,
                                                                 settings):
    confirmed_at(START, practitioner)
    clock.move_to(START - timedelta(hours=25))
    reminder_pass(committed)
    assert reminders(mailoutbox) == []
    settings.EMAIL_REMINDER_HOURS = 48
    reminder_pass(committed)
    assert len(reminders(mailoutbox)) == 1


def test_a_reminder_queued_before_a_cancellation_is_not_sent(mailoutbox, practitioner, clock):
    appointment = confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    assert tasks.queue_reminders(DAY_BEFORE) == 1  # queued, but the worker has not sent it yet
    services.cancel_appointment(appointment=appointment, now=DAY_BEFORE, actor=None)
    notice = appointment.email_notices.get(kind="reminder")
    tasks.deliver_notice.enqueue(notice.pk)
    assert reminders(mailoutbox) == []
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.last_error.startswith("Not sent")


def test_a_reminder_queued_before_a_move_two_weeks_on_waits_for_the_new_day(committed, mailoutbox, practitioner,
                                                                            clock):
    """Queued but not yet sent (the mail server was down), then the desk moves the visit two weeks on:
    that reminder is not sent two weeks early; the pass sends one the day before the new time."""
    appointment = confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    assert tasks.queue_reminders(DAY_BEFORE) == 1
    services.reschedule_appointment(appointment=appointment, new_start=START + timedelta(days=14), now=DAY_BEFORE)
    notice = appointment.email_notices.get(kind="reminder")
    tasks.deliver_notice.enqueue(notice.pk)
    assert reminders(mailoutbox) == []
    clock.move_to(DAY_BEFORE + timedelta(days=14))
    reminder_pass(committed)
    [reminder] = reminders(mailoutbox)
    assert "Tuesday 29 December 2026 at 10:00 a.m." in reminder.subject


def test_a_moved_visit_gets_a_reminder_for_its_new_time(committed, mailoutbox, practitioner, clock):
    appointment = confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    reminder_pass(committed)
    services.reschedule_appointment(appointment=appointment, new_start=local(2026, 12, 16, 10), now=DAY_BEFORE)
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None
    clock.move_to(DAY_BEFORE + timedelta(days=1))
    reminder_pass(committed)
    first, second = reminders(mailoutbox)
    assert "Wednesday 16 December 2026 at 10:00 a.m." in second.body


def test_enqueue_runs_a_pass_at_once_when_tasks_run_immediately(committed, mailoutbox, practitioner, clock):
    confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    with committed():
        call_command("send_reminders", "--enqueue")
    assert len(reminders(mailoutbox)) == 1


def test_with_the_database_backend_the_worker_repeats_the_pass_every_ten_minutes(settings, practitioner, clock):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    passes = DBTaskResult.objects.filter(task_path="booking.tasks.reminder_pass")
    call_command("send_reminders", "--enqueue")
    call_command("send_reminders", "--enqueue")  # `make run` again: still one repetition
    [first] = passes
    assert first.status == "READY"

    confirmed_at(START, practitioner)
    clock.move_to(DAY_BEFORE)
    passes.update(status="RUNNING")  # the worker takes it and runs it
    tasks.reminder_pass.call()
    [following] = passes.filter(status="READY")
    assert following.run_after == DAY_BEFORE + tasks.PASS_INTERVAL
    assert EmailNotice.objects.filter(kind="reminder").count() == 1


def test_a_pass_deletes_expired_sessions_with_any_half_typed_booking(client, clock):
    """The booking form keeps what a patient typed in their session; the privacy notice promises it is
    deleted once the session ends, so the periodic pass clears expired sessions."""
    from django.contrib.sessions.models import Session

    make_practitioner()
    client.post("/book/ims-assessment/details/", {"who": "any", "start": "2026-12-01T16:00:00Z",
                                                  "p-first_name": "Rowan", "action": "review"})
    assert Session.objects.count() == 1
    tasks.run_pass(NOW)
    assert Session.objects.count() == 1  # still live
    clock.move_to(NOW + timedelta(hours=11))  # past DJANGO_SESSION_HOURS (10)
    tasks.run_pass(NOW + timedelta(hours=11))
    assert Session.objects.count() == 0
