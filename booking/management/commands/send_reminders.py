"""One reminder pass, for cron (every 10 minutes); or, with --enqueue, start the worker's own passes."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking import tasks


class Command(BaseCommand):
    help = (
        "Queue reminder emails for confirmed visits starting within EMAIL_REMINDER_HOURS and retry "
        "emails that are overdue. Run it every 10 minutes from cron, or once with --enqueue to let "
        "the task worker repeat it every 10 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true",
            help="Queue a pass for the task worker, which then repeats it (nothing if one is waiting).",
        )

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            started = tasks.start_reminder_passes()
            self.stdout.write("Reminder passes queued for the task worker." if started
                              else "A reminder pass is already waiting for the task worker.")
            return
        reminders, retries = tasks.run_pass(timezone.now())
        self.stdout.write(f"Reminders queued: {reminders}. Emails queued again: {retries}.")
