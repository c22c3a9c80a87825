from django.contrib import admin

from .models import ClinicProfile


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        ("Where", {"fields": ["street_address", "city", "province", "postal_code", "map_url"]}),
        ("Contact", {"fields": ["phone", "email", "privacy_officer"]}),
        ("Hours and policies", {"fields": ["hours_text", "opening_hours_spec", "cancellation_policy"]}),
    ]

    def has_add_permission(self, request):
        return not ClinicProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
