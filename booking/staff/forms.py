"""The front desk's forms: phone bookings, time off, closures, weekly hours, export.

Every message says what is wrong and how to fix it, next to the field; the views gather the
same messages into the error summary at the top of the page (``booking.forms.error_list``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import parsing, schedules
from ..forms import CleanTextMixin, DateField, DateInput, PatientDetailsForm, ScreeningForm, SentOnce, clean_claim
from ..models import ClinicClosure, InsuranceNote, Patient, Practitioner, Screening, Service, WorkingHours
from ..templatetags.booking_tags import clock

MAX_EXPORT_DAYS = 366
STEP_MINUTES = 5

# The patient-facing labels speak to the patient ("I will pay myself"); staff need short ones.
STAFF_KIND_LABELS = {
    InsuranceNote.Kind.SELF_PAY: "Self-pay",
    InsuranceNote.Kind.EXTENDED_HEALTH: "Extended health benefits",
    InsuranceNote.Kind.ICBC: "ICBC",
    InsuranceNote.Kind.WORKSAFEBC: "WorkSafeBC",
    InsuranceNote.Kind.MSP_SUPPLEMENTARY: "MSP supplementary benefits",
}
CLAIM_KINDS = {InsuranceNote.Kind.ICBC, InsuranceNote.Kind.WORKSAFEBC}


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        attrs = {"step": STEP_MINUTES * 60, **kwargs.pop("attrs", {})}
        super().__init__(format="%H:%M", attrs=attrs, **kwargs)


def _on_step(value: time | None) -> bool:
    return value is None or (value.minute % STEP_MINUTES == 0 and value.second == 0 and value.microsecond == 0)


def _step_error(example: str) -> ValidationError:
    return ValidationError(f"Use a time on a {STEP_MINUTES}-minute mark, for example {example}.")


def _hhmm(value: time) -> str:
    return clock(value)  # "8:00 a.m.", as every page writes times


class PractitionerChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": "Choose the practitioner.",
                                             "invalid_choice": "Choose one of the practitioners listed."})
        super().__init__(queryset=Practitioner.objects.active(), empty_label="Choose a practitioner", **kwargs)


# --- phone booking ----------------------------------------------------------------------------
class StaffPatientForm(PatientDetailsForm):
    """A new patient, typed by the front desk: the patient form's rules, minus consent and note."""

    patient_note = None
    consent = None
    website = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing: Patient | None = None
        self.fields["email"].help_text = "The confirmation and the patient's private manage link go here."
        self.fields["phone"].help_text = ""
        self.fields["phn"].help_text = "10 digits, on the BC Services Card."
        required = {"first_name": "Enter the patient's first name.", "last_name": "Enter the patient's last name.",
                    "email": "Enter the patient's email address.",
                    "phone": "Enter the patient's phone number, for example 604-555-0123.",
                    "date_of_birth": "Enter the patient's date of birth."}
        for name, field in self.fields.items():
            # Staff type someone else's details: the browser must not offer their own.
            field.widget.attrs["autocomplete"] = "off"
            if name in required:
                field.error_messages["required"] = required[name]

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.existing = Patient.objects.filter(email__iexact=email).first()
        if self.existing is not None:
            raise ValidationError("A patient with this email already exists: book for them instead.")
        return email

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise ValidationError("The date of birth cannot be in the future.")
        if dob.year < today.year - 120:
            raise ValidationError("Please check the year of the date of birth.")
        return dob

    def patient_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("first_name", "last_name", "email", "phone", "date_of_birth", "phn")}


