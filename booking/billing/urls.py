"""Billing pages of the front desk: listed in booking/staff/urls.py (namespace "staff"), so the staff
URL walker (tests/booking/staff/test_access.py) covers each of them."""

from django.urls import path

from . import views

urlpatterns = [
    path("appointments/<str:reference>/check-out/", views.check_out, name="appointment-check-out"),
    path("appointments/<str:reference>/fee/charge/", views.charge_fee, name="appointment-fee-charge"),
    path("appointments/<str:reference>/fee/waive/", views.waive_fee, name="appointment-fee-waive"),
    path("patients/<int:pk>/statement/<int:year>/", views.statement, name="patient-statement"),
    path("patients/<int:pk>/statement/<int:year>.pdf", views.statement_pdf, name="patient-statement-pdf"),
    path("invoices/<int:number>/", views.invoice_detail, name="invoice-detail"),
    path("invoices/<int:number>/receipt.pdf", views.receipt_pdf, name="invoice-receipt"),
    path("invoices/<int:number>/payments/", views.record_payment, name="invoice-payment"),
    path("invoices/<int:number>/credits/", views.add_credit, name="invoice-credit"),
    path("invoices/<int:number>/void/", views.void, name="invoice-void"),
]
