"""The front desk's money pages: check out a visit, the invoice with its payments, the receipt PDF.

Views parse, call ``services``, render. A practitioner reaches only the invoices of their own
patients (``booking.staff.access``); taking money needs ``billing.take_payments``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from booking.forms import error_list
from booking.models import Appointment
from booking.staff.access import require_details, staff_view

from . import receipts, services
from .forms import CreditForm, PaymentForm, VoidForm
from .models import Invoice

TAKE_PAYMENTS = "billing.take_payments"
VIEW_INVOICES = "billing.view_invoice"


def _invoice(request, number: int) -> Invoice:
    invoice = get_object_or_404(Invoice.objects.select_related("appointment", "patient", "practitioner"),
                                number=number)
    require_details(request.user, invoice.appointment)
    return invoice


@staff_view(TAKE_PAYMENTS)
@require_POST
def check_out(request, reference):
    appointment = get_object_or_404(Appointment, reference=reference)
    require_details(request.user, appointment)
    try:
        invoice = services.check_out(appointment=appointment, actor=request.user, now=timezone.now())
    except services.BillingError as error:
        messages.error(request, f"{appointment.reference}: {error}")
        return redirect("staff:appointment-detail", reference=reference)
    return redirect("staff:invoice-detail", number=invoice.number)


def _invoice_page(request, invoice: Invoice, *, payment_form=None, credit_form=None, void_form=None, status=200):
    return render(request, "billing/invoice.html", {
        **receipts.receipt_context(invoice),
        "payment_form": payment_form or PaymentForm(prefix="pay"),
        "credit_form": credit_form or CreditForm(prefix="credit"),
        "void_form": void_form or VoidForm(prefix="void"),
        "can_take_payments": request.user.has_perm(TAKE_PAYMENTS),
        "error_list": error_list(payment_form, credit_form, void_form),
    }, status=status)


@staff_view(VIEW_INVOICES)
@require_safe
def invoice_detail(request, number):
    return _invoice_page(request, _invoice(request, number))


@staff_view(VIEW_INVOICES)
@require_safe
def receipt_pdf(request, number):
    invoice = _invoice(request, number)
    response = HttpResponse(receipts.receipt_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipts.receipt_filename(invoice)}"'
    return response


@staff_view(TAKE_PAYMENTS)
@require_http_methods(["POST"])
def record_payment(request, number):
    invoice = _invoice(request, number)
    form = PaymentForm(request.POST, prefix="pay")
    if form.is_valid():
        try:
            services.record_payment(invoice=invoice, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except services.BillingError as error:
            form.add_error("amount", str(error))
        else:
            messages.success(request, f"Payment of ${form.cleaned_data['amount']} recorded.")
            return redirect("staff:invoice-detail", number=number)
    return _invoice_page(request, invoice, payment_form=form, status=400)


@staff_view(TAKE_PAYMENTS)
@require_POST
def add_credit(request, number):
    invoice = _invoice(request, number)
    form = CreditForm(request.POST, prefix="credit")
    if form.is_valid():
        try:
            services.add_credit(invoice=invoice, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except services.BillingError as error:
            form.add_error("amount", str(error))
        else:
            messages.success(request, f"Credit of ${form.cleaned_data['amount']} recorded.")
            return redirect("staff:invoice-detail", number=number)
    return _invoice_page(request, invoice, credit_form=form, status=400)


@staff_view(TAKE_PAYMENTS)
@require_POST
def void(request, number):
    invoice = _invoice(request, number)
    form = VoidForm(request.POST, prefix="void")
    if form.is_valid():
        try:
            services.void_invoice(invoice=invoice, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except services.BillingError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, f"Invoice {invoice.display_number} voided.")
            return redirect("staff:invoice-detail", number=number)
    return _invoice_page(request, invoice, void_form=form, status=400)
