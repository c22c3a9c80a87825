"""Staff records: phone bookings, patients, schedules, export.

Views parse, call (``services`` for bookings, ``staff/records.py`` for the rest), render.
Every state change is a POST through those functions; bad input re-renders the page with the
message next to the field, an error summary at the top, and everything typed kept.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ... import parsing, schedules, services
from ...forms import error_list
from ...models import Appointment, Patient, Practitioner, Service, TimeOff
from ...templatetags.booking_tags import local_time, local_when
from .. import records
from ..access import (
    ADD_CLOSURE,
    ADD_TIME_OFF,
    CHANGE_HOURS,
    EXPORT,
    MANAGE,
    VIEW_HOURS,
    VIEW_PATIENTS,
    sees_all,
    staff_view,
    visible_appointments,
    visible_patients,
)
from ..forms import (
    ClosureForm,
    ExportForm,
    PhoneBookingForm,
    StaffPatientForm,
    TimeOffForm,
    WeeklyHoursForm,
)

PATIENTS_PER_PAGE = 25
SEARCH_MATCHES = 20
UPCOMING_DAYS = 365


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


# --- 1. a new appointment from a phone call ---------------------------------------------------
def _chosen(data, today: date):
    """Service, practitioner and day read leniently from a query string or a POST (never a 500)."""
    services_qs = Service.objects.filter(active=True)
    service = services_qs.filter(pk=parsing.parse_int(data.get("service"))).first() or services_qs.first()
    practitioner = Practitioner.objects.active().filter(pk=parsing.parse_int(data.get("practitioner"))).first()
    day = parsing.parse_date(data.get("goto")) or parsing.parse_date(data.get("day")) or today
    return service, practitioner, day


@staff_view(MANAGE)
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def new_appointment(request):
    """Find or create the patient, pick a free time (or override the hours), book: confirmed at once."""
    now = timezone.now()
    today = timezone.localdate(now)
    data = request.POST if request.method == "POST" else request.GET
    visible = visible_patients(request.user)
    patient = visible.filter(pk=parsing.parse_int(data.get("patient"))).first()
    query = request.GET.get("q", "").strip()[:records.MAX_SEARCH_LENGTH]
    matches = list(records.search_patients(query=query, queryset=visible)[:SEARCH_MATCHES]) if query else None
    manual = data.get("action") == "manual"
    wants_booking = request.method == "POST" and (manual or data.get("start")) and not (
        data.get("goto") or data.get("action") == "times")
    status = 200
    if wants_booking:
        form = PhoneBookingForm(request.POST, manual=manual, now=now)
        patient_form = None if patient else StaffPatientForm(request.POST)
        valid = form.is_valid() & (patient_form is None or patient_form.is_valid())
        if valid:
            booked = _book(request, form, patient, patient_form, now=now, manual=manual)
            if isinstance(booked, Appointment):
                messages.success(request, f"{booked.reference} booked and confirmed: {booked.patient.full_name}, "
                                          f"{local_when(booked.start)} with {booked.practitioner.name}.")
                return redirect("staff:appointment-detail", reference=booked.reference)
            status = booked
        else:
            status = 400
    else:
        # Showing times (or the first visit): nothing is validated yet, so no error is shown;
        # what was typed is carried over as initial values.
        initial = data.dict()
        initial.pop("start", None)
        form = PhoneBookingForm(initial=initial, now=now)
        patient_form = None if patient else StaffPatientForm(initial=initial)
    service, practitioner, day = _chosen(data, today)
    if not form.is_bound:
        form.initial.update(service=service, practitioner=practitioner, day=day)
    offers = bool(service and practitioner and practitioner.services.filter(pk=service.pk).exists())
    slots = schedules.available_slots(service=service, practitioner=practitioner, first=day, last=day, now=now,
                                      rules=schedules.staff_rules()) if offers else []
    return render(request, "staff/appointment_new.html", {
        "form": form, "patient_form": patient_form, "patient": patient, "query": query, "matches": matches,
        "service": service, "practitioner": practitioner, "offers": offers, "day": day, "slots": slots,
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1), "today": today,
        "existing": getattr(patient_form, "existing", None),
        "error_list": error_list(patient_form, form, anchors={"start": "free-times"}),
    }, status=status)


def _book(request, form: PhoneBookingForm, patient: Patient | None, patient_form: StaffPatientForm | None, *,
          now, manual: bool) -> Appointment | int:
    """Create the patient (if new) and the appointment in one transaction; on refusal, say why on the form."""
    data = form.cleaned_data
    override = manual and data["override"]
    start, practitioner, service = data["start"], data["practitioner"], data["service"]
    field = "manual_time" if manual else "start"
    try:
        with transaction.atomic():  # a refused booking leaves no new patient behind
            if patient is None:
                patient = services.find_or_create_patient(**patient_form.patient_data())
            appointment, _ = services.book_appointment(
                service=service, practitioner=practitioner, patient=patient, start=start, now=now,
                insurance=form.insurance_data(), screening=None, patient_note=data["patient_note"],
                contact_phone=patient.phone, source=Appointment.Source.STAFF, actor=request.user,
                allow_outside_hours=override,
            )
    except services.SlotTaken as error:
        message = str(error)
        if manual and not override and not Appointment.objects.active().filter(practitioner=practitioner).overlapping(
                start, start + service.duration + service.buffer).exists():
            message = (f"{local_when(start)} is not one of {practitioner.name}'s free times (outside working "
                       "hours, time off or a closure). Tick “Book outside working hours” to book it anyway.")
        form.add_error(field, message)
        return 409
    except services.BookingError as error:
        form.add_error(field, str(error))
        return 400
    except IntegrityError:  # the same email added by someone else a moment ago
        message = "A patient with this email was added a moment ago: search for them."
        (patient_form or form).add_error("email" if patient_form else None, message)
        return 409
    return appointment


# --- 2. patients ------------------------------------------------------------------------------
@staff_view(VIEW_PATIENTS)
@require_safe
def patient_list(request):
    query = request.GET.get("q", "").strip()[:records.MAX_SEARCH_LENGTH]
    patients = records.with_visit_summary(records.search_patients(query=query,
                                                                   queryset=visible_patients(request.user)))
    page = Paginator(patients.order_by("last_name", "first_name", "pk"), PATIENTS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "staff/patient_list.html", {"page": page, "query": query})


@staff_view(VIEW_PATIENTS)
@require_safe
def patient_detail(request, pk):
    patient = get_object_or_404(Patient, pk=pk)
    appointments = list(visible_appointments(request.user, patient.appointments.all()).select_related(
        "service", "practitioner", "insurance", "screening").order_by("-start", "-pk"))
    if not appointments and not sees_all(request.user):
        raise PermissionDenied  # a practitioner reaches only patients who have seen them
    insurance = []
    seen = set()
    for a in appointments:
        note = getattr(a, "insurance", None)
        if note is not None and note.kind != note.Kind.SELF_PAY and note.summary not in seen:
            seen.add(note.summary)
            insurance.append((note, a))
    return render(request, "staff/patient_detail.html", {
        "patient": patient, "appointments": appointments, "insurance_notes": insurance,
        "flags": records.patient_flags(appointments), "can_manage": request.user.has_perm(MANAGE),
    })


# --- 3. schedules -----------------------------------------------------------------------------
def _schedules_page(request, *, time_off_form=None, closure_form=None, status=200):
    now = timezone.now()
    today = timezone.localdate(now)
    practitioners = list(Practitioner.objects.active().prefetch_related("working_hours"))
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
        "error_list": error_list(time_off_form, closure_form),
    }, status=status)


def _clashes(time_off: list[TimeOff], closures: list[records.Closure], *, now) -> dict[tuple, list[Appointment]]:
    windows: list[tuple[tuple, int | None, object, object]] = [
        (("off", off.pk), off.practitioner_id, off.start, off.end) for off in time_off]
    for closure in closures:
        start, end = schedules.local_range(first=closure.day, last=closure.day)
        windows.append((("closure", closure.day), None, start, end))
    if not windows:
        return {}
    latest = max(end for *_, end in windows)
    found: dict[tuple, list[Appointment]] = {}
    for a in Appointment.objects.active().visiting(now, latest).select_related(
            "patient", "practitioner").order_by("start"):
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
    time_off, clashes = records.add_time_off(practitioner=data["practitioner"], start=data["start"],
                                             end=data["end"], reason=data["reason"])
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
    try:
        with transaction.atomic():
            closure = form.save()
    except IntegrityError:  # added by someone else between the check and the save
        form.add_error("date", "The clinic is already closed on that day.")
        return _schedules_page(request, closure_form=form, status=400)
    messages.success(request, f"The clinic is closed on {closure.date.day} {closure.date:%B %Y} ({closure.name}). "
                              "No times are offered that day.")
    start, end = schedules.local_range(first=closure.date, last=closure.date)
    clashes = list(Appointment.objects.active().visiting(start, end).select_related("patient"))
    if clashes:
        messages.warning(request, _still_booked(clashes, "on that day") + " Rebook them from the list below.")
    return redirect(reverse("staff:schedules") + "#closures")


# --- 5. export --------------------------------------------------------------------------------
@staff_view(EXPORT)
@require_safe
def export(request):
    if not {"first_day", "last_day"} & set(request.GET):
        today = timezone.localdate()
        form = ExportForm(initial={"first_day": today.replace(day=1), "last_day": today})
        return render(request, "staff/export.html", {"form": form, "error_list": []})
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "staff/export.html", {"form": form, "error_list": error_list(form)}, status=400)
    first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
    appointments = visible_appointments(request.user, records.export_appointments(first=first, last=last))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointments-{first}-to-{last}.csv"'
    response.write("\ufeff")  # a byte-order mark, so Excel reads accented names as UTF-8
    csv.writer(response).writerows(records.export_rows(appointments.iterator(chunk_size=500)))
    return response
