"""Writes and reads for IMS courses: open a course, propose its trial as a series, book the series.

The series is booked in one transaction through ``booking.services.book_appointment`` (so every
booking rule and the exclusion constraint apply to each visit): if any time was taken meanwhile,
the whole series rolls back and the caller shows a fresh proposal. Nothing is ever half-booked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict

from booking import schedules
from booking.models import KEPT_STATUSES, Appointment, EmailNotice, InsuranceNote, Service
from booking.services import BookingError, SlotTaken, book_appointment
from booking.tasks import queue_notices
from booking.templatetags.booking_tags import local_when

from . import progress, series
from .models import Course, CourseReview, CourseVisit, VisitScore
from .places import course_of

FOLLOW_UP_SLUG = "ims-follow-up"


class SeriesTaken(BookingError):
    """One of the series' times was taken before it was booked; nothing was booked."""

    def __init__(self, start: datetime):
        super().__init__("One of those times was just taken, so nothing was booked. Here is a new proposal.")
        self.start = start


@transaction.atomic
def open_course(*, appointment: Appointment, area: str, condition=None, planned_visits: int, actor,
                now: datetime) -> Course:
    """A course opened at (or after) the patient's IMS assessment; the assessment is its first visit."""
    locked = (Appointment.objects.for_change().select_related("service", "insurance")
              .get(pk=appointment.pk))
    if not locked.service.is_ims:
        raise BookingError("A course is opened from an IMS visit.")
    if CourseVisit.objects.filter(appointment=locked).exists():
        raise BookingError("This visit already belongs to a course.")
    if locked.status not in (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED):
        raise BookingError("Open the course from a confirmed or completed visit.")
    insurance = getattr(locked, "insurance", None)
    course = Course.objects.create(
        patient=locked.patient, practitioner=locked.practitioner, condition=condition, area=area,
        payer=insurance.kind if insurance is not None else InsuranceNote.Kind.SELF_PAY,
        planned_visits=planned_visits, started_on=schedules.local_date(locked.start), opened_at=now,
        opened_by=actor)
    CourseVisit.objects.create(course=course, appointment=locked)
    return course


def follow_up_service(course: Course) -> Service:
    """The clinic's IMS follow-up visit (shipped by a migration), else the course's first visit's service."""
    return (Service.objects.filter(slug=FOLLOW_UP_SLUG, active=True).first()
            or course.kept_visits().first().service)


def _day_notes(who, first: date, last: date, schedule: schedules.ScheduleData) -> dict[date, str]:
    """Why a day of ``first``..``last`` may have nothing free: a closure or holiday, time off, no hours
    (from the schedule the free times were found in)."""
    notes = {day: f"the clinic is closed ({name})" for day, name in schedule.closures.items()}
    for off in schedule.away.get(who.pk, ()):
        day = max(schedules.local_date(off.start), first)
        while day <= min(schedules.local_date(off.end - timedelta(microseconds=1)), last):
            notes.setdefault(day, f"{who.name} is away")
            day += timedelta(days=1)
    working = {hours.weekday for hours in schedule.weekly_hours if hours.practitioner_id == who.pk}
    day = first
    while day <= last:
        if day.weekday() not in working:
            notes.setdefault(day, f"{who.name} does not work on {day:%A}s")
        day += timedelta(days=1)
    return notes


def remaining_visits(course: Course, visits: list[Appointment] | None = None) -> int:
    """How many of the planned visits are still to book (``visits``: its kept visits, if read already)."""
    kept = len(visits) if visits is not None else course.kept_visits().count()
    return max(course.planned_visits - kept, 0)


def propose(*, course: Course, preference: series.Preference, now: datetime, staff: bool = True,
            count: int | None = None, visits: list[Appointment] | None = None) -> list[series.ProposedVisit]:
    """The rest of the trial as a series after the course's last visit, from the practitioner's free
    times (booking rules for the patient, staff rules for the desk) that keep the patient's other IMS
    visits a week away."""
    visits = list(course.kept_visits()) if visits is None else visits
    if not visits:
        return []
    return propose_after(visit=visits[-1], count=remaining_visits(course, visits) if count is None else count,
                         preference=preference, now=now, staff=staff)


def propose_after(*, visit: Appointment, count: int, preference: series.Preference, now: datetime,
                  staff: bool = True) -> list[series.ProposedVisit]:
    """``count`` visits after ``visit`` with its practitioner (a course's last visit, or the
    assessment a patient is about to start a trial from)."""
    after = visit.start
    first = schedules.local_date(after) + timedelta(days=series.MIN_GAP_DAYS)
    last = schedules.local_date(after) + timedelta(days=series.MAX_GAP_DAYS * max(count, 1))
    service = Service.objects.filter(slug=FOLLOW_UP_SLUG, active=True).first() or visit.service
    schedule = schedules.load_schedule(practitioner_ids=[visit.practitioner_id], first=first, last=last,
                                       offering=service)
    slots = schedules.available_slots(service=service, practitioner=visit.practitioner, first=first, last=last,
                                      now=now, rules=schedules.staff_rules() if staff else schedules.booking_rules(),
                                      schedule=schedule)
    slots = schedules.spaced_slots(slots, patient=visit.patient, service=service)
    return series.propose_series(after=after, count=count, preference=preference,
                                 free_starts=[s.start for s in slots], tz=schedules.clinic_zone(),
                                 day_notes=_day_notes(visit.practitioner, first, last, schedule))


@transaction.atomic
def book_series(*, course: Course, starts: list[datetime], actor, now: datetime,
                source: str = Appointment.Source.STAFF) -> list[Appointment]:
    """Book every time of ``starts`` for the course, or none of them. From the patient's link
    (``source`` online) the booking rules apply and the visits are confirmed: the clinic agreed to
    the trial when it confirmed the assessment."""
    locked = Course.objects.select_for_update(no_key=True).get(pk=course.pk)  # one series at a time per course
    visits = list(locked.kept_visits())
    if not visits:
        raise BookingError("This course has no visit to follow.")
    remaining = remaining_visits(locked, visits)
    if remaining == 0:  # booked meanwhile (another desk, or the patient's link)
        raise BookingError(f"All {locked.planned_visits} planned visits of this course are booked already.")
    if not starts or len(starts) > remaining:
        raise BookingError(f"Choose up to {remaining} visit{'s' if remaining != 1 else ''}.")
    step = schedules.booking_rules().step
    if off_grid := next((s for s in starts if (s - s.replace(hour=0, minute=0, second=0, microsecond=0)) % step), None):
        raise BookingError(f"{local_when(off_grid)} is not one of the times offered: choose the times from the list.")
    tz = schedules.clinic_zone()
    previous = visits[-1].start
    for start in sorted(starts):
        if not series.MIN_GAP_DAYS <= series.gap_days(previous, start, tz) <= series.MAX_GAP_DAYS:
            raise BookingError(f"The visit on {local_when(start)} must be 7 to 14 days after the one before it: "
                               "choose another time for it.")
        previous = start
    insurance_note = getattr(visits[0], "insurance", None)
    insurance = model_to_dict(insurance_note, exclude=["id", "appointment"]) if insurance_note else None
    service = follow_up_service(locked)
    booked = []
    for start in sorted(starts):
        try:
            appointment, _ = book_appointment(service=service, practitioner=locked.practitioner, patient=locked.patient,
                                              start=start, now=now, insurance=insurance, source=source, actor=actor,
                                              contact_phone=visits[0].contact_phone, notify=False,
                                              confirmed=True, proven=True,
                                              savepoint=False)  # refused, the whole series rolls back
        except SlotTaken as error:
            raise SeriesTaken(start) from error  # the outer transaction rolls back every visit booked so far
        CourseVisit.objects.create(course=locked, appointment=appointment)
        booked.append(appointment)
    queue_notices(booked[0].pk, EmailNotice.Kind.SERIES_BOOKED)  # one email listing every visit
    return booked


# --- pain scores and the review ---------------------------------------------------------------------
def _course_practitioner(actor, course: Course) -> None:
    practitioner = getattr(actor, "practitioner", None)
    if practitioner is None or practitioner.pk != course.practitioner_id:
        raise BookingError("Only the course's practitioner records scores and reviews.")


@transaction.atomic
def record_score(*, appointment: Appointment, pain: int, activities: dict[int, int | None], actor,
                 now: datetime) -> VisitScore:
    """The pain score (0–10) and activity ratings at one visit of a course (recorded again: replaced)."""
    course = course_of(appointment)
    if course is None:
        raise BookingError("This visit is not part of a course.")
    _course_practitioner(actor, course)
    # The patient's own score (their link) locks the visit too: theirs waits, then sees this one and stops.
    appointment = Appointment.objects.for_change().get(pk=appointment.pk)
    if appointment.status not in (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED):
        raise BookingError("Scores are recorded at a visit that takes place.")
    score, _ = VisitScore.objects.update_or_create(appointment=appointment, defaults={
        "pain": pain, "recorded_at": now, "recorded_by": actor, "patient_reported": False,
        **{f"activity_{n}": activities.get(n) for n in (1, 2, 3)}})
    return score


PATIENT_SCORE_HOURS = 48  # the patient gives today's pain from their link in the two days before the visit


def patient_may_score(appointment: Appointment, now: datetime) -> bool:
    """A confirmed course visit starting within ``PATIENT_SCORE_HOURS`` with no score from the practitioner."""
    if appointment.status != Appointment.Status.CONFIRMED or course_of(appointment) is None:
        return False
    if not now < appointment.start <= now + timedelta(hours=PATIENT_SCORE_HOURS):
        return False
    return not VisitScore.objects.filter(appointment=appointment, patient_reported=False).exists()


@transaction.atomic
def record_patient_score(*, appointment: Appointment, pain: int, now: datetime) -> VisitScore:
    """Today's pain as the patient gives it before the visit: prefilled for the practitioner, who
    confirms it; never over a score the practitioner recorded."""
    locked = Appointment.objects.for_change().get(pk=appointment.pk)
    if not patient_may_score(locked, now):
        raise BookingError("Your practitioner will ask about your pain at the visit.")
    score, _ = VisitScore.objects.update_or_create(appointment=locked, defaults={
        "pain": pain, "recorded_at": now, "recorded_by": None, "patient_reported": True})
    return score


def visits_done(course: Course) -> int:
    return course.kept_visits().filter(status=Appointment.Status.COMPLETED).count()


@transaction.atomic
def record_review(*, course: Course, decision: str, note: str, actor, now: datetime) -> CourseReview:
    """Continue, change the plan, or stop (with a note); from the 4th visit on."""
    locked = Course.objects.select_for_update(no_key=True).get(pk=course.pk)
    _course_practitioner(actor, locked)
    done = visits_done(locked)
    if done < progress.REVIEW_AT_VISIT:
        raise BookingError(f"The review is from visit {progress.REVIEW_AT_VISIT} on; {done} visits are done.")
    if decision == CourseReview.Decision.STOP and not note:
        raise BookingError("Say why IMS stops (a short note).")
    if locked.reviews.filter(at_visit=done).exists():  # a second click, or a colleague a moment ago
        raise BookingError(f"The review at visit {done} is already recorded.")
    review = CourseReview.objects.create(course=locked, at_visit=done, decision=decision, note=note,
                                         decided_at=now, decided_by=actor)
    if decision == CourseReview.Decision.STOP:
        locked.status, locked.status_reason = Course.Status.STOPPED, note
    elif decision == CourseReview.Decision.CONTINUE:
        locked.status = Course.Status.CONTINUING
    locked.save(update_fields=["status", "status_reason"])
    return review


