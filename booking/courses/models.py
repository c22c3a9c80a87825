"""A course of IMS for one patient with one practitioner, and the visits that belong to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q

from booking.models import KEPT_STATUSES, Appointment, InsuranceNote, Patient, Practitioner

TRIAL_MIN, TRIAL_MAX, TRIAL_DEFAULT = 4, 6, 6  # ims-facts.md, "What to expect"
FULL_COURSE_MAX = 10  # "a full course is 4–10 sessions": past this, staff are prompted


class CourseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[Course.Status.TRIAL, Course.Status.CONTINUING])

    def with_progress_counts(self):
        """Each course's completed visits (``done``) and whether a review is recorded (``reviewed``):
        what the review prompt and the dashboard's flags are decided on, for many courses in one query."""
        return self.annotate(
            done=Count("visits", filter=Q(visits__appointment__status=Appointment.Status.COMPLETED)),
            reviewed=Exists(CourseReview.objects.filter(course=OuterRef("pk"))))


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
    area = models.CharField("area treated", max_length=120, blank=True,
                            help_text="Blank when the patient booked the trial before the practitioner wrote it.")
    payer = models.CharField(max_length=20, choices=InsuranceNote.Kind.choices, default=InsuranceNote.Kind.SELF_PAY)
    planned_visits = models.PositiveSmallIntegerField("planned trial visits", default=TRIAL_DEFAULT)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TRIAL)
    status_reason = models.CharField(max_length=300, blank=True)
    started_on = models.DateField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # Payer limits entered by staff for this course (see PayerRule for the standing rules).
    limit_visits = models.PositiveSmallIntegerField(
        "visits approved", null=True, blank=True,
        help_text="Visits the payer approved for this course (WorkSafeBC, an extended-health plan), if known.")
    limit_amount = models.DecimalField("dollar maximum", max_digits=9, decimal_places=2, null=True, blank=True,
                                       help_text="The plan's yearly dollar maximum for this kind of care, if known.")
    used_elsewhere = models.PositiveSmallIntegerField(
        "visits used elsewhere", default=0,
        help_text="Visits of the same benefit used at other clinics this calendar year (e.g. MSP supplementary). "
                  "They count until 31 December.")
    # The calendar year ``used_elsewhere`` was entered for (set when it is saved): a yearly limit counts
    # it in that year only.
    used_elsewhere_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Up to three activities the patient finds hard (the Patient-Specific Functional Scale).
    activity_1 = models.CharField(max_length=80, blank=True)
    activity_2 = models.CharField(max_length=80, blank=True)
    activity_3 = models.CharField(max_length=80, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_visits__gte=TRIAL_MIN, planned_visits__lte=TRIAL_MAX),
                                   name="course_trial_length_4_to_6"),
            models.CheckConstraint(condition=~Q(status="stopped") | ~Q(status_reason=""),
                                   name="course_stop_has_reason"),
            models.CheckConstraint(condition=Q(limit_amount__isnull=True) | Q(limit_amount__gte=0),
                                   name="course_limit_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"IMS course {self.pk}: {self.area or 'area not recorded yet'}"

    @property
    def activities(self) -> list[tuple[int, str]]:
        return [(n, name) for n, name in ((1, self.activity_1), (2, self.activity_2), (3, self.activity_3)) if name]

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


class VisitScore(models.Model):
    """The patient's pain (0–10 numeric rating scale) at one visit of a course, and up to three hard
    activities rated 0–10 (the Patient-Specific Functional Scale: 0 = unable, 10 = as before)."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="visit_score")
    pain = models.PositiveSmallIntegerField("pain today (0–10)")
    activity_1 = models.PositiveSmallIntegerField(null=True, blank=True)
    activity_2 = models.PositiveSmallIntegerField(null=True, blank=True)
    activity_3 = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Given by the patient from their link before the visit; the practitioner confirms or changes it.
    patient_reported = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pain__lte=10), name="visit_score_pain_0_to_10"),
            *(models.CheckConstraint(condition=Q(**{f"activity_{n}__lte": 10}) | Q(**{f"activity_{n}__isnull": True}),
                                     name=f"visit_score_activity_{n}_0_to_10") for n in (1, 2, 3)),
        ]

    def __str__(self) -> str:
        return f"Pain {self.pain} at {self.appointment_id}"


class CourseReview(models.Model):
    """The practitioner's review of the trial (from the 4th visit on): continue, change the plan, or stop."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue the course"
        CHANGE = "change", "Change the plan"
        STOP = "stop", "Stop IMS"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reviews")
    at_visit = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(decision="stop") | ~Q(note=""),
                                              name="course_review_stop_has_note")]

    def __str__(self) -> str:
        return f"Review of course {self.course_id} at visit {self.at_visit}"


class PayerRule(models.Model):
    """A payer's standing limit, edited by clinic admins in the admin (data, not code): e.g. ICBC's
    pre-approved visits in the weeks after a crash, MSP supplementary benefits' visits per year."""

    class Window(models.TextChoices):
        AFTER_INCIDENT = "after_incident", "Days after the crash or injury"
        CALENDAR_YEAR = "calendar_year", "Per calendar year"
        NONE = "none", "No window"

    payer = models.CharField(max_length=20, choices=[c for c in InsuranceNote.Kind.choices
                                                     if c[0] != InsuranceNote.Kind.SELF_PAY])
    name = models.CharField(max_length=120)
    max_visits = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  help_text="Blank: the course's own approved visits, if entered.")
    window = models.CharField(max_length=16, choices=Window.choices, default=Window.NONE)
    window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a window after the crash or injury: its length in days (day 0 is the "
                                         "date of the crash; the last day counted is this many days after it).")
    valid_from = models.DateField(null=True, blank=True, help_text="The rule applies to courses started from this day.")
    valid_until = models.DateField(null=True, blank=True, help_text="… and until this day.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["payer", "-valid_from"]
        constraints = [models.CheckConstraint(condition=~Q(window="after_incident") | Q(window_days__isnull=False),
                                              name="payer_rule_incident_window_has_days")]

    def __str__(self) -> str:
        return self.name
