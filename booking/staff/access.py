"""Who may see and do what in the staff area: the permission names and the one visibility rule.

Every staff view is wrapped in ``staff_view``: signed in (else redirect to sign-in), holding the
role's permissions (else 403), and answered with ``Cache-Control: no-store`` because the pages
carry health information. Front desk and clinic admins see every patient; a practitioner sees
their own patients only: ``details_checker`` for one appointment at a time, ``visible_appointments``
and ``visible_patients`` for querysets. Nothing else spells that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.cache import add_never_cache_headers, patch_cache_control

from clinic.text import clean_text

from ..models import Appointment, Patient

# Custom permissions (booking.models.Appointment.Meta.permissions) ...
STAFF_AREA = "booking.use_staff_area"
MANAGE = "booking.manage_appointments"
ALL_DETAILS = "booking.view_all_patient_details"
EXPORT = "booking.export_appointments"
MARK_ATTENDANCE = "booking.mark_attendance"  # arrived, completed, no-show (a practitioner: own visits)
VISIT_NOTES = "booking.view_visit_notes"  # practitioners and clinic admins, never the front desk
# Billing (booking/billing/models.py): the front desk takes money; only clinic admins see money reports.
TAKE_PAYMENTS = "billing.take_payments"
VIEW_INVOICES = "billing.view_invoice"
VIEW_REPORTS = "billing.view_reports"
# ... and Django's model permissions that the roles hand out (booking/migrations/0004_staff_roles.py).
VIEW_PATIENTS = "booking.view_patient"
VIEW_HOURS = "booking.view_workinghours"
CHANGE_HOURS = "booking.change_workinghours"
ADD_TIME_OFF = "booking.add_timeoff"
DELETE_TIME_OFF = "booking.delete_timeoff"
ADD_CLOSURE = "booking.add_clinicclosure"
DELETE_CLOSURE = "booking.delete_clinicclosure"  # the front desk's since booking/migrations/0008


def staff_view(*perms: str):
    """Require sign-in and ``use_staff_area`` plus ``perms``; never let a cache keep the page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perms((STAFF_AREA, *perms)):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
            return response

        wrapper.staff_permissions = (STAFF_AREA, *perms)
        return wrapper

    return decorator


def sees_all(user) -> bool:
    """Front desk and clinic admins: every practitioner's patients."""
    return user.has_perm(ALL_DETAILS)


def own_practitioner_id(user) -> int | None:
    practitioner = getattr(user, "practitioner", None)
    return practitioner.pk if practitioner is not None else None


def details_checker(user) -> Callable[[Appointment], bool]:
    """``can_see_details`` for one user and many appointments: the permission is looked up once."""
    if sees_all(user):
        return lambda appointment: True
    own = own_practitioner_id(user)
    return lambda appointment: own is not None and appointment.practitioner_id == own


def can_see_details(user, appointment: Appointment) -> bool:
    return details_checker(user)(appointment)


def require_details(user, appointment: Appointment) -> None:
    if not can_see_details(user, appointment):
        raise PermissionDenied


def visible_appointments(user, appointments: QuerySet[Appointment] | None = None) -> QuerySet[Appointment]:
    """The appointments whose patient details ``user`` may see."""
    appointments = appointments if appointments is not None else Appointment.objects.all()
    return appointments if sees_all(user) else appointments.of_practitioner(own_practitioner_id(user))


def visible_patients(user, patients: QuerySet[Patient] | None = None) -> QuerySet[Patient]:
    """Everyone for front desk and admins; a practitioner's own patients (any visit with them) otherwise."""
    patients = patients if patients is not None else Patient.objects.all()
    if sees_all(user):
        return patients
    own = Appointment.objects.of_practitioner(own_practitioner_id(user)).values("patient_id")
    return patients.filter(pk__in=own)


def axes_username(request, credentials=None) -> str:
    """The username django-axes records for a sign-in attempt: as typed, but capped at Django's
    150-character limit and free of control characters, so hostile input can't break the insert."""
    raw = (credentials or {}).get("username") if credentials else None
    if raw is None:
        raw = request.POST.get("username", "")
    return clean_text(str(raw), 150)
