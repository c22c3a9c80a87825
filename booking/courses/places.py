"""Where a visit stands in its course: reads only, over the models (no booking services), so the
template tags and emails can use them without an import cycle."""

from __future__ import annotations

from collections import Counter

from booking.models import KEPT_STATUSES, Appointment
from booking.schedules import local_date

from . import progress, series
from .models import Course, CourseVisit, VisitScore


def course_of(appointment: Appointment) -> Course | None:
    visit = CourseVisit.objects.select_related("course__practitioner").filter(appointment=appointment).first()
    return visit.course if visit is not None else None


def visit_number(course: Course, appointment: Appointment) -> int | None:
    """The visit's place among the course's kept visits (1-based), or None when it is not one of them."""
    for number, visit in enumerate(course.kept_visits(), start=1):
        if visit.pk == appointment.pk:
            return number
    return None


def patient_place(appointment: Appointment) -> dict | None:
    """What the patient reads about their course on their manage page and in emails: "visit n of N"
    and their pain scores in plain words (never a clinical note), or None outside a course."""
    course = course_of(appointment)
    if course is None:
        return None
    pains = list(VisitScore.objects.filter(appointment__course_visit__course=course)
                 .order_by("appointment__start").values_list("pain", flat=True))
    return {"number": visit_number(course, appointment), "planned": course.planned_visits,
            "progress": progress.progress(pains).in_words() if pains else ""}


def spacing_breaks(appointment: Appointment) -> list[str]:
    """After a visit of a course was cancelled or moved: each pair of neighbouring kept visits of
    the course that is now less than 7 or more than 14 days apart, in words (empty when all hold)."""
    course = course_of(appointment)
    if course is None:
        return []
    visits = list(course.kept_visits())
    found = []
    for earlier, later in zip(visits, visits[1:], strict=False):
        days = (local_date(later.start) - local_date(earlier.start)).days
        if not series.MIN_GAP_DAYS <= days <= series.MAX_GAP_DAYS:
            found.append(f"{local_date(earlier.start):%a %d %b} and {local_date(later.start):%a %d %b} are now "
                         f"{days} days apart (the trial keeps visits {series.MIN_GAP_DAYS} to "
                         f"{series.MAX_GAP_DAYS} days apart)")
    return found


def visit_numbers(appointment_ids) -> dict[int, tuple[int, int]]:
    """For a calendar: each appointment's (visit number, planned visits) in its course, in one query
    whatever the number of appointments (every kept visit of their courses, in order); appointments in
    no course are left out."""
    ids = set(appointment_ids)
    if not ids:
        return {}
    their_courses = CourseVisit.objects.filter(appointment_id__in=ids).values("course_id")
    kept = (Appointment.objects.filter(course_visit__course_id__in=their_courses, status__in=list(KEPT_STATUSES))
            .order_by("start", "pk")
            .values_list("pk", "course_visit__course_id", "course_visit__course__planned_visits"))
    numbers: dict[int, tuple[int, int]] = {}
    counter: Counter[int] = Counter()
    for pk, course, planned in kept:
        counter[course] += 1
        if pk in ids:
            numbers[pk] = (counter[course], planned)
    return numbers
