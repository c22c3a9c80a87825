"""Patient-facing booking forms, and the field helpers the front desk's forms share.

Every field says clearly what is wrong, next to the field; ``error_list`` gathers the same
messages for the one error summary (templates/includes/_error_summary.html).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms import RadioSelect
from django.utils import timezone

from clinic.text import clean_text

from . import parsing
from .models import InsuranceNote, Screening

CLAIM_RE = re.compile(r"^[A-Za-z0-9-]+$")
CLAIM_MAX = 40  # InsuranceNote.claim_number


def clean_claim(typed: str) -> str:
    """An ICBC or WorkSafeBC claim number as stored: capitals, letters, digits and dashes, at most 40
    (judged after capitalising: "ß" becomes "SS", so 40 typed may be 80 stored)."""
    claim = clean_text(typed or "").upper()
    if claim and not CLAIM_RE.fullmatch(claim):
        raise ValidationError("A claim number has only letters, numbers and dashes.")
    if len(claim) > CLAIM_MAX:
        raise ValidationError(f"A claim number has at most {CLAIM_MAX} characters.")
    return claim
NAME_MAX = 80
NOTE_MAX = 2000  # Appointment.patient_note's max_length


def _local_today() -> date:
    return timezone.localdate()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateField(forms.DateField):
    """A date field within ``parsing``'s bounds: a year such as 9999 is refused here with a message,
    instead of overflowing later when a day is added to it or it is converted to UTC."""

    widget = DateInput

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not parsing.in_bounds(day):
            raise ValidationError(
                f"Please check the year: enter a date between {parsing.EARLIEST.year} and {parsing.LATEST.year}.",
                code="out_of_bounds")
        return day


def error_list(*forms, anchors: dict[str, str] | None = None, labels: bool = True) -> list[tuple[str | None, str]]:
    """(field id, message) pairs for the error summary, from every bound form given (``None`` skipped).

    ``anchors`` maps fields the page does not render as inputs to the id to jump to. Messages are
    prefixed with the field's label unless ``labels`` is false (when the messages name it already).
    """
    anchors = anchors or {}
    errors: list[tuple[str | None, str]] = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for name, field_errors in form.errors.items():
            if name == "__all__":
                errors += [(None, e) for e in field_errors]
                continue
            label = str(form.fields[name].label or name.replace("_", " ").capitalize()).rstrip(" :")
            target = anchors.get(name, form[name].auto_id)
            if name not in anchors and isinstance(form.fields[name].widget, RadioSelect):
                target = f"{target}_0"  # a group of radio buttons: jump to the first of them
            prefix = labels and name not in anchors
            # "Are you pregnant, or could you be? Please answer yes or no." (no "?:" or ".:")
            joiner = " " if label.endswith((".", "?", "!")) else ": "
            errors += [(target, f"{label}{joiner}{e}" if prefix else e) for e in field_errors]
    return errors


def _not_future(value: date | None, what: str) -> date | None:
    if value and value > _local_today():
        raise ValidationError(f"The {what} cannot be in the future.")
    return value


class CleanTextMixin:
    """Strips control characters from every text answer; a required answer with nothing else in it is
    refused as empty (it would otherwise be stored blank)."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[name] = clean_text(value)
                field = self.fields.get(name)
                if value and not cleaned[name].strip() and field is not None and field.required:
                    self.add_error(name, field.error_messages["required"])
        return cleaned


