"""The patient books the rest of their IMS trial from their private manage link.

The same proposer and booking service as the front desk's (``booking.courses.services``), with the
booking rules a patient gets: the patient has proved who they are with the link, so the times offered
keep their own other IMS visits a week away, and are never times they would then be refused.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ..courses import services as courses
from ..courses.forms import PatientPainForm, PreferenceForm, preference_data, visit_choices
from ..forms import error_list
from ..parsing import parse_start
from ..services import BookingError
from .manage import _managed


class _NothingLeft(Exception):
    """The link's course has no visits left to book from it (booked a moment ago, in this tab or another)."""


def _or_manage_page(view):
    """A course whose visits are booked sends its link's trial pages back to the manage page, saying so."""
    @wraps(view)
    def wrapped(request, token):
        try:
            return view(request, token)
        except _NothingLeft:
            messages.info(request, "There are no visits left to book from this link. If you booked them a moment "
                                   "ago, we have emailed you the list.")
            return redirect("booking:manage", token=token)
    return wrapped


def _trial(token: str):
    appointment = _managed(token)
    course, left = courses.patient_trial(appointment)
    if not left and course is not None and course.status in courses.BOOKABLE_COURSE:
        raise _NothingLeft()  # (a stopped or finished course's link has no trial page: a 404, as before)
    if not left:
        raise Http404("No trial visits to book from this link.")
    last = list(course.kept_visits())[-1] if course is not None else appointment
    return appointment, course, left, last


def _page(request, token: str, form: PreferenceForm, *, error: str | None = None, status: int = 200):
    appointment, course, left, last = _trial(token)
    proposals = courses.propose_after(visit=last, count=left, preference=form.preference(), now=timezone.now(),
                                      staff=False) if form.is_valid() else []
    picked = request.POST if request.method == "POST" else {}  # a refused booking: the choices stay as sent
    return render(request, "booking/trial.html", {
        "appointment": appointment, "token": token, "form": form, "proposals": proposals, "left": left,
        "rows": visit_choices(proposals, picked),
        "done": (course.planned_visits if course else courses.PATIENT_TRIAL_VISITS) - left,
        "planned": course.planned_visits if course else courses.PATIENT_TRIAL_VISITS,
        "error": error, "error_list": error_list(form),
    }, status=status if form.is_valid() else 400)


@never_cache
@require_safe
@_or_manage_page
def manage_trial(request, token):
    _, _, _, last = _trial(token)
    first_shown = preference_data(timezone.localtime(last.start))
    return _page(request, token, PreferenceForm(request.GET if "every_days" in request.GET else first_shown))


@never_cache
@require_POST
@_or_manage_page
def manage_trial_book(request, token):
    appointment, _, _, _ = _trial(token)
    form = PreferenceForm(request.POST)
    chosen = [value for key, value in sorted(request.POST.items()) if key.startswith("visit-") and value]
    starts = [parse_start(value) for value in chosen]
    if not starts or None in starts:
        return _page(request, token, form, error="Choose a time for each visit you want to book.", status=400)
    try:
        booked = courses.book_patient_trial(appointment=appointment, starts=starts, now=timezone.now())
    except courses.SeriesTaken as taken:
        return _page(request, token, form, error=str(taken), status=409)
    except BookingError as refusal:
        return _page(request, token, form, error=str(refusal), status=400)
    messages.success(request, f"Your {len(booked)} visit{'s are' if len(booked) != 1 else ' is'} booked. "
                              "We have emailed you the list with a calendar file.")
    return redirect("booking:manage", token=token)


@never_cache
@require_POST
def manage_pain(request, token):
    """Today's pain from the patient's link before a course visit (prefilled for the practitioner)."""
    appointment = _managed(token)
    form = PatientPainForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["pain"][0])
    else:
        try:
            courses.record_patient_score(appointment=appointment, pain=form.cleaned_data["pain"], now=timezone.now())
        except BookingError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Thank you. Your practitioner will see your score at the visit.")
    return redirect(reverse("booking:manage", args=[token]) + "#pain")
