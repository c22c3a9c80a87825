"""The waitlist's task: offer one freed time (its argument is the row's id, nothing personal)."""

from django.utils import timezone
from django_tasks import task

from .services import offer_freed


@task()
def offer_freed_time(freed_id: int) -> None:
    offer_freed(freed_id, now=timezone.now())