class PhoneBookingForm(CleanTextMixin, forms.Form):
    """Service, practitioner and time for a phone booking, plus how the patient pays.

    The time comes from a free-time button (``start``, UTC ISO) or, with ``action=manual``, from
    the manual date and time (local), which may lie outside working hours if ``override`` is ticked.
    """

    service = forms.ModelChoiceField(queryset=Service.objects.filter(active=True), empty_label=None,
                                     error_messages={"invalid_choice": "Choose one of the services listed."})
    practitioner = PractitionerChoiceField()
    day = DateField(label="Day", required=False, widget=DateInput())
    start = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    manual_date = DateField(label="Date", required=False, widget=DateInput())
    manual_time = forms.TimeField(label="Time", required=False, widget=TimeInput())
    override = forms.BooleanField(label="Book outside working hours (never over another appointment)",
                                  required=False)
    kind = forms.ChoiceField(label="Paying by", choices=list(STAFF_KIND_LABELS.items()),
                             initial=InsuranceNote.Kind.SELF_PAY)
    claim_number = forms.CharField(label="ICBC or WorkSafeBC claim number (optional)", required=False,
                                   max_length=40)
    patient_note = forms.CharField(label="Reason for the visit (optional)", required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text="What the patient said on the phone; the practitioner sees it.")
    spacing_override = forms.CharField(
        label="Reason to book within 7 days of another IMS visit (only when asked)", required=False, max_length=300,
        help_text="IMS visits are at least a week apart. The reason is kept in the appointment's history.")

    def __init__(self, *args, manual: bool = False, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.manual = manual
        self.now = now or timezone.now()

    def clean_start(self):
        raw = self.cleaned_data.get("start", "")
        if not raw or self.manual:
            return None
        start = parsing.parse_start(raw)
        if start is None:
            raise ValidationError("That time could not be read: choose one of the free times again.")
        return start

    def clean_manual_time(self):
        value = self.cleaned_data.get("manual_time")
        if not _on_step(value):
            raise _step_error("4:35 p.m.")
        return value

    def clean_claim_number(self):
        return clean_claim(self.cleaned_data.get("claim_number", ""))

    def clean(self):
        cleaned = super().clean()
        service, practitioner = cleaned.get("service"), cleaned.get("practitioner")
        if service and practitioner and not practitioner.services.filter(pk=service.pk).exists():
            self.add_error("practitioner",
                           f"{practitioner.name} does not offer {service.name}: choose someone who does.")
        if self.manual:
            if not cleaned.get("manual_date") and "manual_date" not in self.errors:
                self.add_error("manual_date", "Enter the date of the appointment.")
            if not cleaned.get("manual_time") and "manual_time" not in self.errors:
                self.add_error("manual_time", "Enter the time of the appointment, for example 4:30 p.m.")
            if cleaned.get("manual_date") and cleaned.get("manual_time"):
                cleaned["start"] = schedules.local_to_utc(day=cleaned["manual_date"], at=cleaned["manual_time"])
        elif not cleaned.get("start") and "start" not in self.errors:
            self.add_error("start", "Choose one of the free times, or enter a date and time below.")
        start = cleaned.get("start")
        if start is not None and start < self.now:
            self.add_error("manual_time" if self.manual else "start", "That time has already passed.")
        if cleaned.get("kind") not in CLAIM_KINDS:
            cleaned["claim_number"] = ""
        return cleaned

    def insurance_data(self) -> dict:
        return {"kind": self.cleaned_data["kind"], "claim_number": self.cleaned_data["claim_number"]}

    @staticmethod
    def initial_payer(patient: Patient) -> dict:
        """A returning patient usually pays as last time (an ICBC claim runs for months): preselect
        the payer and claim number of their latest booking."""
        latest = InsuranceNote.objects.filter(appointment__patient=patient).order_by(
            "-appointment__created_at", "-appointment__pk").first()
        if latest is None or latest.kind not in STAFF_KIND_LABELS:
            return {}
        return {"kind": latest.kind, "claim_number": latest.claim_number if latest.kind in CLAIM_KINDS else ""}


QUESTIONS = [name for name, _, _ in Screening.QUESTIONS]


class StaffScreeningForm(ScreeningForm):
    """The patient's safety questions, read out by the front desk: the patient form's questions.

    With ``optional`` (the phone booking), every question may be left empty: the patient was not
    asked, and the visit is recorded as "not asked yet", never as "no". A half-answered form is
    refused, since an empty answer would otherwise read as a "no".
    """

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        for name in QUESTIONS:
            self.fields[name].required = False
        self.fields["details"].label = "Details of any yes (optional)"

    def clean(self):
        cleaned = super().clean()
        missing = [name for name in QUESTIONS if not cleaned.get(name) and name not in self.errors]
        if self.optional and len(missing) == len(QUESTIONS):
            if cleaned.get("details"):
                self.add_error("details", "Answer the questions too, or leave the details empty.")
            return cleaned
        for name in missing:
            self.add_error(name, "Answer yes or no." if not self.optional else
                           "Answer yes or no, or leave every question empty if the patient was not asked.")
        return cleaned

    def screening_data(self) -> dict | None:
        """The answers for ``book_appointment`` (None: not asked), as the patient form gives them."""
        if all(not self.cleaned_data.get(name) for name in QUESTIONS):
            return None
        return super().screening_data()

    def answers(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] == "yes" for name in QUESTIONS}

    @property
    def touched(self) -> bool:
        """Anything answered (in this request, or carried over as initial values): shown open."""
        names = [*QUESTIONS, "details"]
        if self.is_bound:
            return any(self.data.get(self.add_prefix(name)) for name in names)
        return any(self.initial.get(name) for name in names)


