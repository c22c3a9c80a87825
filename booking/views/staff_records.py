"""Staff records: phone bookings, patients, schedules, export."""

from django.http import HttpResponse

from ..staff_access import EXPORT, MANAGE, staff_view


@staff_view(MANAGE)
def new_appointment(request):
    return HttpResponse("New appointment: coming soon")


@staff_view("booking.view_patient")
def patient_list(request):
    return HttpResponse("Patients: coming soon")


@staff_view("booking.view_patient")
def patient_detail(request, pk):
    return HttpResponse("Patient: coming soon")


@staff_view("booking.view_workinghours")
def schedules(request):
    return HttpResponse("Schedules: coming soon")


@staff_view("booking.change_workinghours")
def edit_hours(request, practitioner):
    return HttpResponse("Hours: coming soon")


@staff_view("booking.add_timeoff")
def add_time_off(request):
    return HttpResponse("Time off: coming soon")


@staff_view("booking.add_clinicclosure")
def add_closure(request):
    return HttpResponse("Closures: coming soon")


@staff_view(EXPORT)
def export(request):
    return HttpResponse("Export: coming soon")
