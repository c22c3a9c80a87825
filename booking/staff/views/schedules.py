"""Staff schedules: weekly hours, time off and clinic closures (added, and removed after asking).

Views parse, call ``staff/records.py``, render. Every change is a POST; bad input re-renders the
page with the message next to the field, an error summary at the top, and everything typed kept.
Closing a day that has visits, or removing time off or a closure, asks first.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ... import parsing, schedules
from ...forms import error_list
from ...models import Appointment, ClinicClosure, Practitioner, TimeOff, WorkingHours, violated_constraint
from ...templatetags.booking_tags import local_time, local_when
from .. import records
from ..access import ADD_CLOSURE, ADD_TIME_OFF, CHANGE_HOURS, DELETE_CLOSURE, DELETE_TIME_OFF, VIEW_HOURS, staff_view
from ..forms import ClosureForm, TimeOffForm, WeeklyHoursForm

UPCOMING_DAYS = 365
# What the lists of visits still booked show (reference, patient, practitioner, time).
CLASH_FIELDS = ("reference", "start", "end", "practitioner_id", "practitioner__name", "patient__first_name",
                "patient__last_name")


# --- helpers ----------------------------------------------------------------------------------
def _still_booked(appointments: list[Appointment], where: str, shown: int = 10) -> str:
    """'2 appointments in this time off are still booked: ABC (Name, when), ...' for a warning message."""
    listed = ", ".join(f"{a.reference} ({a.patient.full_name}, {local_when(a.start)})" for a in appointments[:shown])
    more = f" and {len(appointments) - shown} more" if len(appointments) > shown else ""
    one = len(appointments) == 1
    return (f"{len(appointments)} appointment{'' if one else 's'} {where} {'is' if one else 'are'} still booked: "
            f"{listed}{more}.")


def _span(start, end) -> str:
    """'Monday 15 December 2026 at 9:00 a.m. to 12:00 p.m.' (the end's date only when it differs)."""
    same_day = schedules.local_date(start) == schedules.local_date(end)
    return f"{local_when(start)} to {local_time(end) if same_day else local_when(end)}"


# --- 3. schedules -----------------------------------------------------------------------------
def _schedules_page(request, *, time_off_form=None, closure_form=None, closing=None, status=200):
    now = timezone.now()
    today = timezone.localdate(now)
    # Only the hours still in force or to come: every change of hours leaves the old rows as history.
    in_force = WorkingHours.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    practitioners = list(Practitioner.objects.active().prefetch_related(Prefetch("working_hours", queryset=in_force)))
    for p in practitioners:
        p.current_hours, p.future_hours = records.timetables(p.working_hours.all(), today=today)
    time_off = list(TimeOff.objects.filter(end__gt=now, practitioner__active=True).select_related("practitioner")
                    .order_by("start")[:100])
    closures = records.upcoming_closures(first=today, last=today + timedelta(days=UPCOMING_DAYS))
    # One query for every visit that clashes with upcoming time off or closures, matched in Python.
    clashes = _clashes(time_off, [c for c in closures if not c.statutory], now=now)
    for off in time_off:
        off.clashes = clashes.get(("off", off.pk), [])
    closures = [(c, clashes.get(("closure", c.day), [])) for c in closures]
    return render(request, "staff/schedules.html", {
        "practitioners": practitioners, "time_off": time_off, "closures": closures, "today": today,
        "time_off_form": time_off_form or TimeOffForm(prefix="off", initial={"start_date": today, "end_date": today}),
        "closure_form": closure_form or ClosureForm(prefix="closure"),
        "closing": closing,
        "error_list": error_list(time_off_form, closure_form),
    }, status=status)


def _clashes(time_off: list[TimeOff], closures: list[records.Closure], *, now) -> dict[tuple, list[Appointment]]:
    """The visits still booked in each upcoming time off (its practitioner's) and closure (anyone's).

    One query that reads only those visits (``visiting_any``). Reading every visit up to the last
    window instead, a closure months away brought back the whole future calendar, thousands of rows
    with their patients, to keep a handful."""
    windows: list[tuple[tuple, int | None, object, object]] = [
        (("off", off.pk), off.practitioner_id, max(off.start, now), off.end) for off in time_off]
    for closure in closures:
        start, end = schedules.local_range(first=closure.day, last=closure.day)
        windows.append((("closure", closure.day), None, max(start, now), end))
    windows = [w for w in windows if w[2] < w[3]]  # a time off ending now has nothing left to clash with
    if not windows:
        return {}
    found: dict[tuple, list[Appointment]] = {}
    visits = (Appointment.objects.active().visiting_any([window[1:] for window in windows])
              .select_related("patient", "practitioner").only(*CLASH_FIELDS).order_by("start", "pk"))
    for a in visits:
        for key, practitioner_id, start, end in windows:
            if (practitioner_id is None or a.practitioner_id == practitioner_id) and a.start < end and a.end > start:
                found.setdefault(key, []).append(a)
    return found


@staff_view(VIEW_HOURS)
@require_safe
def schedule_overview(request):
    return _schedules_page(request)


@staff_view(CHANGE_HOURS)
@require_http_methods(["GET", "POST"])
def edit_hours(request, practitioner):
    practitioner = get_object_or_404(Practitioner, slug=practitioner)
    today = timezone.localdate()
    if request.method == "POST":
        form = WeeklyHoursForm(request.POST, today=today)
        if form.is_valid():
            effective_from, days = form.cleaned_data["effective_from"], form.cleaned_data["timetable"]
            records.replace_weekly_hours(practitioner=practitioner, effective_from=effective_from, days=days)
            messages.success(request, f"New weekly hours saved for {practitioner.name}, from "
                                      f"{effective_from.day} {effective_from:%B %Y}.")
            outside = records.appointments_outside(practitioner=practitioner, effective_from=effective_from,
                                                   days=days)
            if outside:
                messages.warning(request, _still_booked(outside, "outside the new hours") + " They were not moved.")
            return redirect("staff:schedules")
        status = 400
    else:
        effective_from = parsing.parse_date(request.GET.get("from"))
        effective_from = effective_from if effective_from and effective_from >= today else today
        form = WeeklyHoursForm(
            initial=WeeklyHoursForm.initial_for(records.hours_on(practitioner=practitioner, day=effective_from),
                                                effective_from), today=today)
        status = 200
    current, future = records.timetables(practitioner.working_hours.all(), today=today)
    return render(request, "staff/schedule_hours.html", {
        "practitioner": practitioner, "form": form, "current": current, "future": future,
        "error_list": error_list(form, labels=False),
    }, status=status)


@staff_view(ADD_TIME_OFF)
@require_POST
def add_time_off(request):
    form = TimeOffForm(request.POST, prefix="off")
    if not form.is_valid():
        return _schedules_page(request, time_off_form=form, status=400)
    data = form.cleaned_data
    try:
        time_off, clashes = records.add_time_off(practitioner=data["practitioner"], start=data["start"],
                                                 end=data["end"], reason=data["reason"], submission=data["submission"])
    except IntegrityError as error:
        if violated_constraint(error) != TimeOff.SENT_ONCE:
            raise
        messages.info(request, "That form was sent twice: the time off is saved once.")
        return redirect(reverse("staff:schedules") + "#time-off")
    span = _span(time_off.start, time_off.end)
    messages.success(request, f"Time off saved for {time_off.practitioner.name} from {span}: "
                              "those times are no longer offered.")
    if clashes:
        messages.warning(request, _still_booked(clashes, "in this time off") + " Rebook them from the list below.")
    return redirect(reverse("staff:schedules") + "#time-off")


@staff_view(ADD_CLOSURE)
@require_POST
def add_closure(request):
    form = ClosureForm(request.POST, prefix="closure")
    if not form.is_valid():
        return _schedules_page(request, closure_form=form, status=400)
    day = form.cleaned_data["date"]
    booked = records.visits_on(day)
    if booked and request.POST.get("confirm") != "yes":
        # Ask first: closing does not cancel anyone, so staff should know whom they will rebook.
        return _schedules_page(request, closure_form=form, closing={
            "day": day, "name": form.cleaned_data["name"], "visits": booked})
    try:
        with transaction.atomic():
            closure = form.save()
    except IntegrityError:  # added by someone else between the check and the save
        form.add_error("date", "The clinic is already closed on that day.")
        return _schedules_page(request, closure_form=form, status=400)
    messages.success(request, f"The clinic is closed on {closure.date.day} {closure.date:%B %Y} ({closure.name}). "
                              "No times are offered that day.")
    clashes = records.visits_on(closure.date)  # again: one may have been booked while staff read the list
    if clashes:
        messages.warning(request, _still_booked(clashes, "on that day") + " Rebook them from the list below.")
    return redirect(reverse("staff:schedules") + "#closures")


def _removal_page(request, *, title: str, what: str, consequence: str, cancel_anchor: str):
    return render(request, "staff/schedule_remove.html", {
        "title": title, "what": what, "consequence": consequence,
        "cancel_url": reverse("staff:schedules") + cancel_anchor})


# Removing is two POSTs: the Remove button asks (this page), the confirmation removes. A second
# removal of the same row (a double click, two desks at once) says so instead of a 404 page.
@staff_view(DELETE_TIME_OFF)
@require_POST
def remove_time_off(request, pk):
    """Ask, then remove time off entered by mistake or cancelled: its times are offered again."""
    back = redirect(reverse("staff:schedules") + "#time-off")
    off = TimeOff.objects.select_related("practitioner").filter(pk=pk).first()
    if off is None:
        messages.info(request, "That time off was already removed.")
        return back
    span = _span(off.start, off.end)
    if off.end <= timezone.now():
        messages.error(request, f"{off.practitioner.name}'s time off from {span} is over: it stays on record.")
        return back
    if request.POST.get("confirm") != "yes":
        return _removal_page(
            request, title="Remove this time off?", cancel_anchor="#time-off",
            what=format_html("<bdi>{}</bdi>: {}{}", off.practitioner.name, span,
                             format_html(" (<bdi>{}</bdi>)", off.reason) if off.reason else ""),
            consequence=f"{off.practitioner.name}'s free times in it are offered again, online too.")
    off.delete()
    messages.success(request, f"{off.practitioner.name}'s time off from {span} is removed: those times are "
                              "offered again.")
    return back


@staff_view(DELETE_CLOSURE)
@require_POST
def remove_closure(request, pk):
    """Ask, then reopen a day the staff closed (statutory holidays are not stored, so never removed)."""
    back = redirect(reverse("staff:schedules") + "#closures")
    closed = ClinicClosure.objects.filter(pk=pk).first()
    if closed is None:
        messages.info(request, "That closure was already removed.")
        return back
    day = f"{closed.date:%A} {closed.date.day} {closed.date:%B %Y}"
    if closed.date < timezone.localdate():
        messages.error(request, f"The closure on {day} is over: it stays on record.")
        return back
    if request.POST.get("confirm") != "yes":
        return _removal_page(request, title="Open the clinic again that day?", cancel_anchor="#closures",
                             what=format_html("{}: <bdi>{}</bdi>", day, closed.name),
                             consequence="Every practitioner's free times that day are offered again, online too.")
    closed.delete()
    messages.success(request, f"The clinic is open again on {day}: its free times are offered again.")
    return back
