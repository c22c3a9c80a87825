"""The practice: services, practitioners, their weekly hours and time off, and clinic closures."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .common import wall_clock


def bookable_service(prefix: str = "") -> Q:
    """Services a patient can book online (``prefix``: the path to the service, e.g. "service__")."""
    return Q(**{f"{prefix}active": True, f"{prefix}bookable_online": True})


class ServiceQuerySet(models.QuerySet):
    def bookable(self):
        """Services a patient can book online."""
        return self.filter(bookable_service())


class Service(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after the visit (notes, cleaning)."
    )
    price = models.DecimalField(max_digits=7, decimal_places=2, help_text="Price shown to patients, in dollars.")
    bookable_online = models.BooleanField(default=True)
    requires_confirmation = models.BooleanField(default=True, help_text="Staff confirm each online request.")
    requires_prior_assessment = models.BooleanField(
        default=False, help_text="For follow-ups: flag requests from patients with no assessment on record."
    )
    is_ims = models.BooleanField(default=True, help_text="Counts for the 7-day IMS spacing flag.")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="service_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


class PractitionerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def offering(self, service: Service):
        return self.active().filter(services=service)

    def offering_bookable(self, service_slug: str, slug: str) -> tuple[Service, Practitioner] | None:
        """The bookable service ``service_slug`` and the active practitioner ``slug`` offering it, read
        together in one query; None when there is no such pair."""
        # Plain joins, no subqueries and no ordering: PostgreSQL took 3 ms to plan those for one row.
        offers = list(Practitioner.services.through.objects.select_related("service", "practitioner")
                      .filter(bookable_service("service__"), service__slug=service_slug,
                              practitioner__slug=slug, practitioner__active=True)[:1])
        return (offers[0].service, offers[0].practitioner) if offers else None


class Practitioner(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    credentials = models.CharField(max_length=200, help_text='e.g. "Physiotherapist, Gunn IMS certified"')
    # What a receipt needs so an insurer reimburses it: the designation, the regulator, the number.
    designation = models.CharField(max_length=80, default="Physiotherapist",
                                   help_text='e.g. "Physiotherapist" or "Registered Physical Therapist".')
    regulator = models.CharField(max_length=120, default="College of Health and Care Professionals of BC",
                                 help_text="The body the practitioner is registered with.")
    registration_number = models.CharField(max_length=30, blank=True,
                                           help_text="The registration number printed on receipts.")
    bio = models.TextField(blank=True)
    photo = models.FileField(upload_to="practitioners/", blank=True)
    active = models.BooleanField(default=True)
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="practitioner"
    )
    order = models.PositiveSmallIntegerField(default=0)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One wall-clock interval of a weekly timetable; lunch is the gap between two rows."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    valid_from = models.DateField(null=True, blank=True, help_text="First day this timetable applies.")
    valid_until = models.DateField(null=True, blank=True, help_text="Last day this timetable applies.")

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="hours_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="hours_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


TIMEOFF_SENT_ONCE = "timeoff_sent_once"  # the unique key of a form sent once: the name a second send reports


class TimeOff(models.Model):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)
    # The key written into the form that added it: the same form sent twice adds it once.
    submission = models.UUIDField(null=True, blank=True, editable=False)

    SENT_ONCE = TIMEOFF_SENT_ONCE

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="timeoff_start_before_end"),
                       models.UniqueConstraint(fields=["submission"], name=TIMEOFF_SENT_ONCE)]

    def __str__(self) -> str:
        return f"{self.practitioner} off from {wall_clock(self.start)}"


class ClinicClosure(models.Model):
    """A whole local day the clinic is closed, added by staff (BC statutory holidays are automatic)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"
