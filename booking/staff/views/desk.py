"""Front desk: sign-in, Today with the request queue, and one appointment with its actions.

Every action is a POST through booking/services.py, so the rules (no overlap, flags, history,
emails) hold whoever acts. Each view is wrapped in ``staff_view`` (sign-in, permission, no-store).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinic.text import clean_text

from ... import parsing, schedules, services, visits
from ...billing import fees
from ...billing.models import FeePolicy
from ...courses import limits, places
from ...courses import services as courses
from ...courses.forms import ScoreForm
from ...courses.models import Course, CourseVisit
from ...forms import error_list
from ...models import Appointment, Practitioner, VisitNote
from .. import records
from ..access import (
    MANAGE,
    MARK_ATTENDANCE,
    TAKE_PAYMENTS,
    VISIT_NOTES,
    require_details,
    staff_view,
    visible_appointments,
)
from ..forms import StaffScreeningForm

Status = Appointment.Status
FEE_LOOKBACK_DAYS = 30  # Today lists fee decisions still open for visits of the last 30 days
NOTE_PREVIEW = 120  # characters of a patient's note shown in the request queue before "Show the whole note"


# --- sign-in ----------------------------------------------------------------------------------
@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "staff/password_change.html"
    success_url = reverse_lazy("staff:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "staff/password_change_done.html"


# --- helpers ----------------------------------------------------------------------------------
def _appointment(reference: str) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("patient", "service", "practitioner", "insurance", "screening"),
        reference=reference,
    )


def _back(request, appointment: Appointment):
    """Return to where the action was taken (Today or the appointment page): a staff page of this
    site, written plainly (no control or line-break characters, which would end up in the header)."""
    target = request.POST.get("next", "")
    if target.startswith("/staff/") and target.isprintable() and "//" not in target and "\\" not in target:
        try:
            page = resolve(urlsplit(target).path)
        except Resolver404:
            page = None
        if page is not None and page.namespace == "staff":
            return redirect(target)
    return redirect("staff:appointment-detail", reference=appointment.reference)


def _act(request, reference: str, action, success: str, **kwargs):
    appointment = _appointment(reference)
    require_details(request.user, appointment)
    try:
        action(appointment=appointment, actor=request.user, **kwargs)
    except services.BookingError as error:
        messages.error(request, f"{appointment.reference}: {error}")
    else:
        messages.success(request, f"{appointment.reference} {success}.")
        _spacing_warnings(request, appointment)
    return _back(request, appointment)


def _spacing_warnings(request, appointment: Appointment) -> None:
    """After a course visit was cancelled or moved: say which neighbouring visits now break the trial's spacing."""
    for broken in places.spacing_breaks(appointment):
        messages.warning(request, f"IMS course: {broken}. Move a visit to keep the trial on track.")


def _with_marks(appointments: list[Appointment], now) -> list[Appointment]:
    """Each appointment with ``marks``: the attendance buttons the rules allow now."""
    for appointment in appointments:
        appointment.marks = services.allowed_marks(appointment, now)
    return appointments


# --- Today ------------------------------------------------------------------------------------
@staff_view()
@require_safe
def today(request):
    now = timezone.now()
    day = timezone.localdate(now)
    start, end = schedules.local_day_bounds(day)
    visible = visible_appointments(request.user)
    todays = list(visible.filter(start__gte=start, start__lt=end).exclude(status=Status.DECLINED)
                  .select_related("patient", "service", "practitioner").order_by("start", "practitioner__order"))
    queue = list(visible.filter(status=Status.REQUESTED)
                 .select_related("patient", "service", "practitioner", "insurance", "screening")
                 .order_by("created_at"))
    arrivals_due = [a for a in todays if a.status == Status.CONFIRMED and a.arrived_at is None
                    and a.start <= now + timedelta(hours=2)]
    _with_marks(todays, now)
    fee_decisions = []
    if request.user.has_perm(TAKE_PAYMENTS):  # missed or late-cancelled in the last 30 days, not yet decided
        recent = visible.filter(start__gte=now - timedelta(days=FEE_LOOKBACK_DAYS), start__lt=now + timedelta(days=2))
        fee_decisions = list(fees.awaiting_decision(recent, FeePolicy.load())
                             .select_related("patient", "service").order_by("start"))
    in_view = Course.objects.filter(pk__in=CourseVisit.objects.filter(appointment__in=visible).values("course"))
    course_flags = courses.flagged_courses(in_view)
    # the practitioner's day: today's course visits whose course waits for its 4th-visit review
    todays_courses = dict(CourseVisit.objects.filter(appointment__in=[a.pk for a in todays])
                          .values_list("appointment_id", "course_id"))
    due = courses.review_due(set(todays_courses.values()))
    for appointment in todays:
        appointment.review_due = todays_courses.get(appointment.pk) in due
    # payer limits: the open courses with a visit in the coming week (the desk books and bills those next)
    week = in_view.open().exclude(payer="self_pay").filter(
        visits__appointment__start__gte=start, visits__appointment__start__lt=start + timedelta(days=7)).distinct()
    week = list(week.select_related("patient"))
    statuses = limits.payer_statuses(week, on=day)
    payer_flags = [(course, status) for course in week if (status := statuses[course.pk]) is not None and status.near]
    return render(request, "staff/today.html", {
        "fee_decisions": fee_decisions, "course_flags": course_flags, "payer_flags": payer_flags,
        "day": day, "now": now, "appointments": todays, "queue": queue, "arrivals_due": arrivals_due,
        "can_manage": request.user.has_perm(MANAGE), "can_mark": request.user.has_perm(MARK_ATTENDANCE),
        "note_preview": NOTE_PREVIEW,
    })


# --- one appointment --------------------------------------------------------------------------
def _course_context(user, appointment: Appointment, score_form) -> dict:
    """The visit's place in its IMS course, the practitioner's score form and the review prompt."""
    course = places.course_of(appointment)
    if course is None:
        return {"course": None}
    summary = courses.summary(course)
    own = course.practitioner.user_id == user.pk
    number, score = next(((n, s) for n, v, s in summary["visits"] if v.pk == appointment.pk), (None, None))
    return {"course": course, "course_visit_number": number,
            "course_payer": limits.payer_status(course, on=timezone.localdate(),
                                                visits=summary["kept"]),
            "course_progress": summary["progress"], "course_review_due": summary["review_due"],
            "course_score": score, "score_form": score_form or (ScoreForm(
                course=course, prefix="score", initial=score and {
                    "pain": score.pain, "activity_1": score.activity_1, "activity_2": score.activity_2,
                    "activity_3": score.activity_3}) if own else None)}


def _note_summary(user, appointment: Appointment) -> dict | None:
    """For readers of visit notes: whether there is one and who may write it (never its text here,
    so opening the appointment is not a read of the note)."""
    if not user.has_perm(VISIT_NOTES):
        return None
    note = VisitNote.objects.select_related("written_by").filter(appointment=appointment).first()
    return {"exists": note is not None, "updated_at": note and note.updated_at,
            "may_write": visits.may_write(user, appointment)}