class SentOnce(forms.Form):
    """A random key written into the form when it is shown: the same form sent twice (a double click,
    a browser sending it again) is recorded once (a payment's, a credit's or a waitlist entry's
    ``submission``, unique in the database). A key missing or garbled protects nothing and blocks nothing."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4

    def clean_submission(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["submission"])
        except ValueError:
            return None


class PatientDetailsForm(CleanTextMixin, forms.Form):
    # dir="auto": a name or note typed in Arabic or Hebrew script shows right to left as it is typed.
    first_name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(
        attrs={"autocomplete": "given-name", "dir": "auto"}))
    last_name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(
        attrs={"autocomplete": "family-name", "dir": "auto"}))
    email = forms.EmailField(
        max_length=254, help_text="We send your confirmation and a private link to manage your visit here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        max_length=30, help_text="So we can call you if something changes.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    date_of_birth = DateField(widget=DateInput(attrs={"autocomplete": "bday"}))
    phn = forms.CharField(
        label="BC Personal Health Number (optional)", required=False, max_length=20,
        help_text=("The 10-digit number on your BC Services Card. We need it for MSP supplementary "
                   "benefits, and it helps with ICBC and WorkSafeBC claims."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    patient_note = forms.CharField(
        label="Anything you would like your practitioner to know? (optional)", required=False,
        max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3, "data-count": "note", "dir": "auto"}),
        help_text=(f"For example where it hurts and for how long. Up to {NOTE_MAX:,} characters. "
                   "Please do not include anything urgent."),
    )
    consent = forms.BooleanField(
        label=(
            "I have read the privacy notice and agree that the clinic may use these details "
            "to book and provide my care."
        ),
        error_messages={"required": "Please tick the box to agree, so we can book your visit."},
    )
    # Honeypot: hidden from people (CSS and aria-hidden); bots fill every field.
    website = forms.CharField(required=False, label="Leave this field empty",
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def clean_phone(self):
        phone = clean_text(self.cleaned_data["phone"])
        digits = re.sub(r"\D", "", phone)
        if not re.fullmatch(r"[\d\s()+.\-]+", phone) or not 10 <= len(digits) <= 15:
            raise ValidationError("Enter a phone number with area code, for example 604-555-0123.")
        return phone

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        today = _local_today()
        if dob > today:
            raise ValidationError("Your date of birth cannot be in the future.")
        if dob.year < today.year - 120:
            raise ValidationError("Please check the year of your date of birth.")
        return dob

    def clean_phn(self):
        return _clean_phn(self.cleaned_data.get("phn", ""))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError("Please leave this field empty.")
        return ""


def _clean_phn(raw: str) -> str:
    phn = re.sub(r"[\s-]", "", raw or "")
    if phn and not re.fullmatch(r"\d{10}", phn):
        raise ValidationError("A BC Personal Health Number is 10 digits, for example 9123 456 789.")
    return phn


# What each way of paying needs; the same facts as the "Paying for IMS in BC" page.
INSURANCE_HELP = {
    InsuranceNote.Kind.SELF_PAY: "You pay at each visit. We give you a receipt you can submit to a plan later.",
    InsuranceNote.Kind.EXTENDED_HEALTH: (
        "Many work and private plans cover IMS by a physiotherapist. Some plans need a doctor's referral: "
        "check your plan. We can often bill your insurer directly."
    ),
    InsuranceNote.Kind.ICBC: (
        "After a crash (on or after 1 May 2021), physiotherapy is pre-approved for the first 12 weeks, "
        "up to 25 visits, with no doctor's referral. You need an ICBC claim number."
    ),
    InsuranceNote.Kind.WORKSAFEBC: (
        "For an injury at work. No doctor's referral is needed for physiotherapy. "
        "If you have not reported the injury yet, tick the box and we will help."
    ),
    InsuranceNote.Kind.MSP_SUPPLEMENTARY: (
        "IMS is not an MSP-insured service: MSP does not pay for it. If you are approved for MSP premium "
        "assistance, supplementary benefits pay a small part of each visit (up to 10 visits a year, shared "
        "with massage, chiropractic and others). We check with your PHN and date of birth."
    ),
}


class InsuranceForm(CleanTextMixin, forms.ModelForm):
    # No default: a preselected "I will pay myself" let ICBC patients send without noticing.
    kind = forms.ChoiceField(label="How will you pay?", choices=InsuranceNote.Kind.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": "Please choose how you will pay."})

    class Meta:
        model = InsuranceNote
        fields = [
            "kind", "insurer", "plan_number", "member_id", "is_dependent", "plan_holder_name", "plan_holder_dob",
            "direct_billing", "claim_number", "claim_not_yet_reported", "incident_date", "employer",
            "contact_name",
        ]
        labels = {
            "insurer": "Insurance company",
            "claim_not_yet_reported": "I have not reported the injury to WorkSafeBC yet",
            "incident_date": "Date of the crash or injury",
            "direct_billing": "Please bill my insurer directly if you can",
            "is_dependent": "I am covered under someone else's plan (a spouse or parent)",
            "contact_name": "Recovery specialist or case manager (if you know)",
        }
        widgets = {"plan_holder_dob": DateInput(), "incident_date": DateInput()}
        field_classes = {"plan_holder_dob": DateField, "incident_date": DateField}

    # fields each kind keeps; everything else is cleared so nothing stray is stored
    KEEP = {
        InsuranceNote.Kind.SELF_PAY: set(),
        InsuranceNote.Kind.EXTENDED_HEALTH: {"insurer", "plan_number", "member_id", "is_dependent",
                                             "plan_holder_name", "plan_holder_dob", "direct_billing"},
        InsuranceNote.Kind.ICBC: {"claim_number", "incident_date", "contact_name"},
        InsuranceNote.Kind.WORKSAFEBC: {"claim_number", "claim_not_yet_reported", "incident_date", "employer",
                                        "contact_name"},
        InsuranceNote.Kind.MSP_SUPPLEMENTARY: set(),
    }
    # Kinds whose note keeps the patient's PHN (asked once, under "About you").
    WITH_PHN = {InsuranceNote.Kind.ICBC, InsuranceNote.Kind.WORKSAFEBC, InsuranceNote.Kind.MSP_SUPPLEMENTARY}

    def clean_claim_number(self):
        return clean_claim(self.cleaned_data.get("claim_number", ""))

    def clean_incident_date(self):
        return _not_future(self.cleaned_data.get("incident_date"), "date of the crash or injury")

    def clean_plan_holder_dob(self):
        return _not_future(self.cleaned_data.get("plan_holder_dob"), "plan holder's date of birth")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind not in self.KEEP:
            return cleaned
        required: dict[str, str] = {}
        if kind == InsuranceNote.Kind.EXTENDED_HEALTH:
            required = {"insurer": "Enter the name of your insurance company.",
                        "member_id": "Enter your member or certificate ID (it is on your benefits card)."}
            if cleaned.get("is_dependent"):
                required["plan_holder_name"] = "Enter the name of the person whose plan covers you."
                required["plan_holder_dob"] = "Enter the plan holder's date of birth."
        elif kind == InsuranceNote.Kind.ICBC:
            required = {"claim_number": "Enter your ICBC claim number. If you do not have one yet, call ICBC first.",
                        "incident_date": "Enter the date of the crash."}
        elif kind == InsuranceNote.Kind.WORKSAFEBC:
            required = {"incident_date": "Enter the date of your injury.",
                        "employer": "Enter the name of your employer."}
            if not cleaned.get("claim_not_yet_reported"):
                required["claim_number"] = "Enter your claim number, or tick the box if you have not reported it yet."
        for name, message in required.items():
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        for name in self.Meta.fields:
            if name != "kind" and name not in self.KEEP[kind] and name in cleaned:
                field = self.fields[name]
                cleaned[name] = False if isinstance(field, forms.BooleanField) else (
                    None if isinstance(field, forms.DateField) else "")
        return cleaned

    def note_data(self, *, phn: str = "") -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["phn"] = phn if self.cleaned_data.get("kind") in self.WITH_PHN else ""
        return data


YES_NO = [("yes", "Yes"), ("no", "No")]


class ScreeningForm(CleanTextMixin, forms.Form):
    """Yes/no for each safety question. Answers never stop a booking; they tell staff what to discuss."""

    details = forms.CharField(
        label="If you answered yes to any question, tell us more (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {}
        for name, label, _ in Screening.QUESTIONS:
            questions[name] = forms.ChoiceField(
                label=label, choices=YES_NO, widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )
        self.fields = {**questions, "details": self.fields["details"]}

    def screening_data(self) -> dict:
        data = {name: self.cleaned_data[name] == "yes" for name, _, _ in Screening.QUESTIONS}
        data["details"] = self.cleaned_data.get("details", "")
        return data


class BookingForms:
    """The details step's three forms, checked together: the PHN is asked once (about you), and
    MSP supplementary benefits need it."""

    def __init__(self, data=None, initial: dict | None = None):
        self.patient = PatientDetailsForm(data, prefix="p", initial=initial)
        self.insurance = InsuranceForm(data, prefix="i")
        self.screening = ScreeningForm(data, prefix="s")
        self.data = data

    def __iter__(self):
        return iter((self.patient, self.insurance, self.screening))

    @property
    def is_bound(self) -> bool:
        return self.data is not None

    def is_valid(self) -> bool:
        valid = all([form.is_valid() for form in self])  # every form, so every message shows
        msp = self.insurance.cleaned_data.get("kind") == InsuranceNote.Kind.MSP_SUPPLEMENTARY
        if msp and "phn" not in self.patient.errors and not self.patient.cleaned_data.get("phn"):
            self.patient.add_error("phn", "Enter your Personal Health Number so we can check your "
                                          "supplementary benefits.")
            return False
        return valid

    def insurance_data(self) -> dict:
        return self.insurance.note_data(phn=self.patient.cleaned_data.get("phn", ""))
