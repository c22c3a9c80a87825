"""The staff area, mounted at /staff/ (namespace "staff").

tests/booking/test_staff_access.py walks every pattern here: add a URL and it is covered.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import staff, staff_calendar, staff_records

app_name = "staff"

urlpatterns = [
    # sign-in (public by nature; throttled by django-axes)
    path("login/", staff.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("staff:login")), name="logout"),
    path("password/", staff.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", staff.PasswordChangeDoneView.as_view(), name="password-change-done"),
    # the day's work
    path("", staff.today, name="today"),
    path("day/", staff_calendar.day, name="day"),
    path("week/", staff_calendar.week, name="week"),
    # one appointment
    path("appointments/new/", staff_records.new_appointment, name="appointment-new"),
    path("appointments/<str:reference>/", staff.appointment_detail, name="appointment-detail"),
    path("appointments/<str:reference>/confirm/", staff.confirm, name="appointment-confirm"),
    path("appointments/<str:reference>/decline/", staff.decline, name="appointment-decline"),
    path("appointments/<str:reference>/cancel/", staff.cancel, name="appointment-cancel"),
    path("appointments/<str:reference>/arrived/", staff.arrived, name="appointment-arrived"),
    path("appointments/<str:reference>/completed/", staff.completed, name="appointment-completed"),
    path("appointments/<str:reference>/no-show/", staff.no_show, name="appointment-no-show"),
    path("appointments/<str:reference>/note/", staff.staff_note, name="appointment-note"),
    path("appointments/<str:reference>/reschedule/", staff.reschedule, name="appointment-reschedule"),
    # records
    path("patients/", staff_records.patient_list, name="patient-list"),
    path("patients/<int:pk>/", staff_records.patient_detail, name="patient-detail"),
    path("schedules/", staff_records.schedules, name="schedules"),
    path("schedules/<slug:practitioner>/hours/", staff_records.edit_hours, name="schedule-hours"),
    path("schedules/time-off/", staff_records.add_time_off, name="time-off-add"),
    path("schedules/closures/", staff_records.add_closure, name="closure-add"),
    path("export/", staff_records.export, name="export"),
]
