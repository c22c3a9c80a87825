"""Report pages of the staff area: listed in booking/staff/urls.py (namespace "staff"), so the staff
URL walker (tests/booking/staff/test_access.py) covers each of them."""

from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/visits.csv", views.reports_csv, name="reports-csv"),
    path("reports/money.csv", views.reports_money_csv, name="reports-money-csv"),
]
