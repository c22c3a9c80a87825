"""The patient's waitlist form: what times would do, and how to reach them."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..forms import CleanTextMixin, DateField, PatientDetailsForm, SentOnce
from ..models import Practitioner, Service, WaitlistEntry

DEFAULT_WEEKS = 4


class WaitlistForm(CleanTextMixin, SentOnce, forms.Form):
    """Join the list. ``contact=False`` (joined from a manage link: the visit's patient is known, and
    only earlier times than the booked visit are offered) leaves out the contact details and the
    latest date."""

    practitioner = forms.ChoiceField(label="Who with", widget=forms.RadioSelect)
    earliest = DateField(label="From", help_text="The first day you could come.")
    latest = DateField(label="Until", help_text="The last day that would still help. You leave the list after it.")
    weekdays = forms.TypedMultipleChoiceField(
        label="Which days suit you?", coerce=int, choices=WaitlistEntry.WEEKDAYS,
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Tick at least one day."})
    parts_of_day = forms.MultipleChoiceField(
        label="Which times of day suit you?", choices=WaitlistEntry.Part.choices,
        widget=forms.CheckboxSelectMultiple, error_messages={"required": "Tick at least one time of day."})
    first_name = PatientDetailsForm.base_fields["first_name"]
    last_name = PatientDetailsForm.base_fields["last_name"]
    email = forms.EmailField(max_length=254, help_text="We email you when a time opens, with a link to book it.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=30,
                            help_text="So the clinic can call you about the list.",
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}))
    consent = forms.BooleanField(
        label="I agree that the clinic may keep these details to offer me a time, until I book or leave the list.",
        error_messages={"required": "Please tick the box to agree, so we can keep you on the list."})
    website = PatientDetailsForm.base_fields["website"]  # the honeypot, as on the booking form

    def __init__(self, *args, service: Service, contact: bool = True, before: date | None = None, **kwargs):
        """``before``: the day of the booked visit an earlier time would replace (joined from its link)."""
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.last_day = self.today + timedelta(days=settings.BOOKING_HORIZON_DAYS)
        self.before = before
        practitioners = Practitioner.objects.offering(service)
        self.fields["practitioner"].choices = [("any", "Anyone who offers this visit")] + [
            (p.slug, p.name) for p in practitioners]
        self.practitioners = {p.slug: p for p in practitioners}
        self.contact = contact
        self.initial = {"practitioner": "any", "earliest": self.today,
                        "latest": self.today + timedelta(weeks=DEFAULT_WEEKS), "weekdays": [0, 1, 2, 3, 4],
                        "parts_of_day": WaitlistEntry.Part.values, **self.initial}
        if not contact:
            for name in ("latest", "first_name", "last_name", "email", "phone", "consent", "website"):
                del self.fields[name]

    def clean_earliest(self):
        earliest = self.cleaned_data["earliest"]
        if earliest < self.today:
            raise ValidationError("This date has passed: choose today or a later day.")
        if self.before is not None and earliest > self.before:
            raise ValidationError(f"Choose a day up to the day of your visit ({self.before:%A} {self.before.day} "
                                  f"{self.before:%B}): only earlier times are offered.")
        if earliest > self.last_day:
            raise ValidationError(f"We book up to {settings.BOOKING_HORIZON_DAYS} days ahead: "
                                  f"choose a day until {self.last_day:%A} {self.last_day.day} {self.last_day:%B}.")
        return earliest

    def clean_latest(self):
        latest = self.cleaned_data["latest"]
        if latest < self.today:
            raise ValidationError("This date has passed: choose today or a later day.")
        return min(latest, self.last_day)  # nothing later is ever offered

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return PatientDetailsForm.clean_phone(self) if phone else ""

    def clean_website(self):
        return PatientDetailsForm.clean_website(self)

    def clean(self):
        data = super().clean()
        earliest, latest = data.get("earliest"), data.get("latest")
        if self.contact and earliest and latest and latest < earliest:
            self.add_error("latest", "The last day must be on or after the first day.")
        return data

    def wish(self) -> dict:
        """The keyword arguments for ``services.join``."""
        data = self.cleaned_data
        wish = {"practitioner": self.practitioners.get(data["practitioner"]), "earliest": data["earliest"],
                "weekdays": data["weekdays"], "parts_of_day": data["parts_of_day"], "submission": data["submission"]}
        if self.contact:
            wish.update(latest=data["latest"], first_name=data["first_name"], last_name=data["last_name"],
                        email=data["email"], phone=data["phone"])
        return wish
