"""The front desk, mounted at /staff/ (namespace "staff").

tests/booking/staff/test_access.py walks every pattern here: add a URL and it is covered.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from ..billing import urls as billing_urls
from ..courses import urls as course_urls
from ..reports import urls as report_urls
from .views import calendar, daysheet, desk, records, schedules, visits, waitlist

app_name = "staff"

urlpatterns = [
    # sign-in (public by nature; throttled by django-axes)
    path("login/", desk.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("staff:login")), name="logout"),
    path("password/", desk.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", desk.PasswordChangeDoneView.as_view(), name="password-change-done"),
    # the day's work
    path("", desk.today, name="today"),
    path("day/", calendar.day, name="day"),
    path("week/", calendar.week, name="week"),
    path("day-sheet/", daysheet.day_sheet, name="day-sheet"),
    path("reconciliation/", daysheet.reconciliation, name="reconciliation"),
    # one appointment
    path("appointments/new/", records.new_appointment, name="appointment-new"),
    path("appointments/<str:reference>/", desk.appointment_detail, name="appointment-detail"),
    path("appointments/<str:reference>/confirm/", desk.confirm, name="appointment-confirm"),
    path("appointments/<str:reference>/decline/", desk.decline, name="appointment-decline"),
    path("appointments/<str:reference>/cancel/", desk.cancel, name="appointment-cancel"),
    path("appointments/<str:reference>/arrived/", desk.arrived, name="appointment-arrived"),
    path("appointments/<str:reference>/completed/", desk.completed, name="appointment-completed"),
    path("appointments/<str:reference>/no-show/", desk.no_show, name="appointment-no-show"),
    path("appointments/<str:reference>/undo/", desk.undo_mark, name="appointment-undo"),
    path("appointments/<str:reference>/screening/", desk.screening, name="appointment-screening"),
    path("appointments/<str:reference>/note/", desk.staff_note, name="appointment-note"),
    path("appointments/<str:reference>/reschedule/", desk.reschedule, name="appointment-reschedule"),
    path("appointments/<str:reference>/visit-note/", visits.visit_note, name="appointment-visit-note"),
    # records
    path("patients/", records.patient_list, name="patient-list"),
    path("patients/<int:pk>/", records.patient_detail, name="patient-detail"),
    path("schedules/", schedules.schedule_overview, name="schedules"),
    path("schedules/<slug:practitioner>/hours/", schedules.edit_hours, name="schedule-hours"),
    path("schedules/time-off/", schedules.add_time_off, name="time-off-add"),
    path("schedules/time-off/<int:pk>/remove/", schedules.remove_time_off, name="time-off-remove"),
    path("schedules/closures/", schedules.add_closure, name="closure-add"),
    path("schedules/closures/<int:pk>/remove/", schedules.remove_closure, name="closure-remove"),
    path("export/", records.export, name="export"),
    # the waitlist
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/<int:pk>/remove/", waitlist.remove, name="waitlist-remove"),
    path("waitlist/offer/", waitlist.offer, name="waitlist-offer"),
    # billing: check-out, invoices, payments, receipts (booking/billing/urls.py)
    *billing_urls.urlpatterns,
    # IMS courses (booking/courses/urls.py)
    *course_urls.urlpatterns,
    # reports (booking/reports/urls.py)
    *report_urls.urlpatterns,
]