def detail_page(request, appointment: Appointment, *, screening_form: StaffScreeningForm | None = None,
                 score_form=None, waiver: tuple[str, str] | None = None, status: int = 200):
    """The appointment page; the forms given are the ones just sent back with their errors (``waiver``:
    the fee-waiver reason typed, and why it was refused)."""
    now = timezone.now()
    events = list(appointment.events.select_related("actor").order_by("at", "id"))
    screening = getattr(appointment, "screening", None)
    invoices = list(appointment.invoices.order_by("number"))
    live_invoice = next((i for i in invoices if not i.voided and i.kind == "visit"), None)
    undoable = services.undoable_mark(appointment, now=now, events=events)
    if live_invoice is not None and undoable is not None and undoable.action != services.ARRIVED:
        undoable = None  # a checked-out visit's completion stands until its invoice is voided
    fee = fees.decision_for(appointment) if request.user.has_perm(TAKE_PAYMENTS) else None
    return render(request, "staff/appointment_detail.html", {
        "appointment": appointment,
        "invoices": invoices,
        "live_invoice": live_invoice,
        "events": events,
        "notices": appointment.email_notices.all(),
        "other_visits": visible_appointments(request.user, appointment.patient.appointments.exclude(
            pk=appointment.pk)).select_related("service", "practitioner").order_by("-start")[:10],
        "can_manage": request.user.has_perm(MANAGE),
        "can_mark": request.user.has_perm(MARK_ATTENDANCE),
        "visit_note": _note_summary(request.user, appointment),
        **_course_context(request.user, appointment, score_form),
        "fee": fee,
        "now": now,
        "marks": services.allowed_marks(appointment, now),
        "undoable": undoable,
        "early_minutes": settings.ATTENDANCE_EARLY_MINUTES,
        "screening_form": screening_form or StaffScreeningForm(
            prefix="s", initial=records.screening_initial(screening)),
        "error_list": [("waive-reason" if fee else "", waiver[1])] if waiver else error_list(screening_form),
        "error_title": "with waiving the fee" if waiver else "with the screening answers",
        "waiver_typed": waiver[0] if waiver else "", "waiver_error": waiver[1] if waiver else "",
    }, status=status)


@staff_view()
@require_safe
def appointment_detail(request, reference):
    appointment = _appointment(reference)
    require_details(request.user, appointment)
    return detail_page(request, appointment)


@staff_view(MANAGE)
@require_POST
def confirm(request, reference):
    return _act(request, reference, services.confirm_appointment, "confirmed")


@staff_view(MANAGE)
@require_POST
def decline(request, reference):
    reason = clean_text(request.POST.get("reason", ""), 300)
    if not reason:
        messages.error(request, "Please give a reason for declining: the patient will read it.")
        return _back(request, _appointment(reference))
    return _act(request, reference, services.decline_appointment, "declined", reason=reason)


@staff_view(MANAGE)
@require_POST
def cancel(request, reference):
    return _act(request, reference, lambda **kw: services.cancel_appointment(now=timezone.now(), **kw),
                "cancelled", reason=clean_text(request.POST.get("reason", ""), 300),
                patient_asked=request.POST.get("patient_asked") == "on")


@staff_view(MARK_ATTENDANCE)
@require_POST
def arrived(request, reference):
    return _act(request, reference, services.mark_arrived, "marked as arrived", now=timezone.now())


@staff_view(MARK_ATTENDANCE)
@require_POST
def completed(request, reference):
    return _act(request, reference, services.mark_attendance, "marked as completed", status=Status.COMPLETED,
                now=timezone.now())


@staff_view(MARK_ATTENDANCE)
@require_POST
def no_show(request, reference):
    return _act(request, reference, services.mark_attendance, "marked as a no-show", status=Status.NO_SHOW,
                now=timezone.now())


@staff_view(MARK_ATTENDANCE)
@require_POST
def undo_mark(request, reference):
    """Undo today's arrival, completion or no-show (a slip of the finger at the desk)."""
    return _act(request, reference, services.undo_attendance, "put back as it was", now=timezone.now())


@staff_view(MANAGE)
@sensitive_post_parameters()
@require_POST
def screening(request, reference):
    """Record the safety answers the patient gave after booking (on the phone, or at the desk)."""
    appointment = _appointment(reference)
    require_details(request.user, appointment)
    form = StaffScreeningForm(request.POST, prefix="s")
    if not form.is_valid():
        return detail_page(request, appointment, screening_form=form, status=400)
    visits.record_screening(appointment=appointment, answers=form.answers(),
                              details=form.cleaned_data["details"], actor=request.user, now=timezone.now())
    messages.success(request, f"{appointment.reference}: safety screening answers saved.")
    return redirect(reverse("staff:appointment-detail", args=[appointment.reference]) + "#screening-heading")


