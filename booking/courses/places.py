"""Where a visit stands in its course: reads only, over the models (no booking services), so the
template tags and emails can use them without an import cycle."""

from __future__ import annotations

from booking.models import Appointment

from . import progress
from .models import Course, CourseVisit, VisitScore


def course_of(appointment: Appointment) -> Course | None:
    visit = CourseVisit.objects.select_related("course").filter(appointment=appointment).first()
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
