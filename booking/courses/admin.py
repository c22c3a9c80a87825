"""The payer rules in the admin (clinic admins). Courses themselves are patient data and live on the
staff pages, which apply the "own patients only" rule; they are not in the admin."""

from django.contrib import admin

from .models import PayerRule


@admin.register(PayerRule)
class PayerRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "payer", "max_visits", "window", "window_days", "valid_from", "valid_until"]
    list_filter = ["payer"]