@staff_view(MANAGE)
@sensitive_post_parameters()
@require_POST
def staff_note(request, reference):
    return _act(request, reference, services.update_staff_note, "note saved",
                note=clean_text(request.POST.get("staff_note", ""), 5000))


@staff_view(MANAGE)
@require_http_methods(["GET", "POST"])
def reschedule(request, reference):
    """Offer another time: the same engine as the patient's, plus an explicit outside-hours override."""
    appointment = _appointment(reference)
    require_details(request.user, appointment)
    now = timezone.now()
    practitioners = list(Practitioner.objects.offering(appointment.service))
    chosen = next((p for p in practitioners if p.slug == request.GET.get("practitioner", "")),
                  appointment.practitioner)
    error = None
    too_close = False
    if request.method == "POST":
        chosen = next((p for p in practitioners if p.slug == request.POST.get("practitioner")), chosen)
        override = request.POST.get("override") == "on"
        raw = request.POST.get("start")
        new_start = parsing.parse_start(raw) if raw else parsing.parse_local(
            request.POST.get("date"), request.POST.get("time"), tz=schedules.clinic_zone())
        service = appointment.service
        if new_start is None:
            error = "Choose one of the free times, or enter a date and time."
        elif not raw and (refusal := records.override_refusal(
                practitioner=chosen, start=new_start, end=new_start + service.duration + service.buffer)):
            error = refusal  # the override is for working hours only: never over time off or a closure
        else:
            done = f"{appointment.reference} moved."
            try:
                try:
                    moved = services.reschedule_appointment(
                        appointment=appointment, new_start=new_start, now=now, practitioner=chosen,
                        actor=request.user, allow_outside_hours=override,
                        spacing_override=clean_text(request.POST.get("spacing_override", ""), 300))
                except services.AlreadyThere:  # its own time picked, or sent twice
                    moved, done = appointment, f"{appointment.reference} is already at that time: nothing was moved."
                if request.POST.get("then_confirm") == "on" and moved.status == Status.REQUESTED:
                    services.confirm_appointment(appointment=moved, actor=request.user)
            except services.SlotTaken as exc:
                error = str(exc) if raw or override else (
                    f"That time is not free in {chosen.name}'s working hours: another visit or time off holds it, "
                    "or it is outside their hours (tick \"Book outside working hours\" to book it anyway).")
            except services.BookingError as exc:
                error = str(exc)
                too_close = isinstance(exc, services.TooClose)
            else:
                messages.success(request, done)
                _spacing_warnings(request, appointment)
                return redirect("staff:appointment-detail", reference=appointment.reference)
    today = timezone.localdate(now)
    first = parsing.parse_date(request.GET.get("from")) or max(
        today, timezone.localdate(appointment.start) - timedelta(days=3))
    last = first + timedelta(days=6)
    slots = schedules.available_slots(service=appointment.service, practitioner=chosen, first=first, last=last,
                                      now=now, exclude_appointment=appointment, rules=schedules.staff_rules())
    return render(request, "staff/reschedule.html", {
        "appointment": appointment, "practitioners": practitioners, "chosen": chosen, "error": error,
        "by_day": schedules.by_local_date(slots), "first": first, "last": last,
        "prev_from": (first - timedelta(days=7)).isoformat(), "next_from": (first + timedelta(days=7)).isoformat(),
        "then_confirm": request.GET.get("then") == "confirm" or request.POST.get("then_confirm") == "on",
        "too_close": too_close, "spacing_override": clean_text(request.POST.get("spacing_override", ""), 300),
        # what was typed for a time outside the list, shown again when the move is refused
        "typed": {"date": clean_text(request.POST.get("date", ""), 10),
                  "time": clean_text(request.POST.get("time", ""), 5),
                  "override": request.POST.get("override") == "on"},
    }, status=400 if error else 200)
