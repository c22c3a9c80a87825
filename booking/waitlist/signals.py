"""Schedule changes that free time, wherever they are made (staff pages, the Django admin, a shell):
time off or a closure removed, weekly hours saved one row at a time (the admin's inline). The staff
page that replaces a whole timetable with ``bulk_create`` (which sends no signals) notes it itself
(``booking.staff.records.replace_weekly_hours``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .. import schedules
from ..models import ClinicClosure, Practitioner, TimeOff, WorkingHours
from .services import note_freed


def _bookable(day) -> bool:
    """Whether a freed time on ``day`` could be offered at all: not past, not beyond the horizon."""
    today = timezone.localdate()
    return today <= day <= today + timedelta(days=settings.BOOKING_HORIZON_DAYS + 1)


def hours_changed(practitioner_id: int, first_day) -> None:
    """Hours valid from ``first_day`` (None: always) may have freed time from then to the horizon."""
    today = timezone.localdate()
    if first_day is not None and first_day > today and not _bookable(first_day):
        return  # hours from a day beyond the horizon free nothing that can be booked yet
    start, _ = schedules.local_day_bounds(max(first_day or today, today))
    note_freed(practitioner_id=practitioner_id, start=start,
               end=timezone.now() + timedelta(days=settings.BOOKING_HORIZON_DAYS + 1), reason="hours changed")


def _time_off_removed(sender, instance: TimeOff, **kwargs) -> None:
    note_freed(practitioner_id=instance.practitioner_id, start=instance.start, end=instance.end,
               reason="time off removed")


def _closure_removed(sender, instance: ClinicClosure, **kwargs) -> None:
    if not _bookable(instance.date):
        return
    start, end = schedules.local_day_bounds(instance.date)
    for pk in Practitioner.objects.filter(active=True).values_list("pk", flat=True):
        note_freed(practitioner_id=pk, start=start, end=end, reason="clinic open again")


def _hours_saved(sender, instance: WorkingHours, **kwargs) -> None:
    hours_changed(instance.practitioner_id, instance.valid_from)


def connect() -> None:
    post_delete.connect(_time_off_removed, sender=TimeOff, dispatch_uid="waitlist-time-off")
    post_delete.connect(_closure_removed, sender=ClinicClosure, dispatch_uid="waitlist-closure")
    post_save.connect(_hours_saved, sender=WorkingHours, dispatch_uid="waitlist-hours")
