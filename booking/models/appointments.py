"""Patients and their appointments, with how they pay, their safety screening and the history.

The database is the last line of defence: an exclusion constraint makes it impossible for two
requested/confirmed appointments of one practitioner to overlap (buffers included), whatever
the code above it does. It needs no extension (no btree_gist): the practitioner is compared as a
one-point ``int8range`` with ``&&``, which stock PostgreSQL indexes with GiST.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone

from .common import Int8Range, TsTzRange, hash_token, phn_validator, violated_constraint, wall_clock
from .practice import Practitioner, Service

PATIENT_EMAIL_UNIQUE = "patient_email_unique_ci"  # one record per email, whatever its case: the name a clash reports


class Patient(models.Model):
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField()
    phone = models.CharField(max_length=30)
    date_of_birth = models.DateField()
    phn = models.CharField("BC Personal Health Number", max_length=10, blank=True, validators=[phn_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name=PATIENT_EMAIL_UNIQUE)]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @staticmethod
    def email_clash(error: Exception) -> bool:
        """Whether an ``IntegrityError`` is the database refusing a second record of an email (another
        request made the first a moment before: ``find_or_create_patient`` looked before it was committed)."""
        return violated_constraint(error) == PATIENT_EMAIL_UNIQUE


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# The statuses that hold a time: the exclusion constraint, ``active()`` and ``holds_time`` all read this.
HOLDING_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)
# Visits that happened or still will: what the spacing and prior-assessment flags count.
KEPT_STATUSES = (*HOLDING_STATUSES, AppointmentStatus.COMPLETED)


class AppointmentQuerySet(models.QuerySet):
    def for_change(self):
        """Lock the appointment rows themselves (never rows joined to them) for this transaction, with
        PostgreSQL's FOR NO KEY UPDATE: one changer at a time, while other transactions still insert rows
        that point at these or at their practitioner, service and patient (their foreign-key checks take
        KEY SHARE at commit, which FOR UPDATE blocks: a move racing a booking deadlocked that way)."""
        return self.select_for_update(of=("self",), no_key=True)

    def active(self):
        """Appointments that hold their time: requested or confirmed."""
        return self.filter(status__in=HOLDING_STATUSES)

    def kept(self):
        """Requested, confirmed or completed: not declined, cancelled or missed."""
        return self.filter(status__in=KEPT_STATUSES)

    def of_practitioner(self, practitioner_id: int | None):
        """One practitioner's appointments (none at all for ``None``)."""
        return self.filter(practitioner_id=practitioner_id) if practitioner_id is not None else self.none()

    def for_manage_token(self, token: str) -> Appointment | None:
        """The appointment of a private manage token: the one shown after booking, or one sent by email."""
        if not token or len(token) > 100:
            return None
        digest = hash_token(token)
        appointments = self.select_related("service", "practitioner", "patient")
        # Two indexed lookups: an OR across the join would make Postgres scan every appointment.
        return (appointments.filter(manage_token_hash=digest).first()
                or appointments.filter(manage_links__token_hash=digest).first())

    # Both range filters are answered by GiST indexes on the same expressions (Meta.indexes): two
    # plain comparisons (start < end AND end > start) can use a b-tree on one side only, and the
    # planner, taking them as independent, expects a fifth of the table and scans all of it.
    def overlapping(self, start, end):
        """Appointments whose blocked time (visit plus buffer) overlaps [start, end)."""
        return self.alias(_blocked=TsTzRange(F("start"), F("blocks_until"), Value("[)"))).filter(
            _blocked__overlap=DateTimeTZRange(start, end, "[)"))

    def visiting(self, start, end):
        """Appointments whose visit itself overlaps [start, end) (the buffer after it left out)."""
        return self.alias(_visit=TsTzRange(F("start"), F("end"), Value("[)"))).filter(
            _visit__overlap=DateTimeTZRange(start, end, "[)"))

    def visiting_any(self, windows):
        """Appointments whose visit overlaps any of ``windows``, each ``(practitioner id, start, end)``
        (``None``: anyone's): one OR, each branch answered by the same GiST index as ``visiting``."""
        within = Q()
        for practitioner_id, start, end in windows:
            branch = Q(_visit__overlap=DateTimeTZRange(start, end, "[)"))
            within |= branch if practitioner_id is None else branch & Q(practitioner_id=practitioner_id)
        if not within:
            return self.none()
        return self.alias(_visit=TsTzRange(F("start"), F("end"), Value("[)"))).filter(within)