# --- schedules --------------------------------------------------------------------------------
class TimeOffForm(CleanTextMixin, SentOnce, forms.Form):
    """Time off in the clinic's local time; empty times mean whole days."""

    practitioner = PractitionerChoiceField()
    start_date = DateField(label="From (date)", widget=DateInput(),
                                 error_messages={"required": "Enter the first day of the time off."})
    start_time = forms.TimeField(label="From (time)", required=False, widget=TimeInput(),
                                 help_text="Empty: from the start of the day.")
    end_date = DateField(label="Until (date)", widget=DateInput(),
                               error_messages={"required": "Enter the last day of the time off."})
    end_time = forms.TimeField(label="Until (time)", required=False, widget=TimeInput(),
                               help_text="Empty: to the end of the day.")
    reason = forms.CharField(label="Reason (optional, staff only)", required=False, max_length=120)

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean_start_time(self):
        if not _on_step(self.cleaned_data.get("start_time")):
            raise _step_error("9:00 a.m.")
        return self.cleaned_data.get("start_time")

    def clean_end_time(self):
        if not _on_step(self.cleaned_data.get("end_time")):
            raise _step_error("5:00 p.m.")
        return self.cleaned_data.get("end_time")

    def clean(self):
        cleaned = super().clean()
        start_date, end_date = cleaned.get("start_date"), cleaned.get("end_date")
        if start_date is None or end_date is None or {"start_time", "end_time"} & set(self.errors):
            return cleaned
        start = schedules.local_to_utc(day=start_date, at=cleaned.get("start_time") or time(0))
        end = (schedules.local_to_utc(day=end_date, at=cleaned["end_time"]) if cleaned.get("end_time")
               else schedules.local_range(first=end_date, last=end_date)[1])
        if end <= start:
            self.add_error("end_time" if cleaned.get("end_time") else "end_date", "The end must be after the start.")
        elif end <= self.now:
            self.add_error("end_date", "That time off is already over: enter time off that is still to come.")
        elif end - start > timedelta(days=366):
            self.add_error("end_date", "Time off can be at most a year: enter it in parts.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class ClosureForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ClinicClosure
        fields = ["date", "name"]
        labels = {"date": "Date", "name": "Name shown to staff"}
        help_texts = {"name": "For example “Staff training day”."}
        widgets = {"date": DateInput()}
        field_classes = {"date": DateField}
        error_messages = {"date": {"required": "Enter the date the clinic is closed."},
                          "name": {"required": "Enter a name, for example “Staff training day”."}}

    def validate_unique(self):
        pass  # checked in clean_date with a clearer message; the unique constraint still holds

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError("That date has passed: enter a day still to come.")
        existing = ClinicClosure.objects.filter(date=day).first()
        if existing is not None:
            raise ValidationError(f"The clinic is already closed on {day.day} {day:%B %Y} ({existing.name}).")
        holiday = schedules.statutory_holiday_name(day)
        if holiday:
            raise ValidationError(
                f"{day.day} {day:%B %Y} is a statutory holiday ({holiday}): the clinic is closed anyway.")
        return day


class WeeklyHoursForm(forms.Form):
    """A weekly timetable: up to two intervals per weekday, from an effective date on."""

    INTERVALS = 2

    effective_from = DateField(
        label="New hours apply from", widget=DateInput(),
        help_text="Hours before this date stay as they are, so you can enter next month's hours today.",
        error_messages={"required": "Enter the first day the new hours apply."})

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        for weekday in WorkingHours.Weekday:
            for n in range(1, self.INTERVALS + 1):
                for edge, label in (("start", "From"), ("end", "To")):
                    self.fields[f"d{weekday.value}_{edge}_{n}"] = forms.TimeField(
                        label=f"{label}" if n == 1 else f"Then {label.lower()}", required=False,
                        widget=TimeInput())

    @staticmethod
    def initial_for(days: dict[int, list[tuple[time, time]]], effective_from: date) -> dict:
        initial: dict = {"effective_from": effective_from}
        for weekday, intervals in days.items():
            for n, (start, end) in enumerate(intervals[:WeeklyHoursForm.INTERVALS], 1):
                initial[f"d{weekday}_start_{n}"], initial[f"d{weekday}_end_{n}"] = start, end
        return initial

    def days(self) -> list[tuple[WorkingHours.Weekday, list[list[forms.BoundField]]]]:
        """For the template: each weekday with its intervals as [from, to] bound fields."""
        return [(weekday, [[self[f"d{weekday.value}_start_{n}"], self[f"d{weekday.value}_end_{n}"]]
                           for n in range(1, self.INTERVALS + 1)]) for weekday in WorkingHours.Weekday]

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day < self.today:
            raise ValidationError("New hours can start today at the earliest: past days keep their hours.")
        return day

    def clean(self):
        cleaned = super().clean()
        timetable: dict[int, list[tuple[time, time]]] = {}
        for weekday in WorkingHours.Weekday:
            intervals: list[tuple[time, time, str]] = []
            for n in range(1, self.INTERVALS + 1):
                start_name, end_name = f"d{weekday.value}_start_{n}", f"d{weekday.value}_end_{n}"
                if start_name in self.errors or end_name in self.errors:
                    continue
                start, end = cleaned.get(start_name), cleaned.get(end_name)
                where = f"{weekday.label}" + ("" if n == 1 else " (second interval)")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    missing = start_name if start is None else end_name
                    self.add_error(missing, f"{where}: enter both the start and the end, or neither.")
                    continue
                bad = [name for name, value in ((start_name, start), (end_name, end)) if not _on_step(value)]
                if bad:
                    for name in bad:
                        self.add_error(name, f"{where}: use a time on a {STEP_MINUTES}-minute mark, "
                                             f"for example 8:00 a.m. or 12:30 p.m.")
                    continue
                if start >= end:
                    self.add_error(end_name, f"{where}: the end ({_hhmm(end)}) must be after the start "
                                             f"({_hhmm(start)}).")
                    continue
                intervals.append((start, end, end_name))
            intervals.sort()
            for (s1, e1, _), (s2, e2, name2) in zip(intervals, intervals[1:], strict=False):
                if s2 < e1:
                    self.add_error(name2, f"{weekday.label}: {_hhmm(s1)}–{_hhmm(e1)} and {_hhmm(s2)}–{_hhmm(e2)} "
                                          f"overlap. Leave a gap (for lunch) or join them into one.")
            if intervals:
                timetable[weekday.value] = [(s, e) for s, e, _ in intervals]
        cleaned["timetable"] = timetable
        return cleaned


# --- export -----------------------------------------------------------------------------------
class ExportForm(forms.Form):
    first_day = DateField(label="From", widget=DateInput(),
                                error_messages={"required": "Enter the first day to export.",
                                                "invalid": "Enter the first day as a date, for example 2026-12-01."})
    last_day = DateField(label="To (included)", widget=DateInput(),
                               error_messages={"required": "Enter the last day to export.",
                                               "invalid": "Enter the last day as a date, for example 2026-12-31."})

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "The last day must be on or after the first day.")
            elif (last - first).days + 1 > MAX_EXPORT_DAYS:
                self.add_error("last_day", f"Export at most {MAX_EXPORT_DAYS} days at a time.")
        return cleaned


class WaitlistOfferForm(forms.Form):
    """A free time the front desk offers to the waitlist by hand (the clinic's local day and times)."""

    practitioner = PractitionerChoiceField()
    date = DateField(label="Day", widget=DateInput(), error_messages={"required": "Enter the day."})
    start_time = forms.TimeField(label="From", widget=TimeInput(), error_messages={"required": "Enter the time."})
    end_time = forms.TimeField(label="Until", widget=TimeInput(), error_messages={"required": "Enter the time."})

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start = schedules.local_to_utc(day=cleaned["date"], at=cleaned["start_time"])
        end = schedules.local_to_utc(day=cleaned["date"], at=cleaned["end_time"])
        if end <= start:
            self.add_error("end_time", "The end must be after the start.")
        elif end <= self.now:
            self.add_error("date", "That time is over: offer a time still to come.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned
