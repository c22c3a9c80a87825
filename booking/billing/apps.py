from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "booking.billing"
    label = "billing"
    verbose_name = "Billing"