class Appointment(models.Model):
    Status = AppointmentStatus

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        STAFF = "staff", "Staff"

    HOLDING_STATUSES = HOLDING_STATUSES

    reference = models.CharField(max_length=12, unique=True, editable=False)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # end + the service's buffer: the time this appointment keeps from other bookings.
    blocks_until = models.DateTimeField(editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ONLINE)
    patient_note = models.TextField("note from the patient", blank=True, max_length=2000)
    staff_note = models.TextField(blank=True)
    contact_phone = models.CharField(
        max_length=30, blank=True, help_text="The phone number given with this request."
    )
    status_reason = models.CharField(max_length=300, blank=True, help_text="Why it was declined or cancelled.")
    spacing_flag = models.BooleanField(default=False, help_text="Another IMS visit within 7 days.")
    no_prior_assessment_flag = models.BooleanField(default=False, help_text="Follow-up with no assessment on record.")
    outside_hours = models.BooleanField(default=False, help_text="Booked by staff outside working hours.")
    arrived_at = models.DateTimeField(null=True, blank=True, help_text="When the front desk marked arrival.")
    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, help_text="Bumped on every change (calendar files).")
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the reminder email was queued (claimed once)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        permissions = [
            ("use_staff_area", "Can use the staff calendar and request queue"),
            ("manage_appointments", "Can book, confirm, decline, cancel, reschedule and mark appointments"),
            ("view_all_patient_details", "Can see the details of every practitioner's patients"),
            ("export_appointments", "Can export appointments as CSV"),
            ("mark_attendance", "Can mark a visit arrived, completed or missed"),
            ("view_visit_notes", "Can read and write private visit notes"),
        ]
        indexes = [
            models.Index(fields=["start"]),
            models.Index(fields=["status", "created_at"]),
            # AppointmentQuerySet.visiting() and .overlapping(): calendars and free-time lookups.
            GistIndex(TsTzRange(F("start"), F("end"), Value("[)")), name="appointment_visit_gist"),
            GistIndex(TsTzRange(F("start"), F("blocks_until"), Value("[)")), name="appointment_blocked_gist"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointment_start_before_end"),
            models.CheckConstraint(condition=Q(end__lte=F("blocks_until")), name="appointment_end_within_block"),
            ExclusionConstraint(
                name="appointment_no_overlap",
                index_type="gist",
                expressions=[
                    (Int8Range(F("practitioner_id"), F("practitioner_id"), Value("[]")), RangeOperators.OVERLAPS),
                    (TsTzRange(F("start"), F("blocks_until"), Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=[status.value for status in HOLDING_STATUSES]),
                violation_error_message="That time overlaps another appointment.",
            ),
        ]

    def __str__(self) -> str:
        # A title people read (the admin's lists and headings): the clinic's wall clock, labelled.
        if self.start is None:
            return f"{self.reference} (no time yet)"
        return f"{self.reference} {self.service} {wall_clock(self.start)}"

    @property
    def holds_time(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    @property
    def cancellation_cutoff(self) -> datetime:
        """Until when the patient may cancel or move the visit online."""
        return self.start - timedelta(hours=settings.BOOKING_CANCEL_CUTOFF_HOURS)

    def patient_can_change(self, now: datetime) -> bool:
        return self.holds_time and now < self.cancellation_cutoff

    @property
    def local_start(self):
        return timezone.localtime(self.start)

    @property
    def local_end(self):
        return timezone.localtime(self.end)

    def issue_manage_token(self) -> str:
        """Create a new private manage token (256 bits); only its hash is stored."""
        token = secrets.token_urlsafe(32)
        self.manage_token_hash = hash_token(token)
        return token

    @staticmethod
    def new_reference() -> str:
        # Unambiguous letters and digits; staff read these out on the phone.
        alphabet = "ACDEFGHJKMNPQRTUVWXY34679"
        return "".join(secrets.choice(alphabet) for _ in range(8))


class InsuranceNote(models.Model):
    """How the patient will pay, with what the clinic needs for each way."""

    class Kind(models.TextChoices):
        SELF_PAY = "self_pay", "I will pay myself"
        EXTENDED_HEALTH = "extended_health", "Extended health benefits (work or private plan)"
        ICBC = "icbc", "ICBC (after a motor vehicle crash)"
        WORKSAFEBC = "worksafebc", "WorkSafeBC (after a work injury)"
        MSP_SUPPLEMENTARY = "msp_supplementary", "MSP supplementary benefits (premium assistance)"

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="insurance")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SELF_PAY)
    insurer = models.CharField(max_length=120, blank=True)
    plan_number = models.CharField("plan or group number", max_length=60, blank=True)
    member_id = models.CharField("member or certificate ID", max_length=60, blank=True)
    is_dependent = models.BooleanField("covered as a dependent", default=False)
    plan_holder_name = models.CharField(max_length=120, blank=True)
    plan_holder_dob = models.DateField("plan holder's date of birth", null=True, blank=True)
    direct_billing = models.BooleanField("bill the insurer directly", default=False)
    claim_number = models.CharField(max_length=40, blank=True)
    claim_not_yet_reported = models.BooleanField(default=False)
    incident_date = models.DateField("date of the crash or injury", null=True, blank=True)
    employer = models.CharField(max_length=120, blank=True)
    contact_name = models.CharField("ICBC recovery specialist or WorkSafeBC case manager", max_length=120, blank=True)
    phn = models.CharField("BC Personal Health Number", max_length=10, blank=True, validators=[phn_validator])

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        kind = self.Kind(self.kind)
        if kind == self.Kind.EXTENDED_HEALTH:
            billing = "direct billing" if self.direct_billing else "patient pays and claims"
            return f"Extended health: {self.insurer or 'insurer not given'} ({billing})"
        if kind == self.Kind.ICBC:
            return f"ICBC claim {self.claim_number or 'not given'}"
        if kind == self.Kind.WORKSAFEBC:
            claim = "not yet reported" if self.claim_not_yet_reported else (self.claim_number or "not given")
            return f"WorkSafeBC claim {claim}"
        if kind == self.Kind.MSP_SUPPLEMENTARY:
            return "MSP supplementary benefits"
        return "Self-pay"


class Screening(models.Model):
    """Safety questions before needling. Answers never block a request; they flag it for staff.

    ``asked_at`` tells "not asked yet" from "answered no": a phone booking made without asking
    stores the row with ``asked_at=None``, and its all-false answers mean nothing (the practitioner
    must ask before needling). Online requests are answered with the request.
    """

    # (field, label shown to the patient, contraindication?) — contraindications per ims-facts.md:
    # pregnancy and infection (local or systemic); the rest are precautions to talk through.
    QUESTIONS = [
        ("pregnant", "Are you pregnant, or could you be?", True),
        ("fever_or_infection", "Do you have a fever or an infection right now?", True),
        ("skin_problem_at_site", "Do you have a wound or skin infection where you have pain?", True),
        ("weakened_immune_system", "Is your immune system weakened (for example by an illness or medicine)?", False),
        ("blood_thinners", "Do you take blood thinners, or do you have a bleeding disorder?", False),
        ("pacemaker_or_implants", "Do you have a pacemaker or other implant?", False),
        ("lymph_nodes_removed", "Have you had lymph nodes removed (for example after cancer surgery)?", False),
        ("recent_surgery", "Have you had surgery in the last 3 months?", False),
        ("fear_of_needles", "Are you afraid of needles, or have you fainted with needles before?", False),
    ]

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="screening")
    pregnant = models.BooleanField(default=False)
    fever_or_infection = models.BooleanField(default=False)
    skin_problem_at_site = models.BooleanField(default=False)
    weakened_immune_system = models.BooleanField(default=False)
    blood_thinners = models.BooleanField(default=False)
    pacemaker_or_implants = models.BooleanField(default=False)
    lymph_nodes_removed = models.BooleanField(default=False)
    recent_surgery = models.BooleanField(default=False)
    fear_of_needles = models.BooleanField(default=False)
    details = models.TextField(blank=True, max_length=1000)
    asked_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the patient answered (online with the request, or told the front desk). Empty: not asked yet.",
    )

    def __str__(self) -> str:
        return f"Screening for {self.appointment_id}"

    @property
    def asked(self) -> bool:
        return self.asked_at is not None

    def answers(self) -> dict[str, bool]:
        return {field: getattr(self, field) for field, _, _ in self.QUESTIONS}

    def _answered_yes(self, contraindication: bool) -> list[str]:
        if not self.asked:
            return []  # the stored "no"s were never said by the patient
        return [label for field, label, ci in self.QUESTIONS if ci == contraindication and getattr(self, field)]

    @property
    def contraindications(self) -> list[str]:
        return self._answered_yes(True)

    @property
    def precautions(self) -> list[str]:
        return self._answered_yes(False)

    @property
    def has_flags(self) -> bool:
        return bool(self.contraindications or self.precautions)


class AppointmentEvent(models.Model):
    """History: who did what to an appointment, when, from what to what."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=60, help_text="Who acted: a staff user, the patient, or the system.")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action} by {self.actor_label}"
