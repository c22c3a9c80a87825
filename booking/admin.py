"""The Django admin for booking data, under the same patient-privacy rule as the front desk.

Appointments and patients are listed through ``booking.staff.access`` (``visible_appointments`` and
``visible_patients``): a practitioner who may open the admin still sees only their own patients, in the
list, the search and the change page alike. Manage-token hashes are never shown to anyone.
"""

from django.contrib import admin

from .models import (
    Appointment,
    AppointmentEvent,
    ClinicClosure,
    InsuranceNote,
    Patient,
    Practitioner,
    Screening,
    Service,
    TimeOff,
    WorkingHours,
)
from .staff.access import visible_appointments, visible_patients


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "price", "bookable_online", "active"]
    prepopulated_fields = {"slug": ["name"]}


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 1

    def get_queryset(self, request):
        # Each row's name (WorkingHours.__str__) names the practitioner: one query per row without this.
        return super().get_queryset(request).select_related("practitioner")


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]
    inlines = [WorkingHoursInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone"]
    search_fields = ["last_name", "first_name", "email", "phone"]

    def get_queryset(self, request):
        return visible_patients(request.user, super().get_queryset(request))


class InsuranceInline(admin.StackedInline):
    model = InsuranceNote
    extra = 0


class ScreeningInline(admin.StackedInline):
    model = Screening
    extra = 0


class EventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor_label", "action", "from_status", "to_status", "details"]
    exclude = ["actor"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the front desk so rules and history apply."""

    list_display = ["reference", "start", "practitioner", "service", "patient", "status", "source"]
    list_filter = ["status", "source", "practitioner"]
    search_fields = ["reference", "patient__last_name", "patient__email"]
    date_hierarchy = "start"
    # The hash of a manage token is a credential: never on a page, not even read-only.
    exclude = ["manage_token_hash"]
    readonly_fields = [f.name for f in Appointment._meta.fields if f.name not in ("staff_note", "manage_token_hash")]
    inlines = [InsuranceInline, ScreeningInline, EventInline]

    def get_queryset(self, request):
        return visible_appointments(request.user, super().get_queryset(request))

    def has_add_permission(self, request):
        return False
