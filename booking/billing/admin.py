"""The fee policy in the admin (clinic admins: view and change). Invoices, payments and credits are
not in the admin on purpose: they are corrected by voids and credits through the staff pages, never
edited, and those pages apply the "own patients only" rule."""

from django.contrib import admin

from .models import FeePolicy


@admin.register(FeePolicy)
class FeePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "notice_hours", "late_cancel_percent", "no_show_percent"]
    fields = ["enabled", "notice_hours", "late_cancel_percent", "no_show_percent", "patient_text"]
    readonly_fields = ["patient_text"]

    @admin.display(description="What patients read")
    def patient_text(self, policy: FeePolicy) -> str:
        return policy.patient_text or "(Fees are off: patients read nothing about fees.)"

    def has_add_permission(self, request):
        return False  # the one row (pk 1) is made by the migration; FeePolicy.load() reads it

    def has_delete_permission(self, request, obj=None):
        return False
