"""Forms for courses: open one, say how the trial's visits should be spaced, and the radios of a proposed series."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from booking.templatetags.booking_tags import iso_utc
from education.models import Condition

from . import series
from .models import TRIAL_DEFAULT, TRIAL_MAX, TRIAL_MIN, Course, CourseReview

WEEKDAYS = [("", "Any day")] + [(str(n), name) for n, name in enumerate(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])]
PARTS = [("", "Any time")] + [(key, key.capitalize()) for key in series.PARTS_OF_DAY]


class OpenCourseForm(forms.Form):
    area = forms.CharField(label="Area treated", max_length=120,
                           help_text="In the patient's words or yours, e.g. “left shoulder and upper back”.")
    condition = forms.ModelChoiceField(label="Matching condition page", queryset=Condition.objects.none(),
                                       required=False, empty_label="None of these")
    planned_visits = forms.TypedChoiceField(label="Trial length", coerce=int, initial=TRIAL_DEFAULT,
                                            choices=[(n, f"{n} visits") for n in range(TRIAL_MIN, TRIAL_MAX + 1)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].queryset = Condition.objects.order_by("title")


class ClockField(forms.TimeField):
    """A time of day as people type it: 10:00, 14:30, 2:30 p.m., 2:30pm, 10 a.m."""

    input_formats = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p"]

    def to_python(self, value):
        if isinstance(value, str):
            value = " ".join(value.replace(".", "").upper().split())  # "2:30 p.m." -> "2:30 PM"
        return super().to_python(value)

    def prepare_value(self, value):
        return value.strftime("%H:%M") if hasattr(value, "strftime") else value


def preference_data(start) -> dict[str, str]:
    """The series form as first shown: weekly, on the weekday and at the time of ``start`` (local)."""
    return {"every_days": "7", "weekday": str(start.weekday()), "part_of_day": "", "at": start.strftime("%H:%M")}


class PreferenceForm(forms.Form):
    every_days = forms.TypedChoiceField(
        label="How often", coerce=int, initial=7,
        choices=[(n, "Every week" if n == 7 else "Every two weeks" if n == 14 else f"Every {n} days")
                 for n in range(series.MIN_GAP_DAYS, series.MAX_GAP_DAYS + 1)])
    weekday = forms.TypedChoiceField(label="Preferred day", choices=WEEKDAYS, required=False, coerce=int,
                                     empty_value=None)
    part_of_day = forms.ChoiceField(label="Preferred time of day", choices=PARTS, required=False)
    at = ClockField(label="Preferred time", required=False, help_text="For example 10:00 or 2:30 p.m.")

    def preference(self) -> series.Preference:
        data = self.cleaned_data
        return series.Preference(every_days=data["every_days"], weekday=data["weekday"],
                                 part_of_day=data["part_of_day"] or None, at=data["at"])


class ScoreForm(forms.Form):
    pain = forms.IntegerField(label="Pain today (0 = none, 10 = worst possible)", min_value=0, max_value=10)
    activity_1 = forms.IntegerField(required=False, min_value=0, max_value=10)
    activity_2 = forms.IntegerField(required=False, min_value=0, max_value=10)
    activity_3 = forms.IntegerField(required=False, min_value=0, max_value=10)

    def __init__(self, *args, course=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(course.activities) if course is not None else {}
        for n in (1, 2, 3):
            if n in names:
                self.fields[f"activity_{n}"].label = f"{names[n]} (0 = unable, 10 = as before)"
            else:
                del self.fields[f"activity_{n}"]

    def activities(self) -> dict[int, int | None]:
        return {n: self.cleaned_data.get(f"activity_{n}") for n in (1, 2, 3)}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect, choices=CourseReview.Decision.choices)
    note = forms.CharField(label="Note (needed to stop)", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PatientPainForm(forms.Form):
    pain = forms.TypedChoiceField(
        label="Your pain today, from 0 (no pain) to 10 (the worst pain you can imagine)", coerce=int,
        choices=[(n, str(n)) for n in range(11)], widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose a number from 0 to 10.", "invalid_choice": "Choose a number from 0 to 10."})


class LimitsForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["limit_visits", "limit_amount", "used_elsewhere"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year, this_year = self.instance.used_elsewhere_year, timezone.localdate().year
        if year is not None and year != this_year and self.instance.used_elsewhere:
            self.fields["used_elsewhere"].help_text = (
                f"The {self.instance.used_elsewhere} entered were for {year}: they no longer count. "
                f"Enter the visits used elsewhere in {this_year}.")

    def save(self, commit=True):
        if "used_elsewhere" in self.changed_data:  # entered now: this calendar year's
            self.instance.used_elsewhere_year = timezone.localdate().year
        return super().save(commit)


def visit_choices(proposals, picked) -> list[tuple[series.ProposedVisit, list[tuple[str, str, object, bool]]]]:
    """Each proposed visit with its radios: (id suffix, value, when or None for "not now", checked). The
    suggested time is checked, unless ``picked`` (the form as sent, when a booking was refused) chose
    another of them: the page comes back as the person left it."""
    rows = []
    for proposal in proposals:
        times = [proposal.start, *proposal.alternatives] if proposal.placed else []
        options = [(str(n), iso_utc(when), when) for n, when in enumerate(times)] + [("skip", "", None)]
        sent = picked.get(f"visit-{proposal.number}")
        chosen = sent if sent in [value for _, value, _ in options] else options[0][1]
        rows.append((proposal, [(suffix, value, when, value == chosen) for suffix, value, when in options]))
    return rows
