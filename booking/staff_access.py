"""Who may see and do what in the staff area.

Every staff view is wrapped in ``staff_view``: signed in (else redirect to sign-in), holding the
role's permission (else 403), and answered with ``Cache-Control: no-store`` because the pages
carry health information. ``can_see_details`` narrows a Practitioner to their own patients.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .models import Appointment

STAFF_AREA = "booking.use_staff_area"
MANAGE = "booking.manage_appointments"
ALL_DETAILS = "booking.view_all_patient_details"
EXPORT = "booking.export_appointments"


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


def can_see_details(user, appointment: Appointment) -> bool:
    """Front desk and clinic admins see everyone; a practitioner sees their own patients only."""
    return details_checker(user)(appointment)


def details_checker(user) -> Callable[[Appointment], bool]:
    """``can_see_details`` for one user and many appointments: the permission is looked up once."""
    if user.has_perm(ALL_DETAILS):
        return lambda appointment: True
    practitioner = getattr(user, "practitioner", None)
    own = practitioner.pk if practitioner is not None else None
    return lambda appointment: own is not None and appointment.practitioner_id == own


def require_details(user, appointment: Appointment) -> None:
    if not can_see_details(user, appointment):
        raise PermissionDenied


def axes_username(request, credentials=None) -> str:
    """The username django-axes records for a sign-in attempt: as typed, but capped at Django's
    150-character limit and free of control characters, so hostile input can't break the insert."""
    from .forms import clean_text

    raw = (credentials or {}).get("username") if credentials else None
    if raw is None:
        raw = request.POST.get("username", "")
    return clean_text(str(raw), 150)
