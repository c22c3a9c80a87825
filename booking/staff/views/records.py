"""Staff records: phone bookings, patients, export (schedules: ``views/schedules.py``).

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
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from ... import parsing, schedules, services
from ...billing.models import ZERO
from ...courses import limits
from ...courses.models import Course
from ...forms import error_list
from ...models import Appointment, Patient, Practitioner, Service
from ...templatetags.booking_tags import local_when
from .. import records
from ..access import (
    EXPORT,
    MANAGE,
    VIEW_INVOICES,
    VIEW_PATIENTS,
    own_practitioner_id,
    sees_all,
    staff_view,
    visible_appointments,
    visible_patients,
)
from ..forms import ExportForm, PhoneBookingForm, StaffPatientForm, StaffScreeningForm

PATIENTS_PER_PAGE = 25
SEARCH_MATCHES = 20


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
        screening_form = StaffScreeningForm(request.POST, prefix="s", optional=True)
        valid = form.is_valid() & (patient_form is None or patient_form.is_valid()) & screening_form.is_valid()
        if valid:
            booked = _book(request, form, patient, patient_form, screening_form.screening_data(), now=now,
                           manual=manual)
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
        if patient is not None and "kind" not in initial:
            initial.update(PhoneBookingForm.initial_payer(patient))
        form = PhoneBookingForm(initial=initial, now=now)
        patient_form = None if patient else StaffPatientForm(initial=initial)
        screening_form = StaffScreeningForm(prefix="s", optional=True,
                                            initial={k[2:]: v for k, v in initial.items() if k.startswith("s-")})
    service, practitioner, day = _chosen(data, today)
    if not form.is_bound:
        form.initial.update(service=service, practitioner=practitioner, day=day)
    offers = bool(service and practitioner and practitioner.services.filter(pk=service.pk).exists())
    slots = schedules.available_slots(service=service, practitioner=practitioner, first=day, last=day, now=now,
                                      rules=schedules.staff_rules()) if offers else []
    return render(request, "staff/appointment_new.html", {
        "form": form, "patient_form": patient_form, "screening_form": screening_form, "patient": patient,
        "query": query, "matches": matches,
        "service": service, "practitioner": practitioner, "offers": offers, "day": day, "slots": slots,
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1), "today": today,
        "existing": getattr(patient_form, "existing", None),
        "payer_counts": _payer_counts(patient, day),
        "error_list": error_list(patient_form, form, screening_form, anchors={"start": "free-times"}),
    }, status=status)


def _payer_counts(patient: Patient | None, day: date) -> list:
    """The patient's open IMS courses with a payer limit, counted as on the day being booked."""
    if patient is None:
        return []
    courses = list(Course.objects.open().filter(patient=patient))
    counts = limits.payer_statuses(courses, on=day, upcoming=[day])
    return [(course, counts[course.pk]) for course in courses if counts[course.pk] is not None]


def _book(request, form: PhoneBookingForm, patient: Patient | None, patient_form: StaffPatientForm | None,
          screening: dict | None, *, now, manual: bool) -> Appointment | int:
    """Create the patient (if new) and the appointment in one transaction; on refusal, say why on the form."""
    data = form.cleaned_data
    override = manual and data["override"]
    start, practitioner, service = data["start"], data["practitioner"], data["service"]
    field = "manual_time" if manual else "start"
    # The override is for working hours only: time off and closures are named, never booked over.
    refusal = manual and records.override_refusal(practitioner=practitioner, start=start,
                                                  end=start + service.duration + service.buffer)
    if refusal:
        form.add_error(field, refusal)
        return 409
    try:
        with transaction.atomic():  # a refused booking leaves no new patient behind
            new_patient = False
            if patient is None:
                patient, new_patient = services.find_or_create_patient(**patient_form.patient_data())
            appointment, _ = services.book_appointment(
                service=service, practitioner=practitioner, patient=patient, start=start, now=now,
                insurance=form.insurance_data(), screening=screening, patient_note=data["patient_note"],
                contact_phone=patient.phone, source=Appointment.Source.STAFF, actor=request.user,
                allow_outside_hours=override, spacing_override=data["spacing_override"], new_patient=new_patient,
                savepoint=False,  # a refusal rolls this whole block back
            )
    except services.SlotTaken as error:
        message = str(error)
        if manual and not override and not Appointment.objects.active().filter(practitioner=practitioner).overlapping(
                start, start + service.duration + service.buffer).exists():
            message = (f"{local_when(start)} is outside {practitioner.name}'s working hours. Tick “Book "
                       "outside working hours” to book it anyway.")
        form.add_error(field, message)
        return 409
    except services.TooClose as error:
        form.add_error("spacing_override", str(error))
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
    patients = records.with_visit_summary(
        records.search_patients(query=query, queryset=visible_patients(request.user)),
        practitioner_id=None if sees_all(request.user) else own_practitioner_id(request.user))
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
    invoices = owing_invoices = owing = None
    statement_years: list[int] = []
    if request.user.has_perm(VIEW_INVOICES):  # money only for those who see invoices (never a practitioner)
        shown = {a.pk for a in appointments}
        invoices = [i for i in patient.invoices.order_by("-issued_at", "-number") if i.appointment_id in shown]
        owing_invoices = [i for i in invoices if i.balance]
        owing = sum((i.balance for i in owing_invoices), ZERO)
        statement_years = sorted({i.service_date.year for i in invoices
                                  if not i.voided and i.amount_paid and i.kind == i.Kind.VISIT},
                                 reverse=True)
    return render(request, "staff/patient_detail.html", {
        "patient": patient, "appointments": appointments, "insurance_notes": insurance,
        "flags": records.patient_flags(appointments), "can_manage": request.user.has_perm(MANAGE),
        "invoices": invoices, "owing_invoices": owing_invoices, "owing": owing, "statement_years": statement_years,
    })


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
