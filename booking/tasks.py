"""Work for the task worker (``manage.py db_worker``): sending emails and the reminder pass.

Task arguments are stored in the tasks table, so they are ids only: never a token, an address
or a name.

The reminder pass (``send_reminders``: from cron, or ``send_reminders --enqueue`` once to let the
worker repeat it every ``PASS_INTERVAL``) queues due reminders and hands the worker again any email
whose task was lost, died or failed and is due for another try.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend

from . import emails
from .models import Appointment, EmailNotice

PASS_INTERVAL = timedelta(minutes=10)
# How long the worker's own task gets before the pass steps in for a notice still unsent.
GRACE = timedelta(minutes=5)


def queue_notices(appointment_id: int, *kinds: str, invoice_number: int | None = None) -> None:
    """Write outbox rows in the caller's transaction; hand them to the worker once it commits."""
    queue_outbox([EmailNotice(appointment_id=appointment_id, kind=kind, invoice_number=invoice_number)
                  for kind in kinds])


def queue_outbox(notices: list[EmailNotice]) -> None:
    """Write these outbox rows in the caller's transaction; hand them to the worker once it commits."""
    if not notices:
        return
    ids = [notice.pk for notice in EmailNotice.objects.bulk_create(notices)]
    # robust: the change is committed whatever happens here; a notice whose task was never queued
    # is picked up by the next pass.
    transaction.on_commit(partial(_enqueue_all, ids), robust=True)


def _enqueue_all(notice_ids: list[int]) -> None:
    """One task for the emails of one change (a request sends two): one row for the worker to claim."""
    if len(notice_ids) == 1:
        deliver_notice.enqueue(notice_ids[0])
    else:
        deliver_notices.enqueue(notice_ids)


@task()
def deliver_notice(notice_id: int) -> None:
    retry_at = emails.deliver(notice_id, now=timezone.now())
    if retry_at is not None and deliver_notice.get_backend().supports_defer:
        deliver_notice.using(run_after=retry_at).enqueue(notice_id)  # a retry is that email's alone


@task()
def deliver_notices(notice_ids: list[int]) -> None:
    """Each email of a change (or of a pass's batch) in turn. A bug in building one holds back none
    of the others: the first such error is raised at the end, for the worker to record."""
    error = None
    for notice_id in notice_ids:
        try:
            deliver_notice.call(notice_id)
        except Exception as failed:  # the first is raised again below
            error = error or failed
    if error is not None:
        raise error


def queue_reminders(now: datetime) -> int:
    """Queue one reminder for each confirmed visit starting within EMAIL_REMINDER_HOURS of ``now``.

    A visit already started is never reminded; after downtime, visits still ahead catch up.
    """
    due = Appointment.objects.filter(
        status=Appointment.Status.CONFIRMED, reminder_sent_at=None,
        start__gt=now, start__lte=now + timedelta(hours=settings.EMAIL_REMINDER_HOURS),
    )
    queued = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            # The claim: a second pass running at the same time updates nothing and queues nothing.
            if due.filter(pk=pk).update(reminder_sent_at=now):
                queue_notices(pk, EmailNotice.Kind.REMINDER)
                queued += 1
    return queued


def retry_overdue(now: datetime) -> int:
    """Queue again every unsent notice that is due and that no live worker holds."""
    overdue = (
        EmailNotice.objects.filter(sent_at=None, attempts__lt=EmailNotice.MAX_ATTEMPTS)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - emails.CLAIM_TIMEOUT))
        .alias(due=Coalesce("retry_after", "created_at"))
        .filter(due__lte=now - GRACE)
    )
    ids = list(overdue.values_list("pk", flat=True))
    _enqueue_all(ids)
    return len(ids)


def run_pass(now: datetime) -> tuple[int, int]:
    """One pass: (reminders queued, emails queued again). It also deletes expired sessions: a patient's
    half-typed booking form waits in theirs, and the privacy notice promises it does not outlive it.
    And it offers freed time whose own task was lost, and ends waitlist entries past their dates."""
    from .waitlist.services import catch_up  # the waitlist queues its emails through this module

    reminders, retried = queue_reminders(now), retry_overdue(now)
    catch_up(now)
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return reminders, retried


@task()
def reminder_pass() -> None:
    now = timezone.now()
    schedule_next_pass(now)  # first, so a pass that fails does not end the repetition
    run_pass(now)


def _pass_waiting() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=reminder_pass.module_path, status=TaskResultStatus.READY).exists()


def schedule_next_pass(now: datetime) -> bool:
    """Queue the next pass for ``now + PASS_INTERVAL`` unless one is waiting already.

    Only the database backend can run a task later; elsewhere (tests) a pass runs once. The check
    also merges two repetitions into one if two were ever started.
    """
    if not isinstance(reminder_pass.get_backend(), DatabaseBackend) or _pass_waiting():
        return False
    reminder_pass.using(run_after=now + PASS_INTERVAL).enqueue()
    return True


def start_reminder_passes() -> bool:
    """Run a pass in the worker now (it then repeats itself) unless one is waiting already."""
    if isinstance(reminder_pass.get_backend(), DatabaseBackend) and _pass_waiting():
        return False
    reminder_pass.enqueue()
    return True
