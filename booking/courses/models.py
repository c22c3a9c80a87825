"""A course of IMS for one patient with one practitioner, and the visits that belong to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from booking.models import KEPT_STATUSES, Appointment, InsuranceNote, Patient, Practitioner

TRIAL_MIN, TRIAL_MAX, TRIAL_DEFAULT = 4, 6, 6  # ims-facts.md, "What to expect"
FULL_COURSE_MAX = 10  # "a full course is 4–10 sessions": past this, staff are prompted


class CourseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[Course.Status.TRIAL, Course.Status.CONTINUING])


class Course(models.Model):
    class Status(models.TextChoices):
        TRIAL = "trial", "Trial"
        CONTINUING = "continuing", "Continuing"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="courses")
    condition = models.ForeignKey("education.Condition", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The condition page that matches the area treated.")
    area = models.CharField("area treated", max_length=120)
    payer = models.CharField(max_length=20, choices=InsuranceNote.Kind.choices, default=InsuranceNote.Kind.SELF_PAY)
    planned_visits = models.PositiveSmallIntegerField("planned trial visits", default=TRIAL_DEFAULT)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TRIAL)
    status_reason = models.CharField(max_length=300, blank=True)
    started_on = models.DateField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_visits__gte=TRIAL_MIN, planned_visits__lte=TRIAL_MAX),
                                   name="course_trial_length_4_to_6"),
            models.CheckConstraint(condition=~Q(status="stopped") | ~Q(status_reason=""),
                                   name="course_stop_has_reason"),
        ]

    def __str__(self) -> str:
        return f"IMS course {self.pk}: {self.area}"

    def kept_visits(self):
        """The course's visits that happened or will (requested, confirmed, completed), in time order."""
        return (Appointment.objects.filter(course_visit__course=self, status__in=list(KEPT_STATUSES))
                .select_related("service", "practitioner").order_by("start"))


class CourseVisit(models.Model):
    """An appointment that belongs to a course (at most one course per appointment)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="visits")
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="course_visit")

    def __str__(self) -> str:
        return f"{self.appointment_id} in course {self.course_id}"
