"""Staff pages for IMS courses: open a course from a visit, the course page, the trial as a series.

Views parse, call ``services``, render; the "own patients only" rule is ``booking.staff.access``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from booking import parsing, schedules
from booking.forms import error_list
from booking.models import Appointment
from booking.services import BookingError
from booking.staff.access import MANAGE, require_details, staff_view
from booking.staff.views.desk import detail_page as desk_detail_page
from clinic.text import clean_text

from . import limits, services
from .charts import pain_chart
from .forms import LimitsForm, OpenCourseForm, PreferenceForm, ReviewForm, ScoreForm, preference_data, visit_choices
from .models import Course

OPEN_COURSES = "courses.add_course"


def _course(request, pk: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("patient", "practitioner", "condition"), pk=pk)
    first = course.visits.select_related("appointment").first()
    if first is None:
        raise Http404("A course without visits")  # never made by services.open_course
    require_details(request.user, first.appointment)  # the practitioner's own patients only
    return course


@staff_view(OPEN_COURSES)
@require_http_methods(["GET", "POST"])
def open_course(request, reference):
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "service"), reference=reference)
    require_details(request.user, appointment)
    form = OpenCourseForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            course = services.open_course(appointment=appointment, actor=request.user, now=timezone.now(),
                                          **form.cleaned_data)
        except BookingError as refusal:
            error = str(refusal)
        else:
            messages.success(request, "IMS course opened. Book the rest of the trial below.")
            return redirect("staff:course-series", course=course.pk)
    return render(request, "courses/open.html", {
        "appointment": appointment, "form": form, "error": error, "error_list": error_list(form),
    }, status=400 if request.method == "POST" else 200)


def _detail_page(request, course: Course, *, review_form: ReviewForm | None = None,
                 limits_form: LimitsForm | None = None, status: int = 200):
    summary = services.summary(course)
    visits = summary["kept"]
    bound = review_form if review_form is not None else limits_form
    return render(request, "courses/detail.html", {
        "course": course, **summary, "visits": visits,
        "scored": summary["visits"], "chart": pain_chart(course, summary["visits"]),
        "remaining": services.remaining_visits(course, visits), "can_book": request.user.has_perm(MANAGE),
        "is_practitioner": course.practitioner.user_id == request.user.pk,
        "review_form": review_form or ReviewForm(), "error_list": error_list(bound),
        "limits_form": limits_form or LimitsForm(instance=course),
        "payer": limits.payer_status(course, on=timezone.localdate(), visits=visits),
    }, status=status)


@staff_view(MANAGE)
@require_POST
def record_limits(request, course):
    """The payer limits staff enter for a course (visits approved, a dollar maximum, visits used elsewhere)."""
    course = _course(request, course)
    form = LimitsForm(request.POST, instance=course)
    if not form.is_valid():
        return _detail_page(request, Course.objects.get(pk=course.pk), limits_form=form, status=400)
    form.save()
    messages.success(request, "Payer limits saved.")
    return redirect(reverse("staff:course-detail", args=[course.pk]) + "#payer-heading")


@staff_view()
@require_http_methods(["GET"])
def course_detail(request, course):
    return _detail_page(request, _course(request, course))


@staff_view()
@require_POST
def record_review(request, course):
    course = _course(request, course)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.record_review(course=course, actor=request.user, now=timezone.now(),
                                   decision=form.cleaned_data["decision"],
                                   note=clean_text(form.cleaned_data["note"], 500))
        except BookingError as refusal:
            form.add_error("note" if "note" in str(refusal) else None, str(refusal))
        else:
            messages.success(request, "Review recorded.")
            return redirect("staff:course-detail", course=course.pk)
    return _detail_page(request, course, review_form=form, status=400)


@staff_view()
@require_POST
def record_score(request, reference):
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), reference=reference)
    require_details(request.user, appointment)
    course = services.course_of(appointment)
    if course is None:
        messages.error(request, f"{appointment.reference}: this visit is not part of an IMS course.")
        return redirect("staff:appointment-detail", reference=reference)
    form = ScoreForm(request.POST, course=course, prefix="score")
    if not form.is_valid():  # the page again, with what was typed and the message beside it
        return desk_detail_page(request, appointment, score_form=form, status=400)
    else:
        try:
            services.record_score(appointment=appointment, pain=form.cleaned_data["pain"],
                                  activities=form.activities(), actor=request.user, now=timezone.now())
        except BookingError as refusal:
            messages.error(request, f"{appointment.reference}: {refusal}")
        else:
            messages.success(request, f"{appointment.reference}: pain score saved.")
    return redirect(reverse("staff:appointment-detail", args=[reference]) + "#course-heading")


def _series_page(request, course: Course, form: PreferenceForm, *, error: str | None = None, status: int = 200,
                 visits: list | None = None):
    visits = list(course.kept_visits()) if visits is None else visits
    proposals = services.propose(course=course, preference=form.preference(), now=timezone.now(), visits=visits) \
        if form.is_valid() else []
    payer = limits.payer_status(course, on=timezone.localdate(), visits=visits, upcoming=[
        timezone.localtime(p.start).date() for p in proposals if p.placed])
    picked = request.POST if request.method == "POST" else {}  # a refused booking: the choices stay as sent
    return render(request, "courses/series.html", {
        "course": course, "form": form, "proposals": proposals, "error": error, "payer": payer,
        "rows": visit_choices(proposals, picked),
        "error_list": error_list(form), "remaining": services.remaining_visits(course, visits), "visits": visits,
    }, status=status if form.is_valid() else 400)


@staff_view(MANAGE)
@require_http_methods(["GET"])
def series_proposal(request, course):
    course = _course(request, course)
    visits = list(course.kept_visits())
    first_shown = preference_data(timezone.localtime(visits[-1].start)) if visits else {"every_days": "7"}
    form = PreferenceForm(request.GET if "every_days" in request.GET else first_shown)
    return _series_page(request, course, form, visits=visits)


@staff_view(MANAGE)
@require_POST
def book_series(request, course):
    course = _course(request, course)
    form = PreferenceForm(request.POST)
    chosen = [value for key, value in sorted(request.POST.items()) if key.startswith("visit-") and value]
    starts = [parsing.parse_start(value) for value in chosen]
    if not starts or None in starts:
        return _series_page(request, course, form, error="Choose a time for each visit you want to book.",
                            status=400)
    try:
        booked = services.book_series(course=course, starts=starts, actor=request.user, now=timezone.now())
    except services.SeriesTaken as taken:
        return _series_page(request, course, form, error=str(taken), status=409)
    except BookingError as refusal:
        return _series_page(request, course, form, error=str(refusal), status=400)
    when = ", ".join(f"{schedules.local_date(a.start):%a %d %b}" for a in booked)
    messages.success(request, f"Booked {len(booked)} visit{'s' if len(booked) != 1 else ''}: {when}.")
    return redirect("staff:course-detail", course=course.pk)