def summary(course: Course) -> dict:
    """What the course page, the appointment page and the dashboard show about a course (``kept``: its
    kept visits in order; ``visits``: each with its number and score)."""
    visits = list(course.kept_visits().select_related("visit_score"))
    scored = [(n, v, getattr(v, "visit_score", None)) for n, v in enumerate(visits, start=1)]
    pains = [s.pain for _, _, s in scored if s is not None]
    done = sum(1 for v in visits if v.status == Appointment.Status.COMPLETED)
    reviews = list(course.reviews.select_related("decided_by"))
    reviewed = bool(reviews)
    return {
        "visits": scored, "kept": visits, "progress": progress.progress(pains), "visits_done": done,
        "review_due": progress.review_due(visits_done=done, reviewed=reviewed) and course.status in (
            Course.Status.TRIAL, Course.Status.CONTINUING),
        "reviews": reviews,
        "flags": progress.flags(visits_done=done, reviewed=reviewed, scores=pains,
                                still_open=course.status in (Course.Status.TRIAL, Course.Status.CONTINUING)),
    }


def flagged_courses(courses_qs) -> list[tuple[Course, list[str]]]:
    """Open courses needing attention (no meaningful change by visit 4 and no review; past 10 visits),
    with why. Candidates are found in one query, and their pain scores read in one more."""
    attention = Q(done__gte=progress.REVIEW_AT_VISIT, reviewed=False) | Q(done__gt=progress.FULL_COURSE_MAX)
    # By id: a queryset joined to visits or appointments would multiply (or, filtered, cut) the counts.
    candidates = list(Course.objects.filter(pk__in=courses_qs.values("pk")).open().with_progress_counts()
                      .filter(attention).select_related("patient", "practitioner").order_by("started_on", "pk"))
    pains: dict[int, list[int]] = {}
    for course_id, pain in (VisitScore.objects.filter(
            appointment__course_visit__course__in=candidates, appointment__status__in=list(KEPT_STATUSES))
            .order_by("appointment__start").values_list("appointment__course_visit__course_id", "pain")):
        pains.setdefault(course_id, []).append(pain)
    found = []
    for course in candidates:
        why = progress.flags(visits_done=course.done, reviewed=course.reviewed, scores=pains.get(course.pk, []),
                             still_open=True)  # open(): in trial or continuing
        if why:
            found.append((course, why))
    return found


def review_due(course_ids) -> set[int]:
    """Which of these courses wait for their 4th-visit review (as ``summary`` says), in one query."""
    return {course.pk for course in Course.objects.filter(pk__in=course_ids).open().with_progress_counts()
            if progress.review_due(visits_done=course.done, reviewed=course.reviewed)}


PATIENT_TRIAL_VISITS = 6  # a trial the patient starts from their link: the clinic's default length


BOOKABLE_COURSE = (Course.Status.TRIAL, Course.Status.CONTINUING)  # the statuses whose visits a patient books


def patient_trial(appointment: Appointment) -> tuple[Course | None, int]:
    """Whether the patient may book trial visits from this visit's link: (its open course or None,
    visits left to book). A confirmed or completed IMS assessment in no course may start one."""
    course = course_of(appointment)
    if course is not None:
        if course.status not in BOOKABLE_COURSE:
            return course, 0
        visits = list(course.kept_visits())
        # only from the link of the course's latest visit, so the series follows on from it
        return course, remaining_visits(course) if visits and visits[-1].pk == appointment.pk else 0
    eligible = appointment.service.slug == "ims-assessment" and appointment.status in (
        Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED)
    return None, PATIENT_TRIAL_VISITS - 1 if eligible else 0


@transaction.atomic
def book_patient_trial(*, appointment: Appointment, starts: list[datetime], now: datetime) -> list[Appointment]:
    """The patient books their trial's visits from their link; the course is opened if need be
    (in the same transaction: a refused series leaves no course behind)."""
    course, left = patient_trial(appointment)
    if not left:
        raise BookingError("These visits can't be booked online. Please call the clinic.")
    if course is None:
        course = open_course(appointment=appointment, area="", planned_visits=PATIENT_TRIAL_VISITS, actor=None,
                             now=now)
    return book_series(course=course, starts=starts, actor=None, now=now, source=Appointment.Source.ONLINE)
