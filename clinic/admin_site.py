"""The admin site: Django's, with one guard that every model's list shares.

``ClinicAdminConfig`` takes the place of ``django.contrib.admin`` in ``INSTALLED_APPS``, so every
``admin.register`` (ours, Django's users and groups, the task queue's) goes through ``ClinicAdminSite``.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import models

logger = logging.getLogger(__name__)


class ChecksLookups:
    """A filter in the address that fails only once its query is built (a year 0 or 10000 on a date
    field, a 20-digit year) gets Django's own answer to a bad lookup, the whole list, with a message,
    not a 500. Django turns the lookups it can check early into that answer already.

    Also: dates are typed within the site's bounds (1900-2199, ``booking.forms.DateField``; a closure
    on 9999-12-31 could be saved and then never removed: the day after it does not exist); an empty
    ``_to_field`` in the address is no field at all; and an action on a selection that is not an id
    ("x", "1.5") gets Django's answer to an empty selection."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
            from booking.forms import DateField  # the admin site loads before the apps' models

            kwargs.setdefault("form_class", DateField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_object(self, request, object_id, from_field=None):
        return super().get_object(request, object_id, from_field or None)

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except (ValueError, ValidationError):
            self.message_user(request, "Items must be selected in order to perform actions on them. No items have "
                                       "been changed.", messages.WARNING)
            return None

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as error:
            # The error's text holds what was typed: only its kind is logged.
            logger.warning("admin list of %s: a filter could not be used (%s)", self.opts.label,
                           type(error).__name__)
            messages.error(request, "That filter could not be used (a date or number out of range), "
                                    "so the whole list is shown.")
            raise IncorrectLookupParameters(error) from error


class ClinicAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChecksLookups):
            admin_class = type(admin_class.__name__, (ChecksLookups, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})
        return super().register(model_or_iterable, admin_class, **options)


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
