"""The front desk's money pages: check out a visit, the invoice with its payments, the receipt PDF.

Views parse, call ``services``, render. A practitioner reaches no invoice (no ``billing.view_invoice``),
and the "own patients only" rule (``booking.staff.access``) stands behind that; taking money needs
``billing.take_payments``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from booking.forms import error_list
from booking.models import Appointment
from booking.staff.access import TAKE_PAYMENTS, VIEW_INVOICES, require_details, staff_view, visible_patients
from booking.staff.views.desk import detail_page
from clinic.text import clean_text

from . import fees, receipts, services, statements
from .forms import CreditForm, PaymentForm, VoidForm
from .models import Invoice


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


def _fee_visit(request, reference: str) -> Appointment:
    appointment = get_object_or_404(Appointment.objects.select_related("service"), reference=reference)
    require_details(request.user, appointment)
    return appointment


@staff_view(TAKE_PAYMENTS)
@require_POST
def charge_fee(request, reference):
    """Invoice the late-cancel or missed-visit fee the clinic's policy sets."""
    appointment = _fee_visit(request, reference)
    try:
        invoice = fees.charge_fee(appointment=appointment, actor=request.user, now=timezone.now())
    except services.BillingError as error:
        messages.error(request, f"{appointment.reference}: {error}")
        return redirect("staff:appointment-detail", reference=reference)
    messages.success(request, f"{appointment.reference}: fee charged.")
    return redirect("staff:invoice-detail", number=invoice.number)


@staff_view(TAKE_PAYMENTS)
@require_POST
def waive_fee(request, reference):
    reason = clean_text(request.POST.get("reason", ""), 300)
    appointment = _fee_visit(request, reference)
    try:
        fees.waive_fee(appointment=appointment, actor=request.user, now=timezone.now(), reason=reason)
    except services.BillingError as error:  # the page again, with the reason as typed
        return detail_page(request, appointment, waiver=(reason, str(error)), status=400)
    messages.success(request, f"{appointment.reference}: fee waived.")
    return redirect("staff:appointment-detail", reference=reference)


FORMS = {"pay": PaymentForm, "credit": CreditForm, "void": VoidForm}  # by prefix


def _invoice_page(request, invoice: Invoice, *, bound=None, status=200):
    """The invoice with its three forms; ``bound`` is the one just sent back with its errors."""
    forms = {prefix: form_class(prefix=prefix) for prefix, form_class in FORMS.items()}
    if bound is not None:
        forms[bound.prefix] = bound
    return render(request, "billing/invoice.html", {
        **receipts.receipt_context(invoice),
        "payment_form": forms["pay"], "credit_form": forms["credit"], "void_form": forms["void"],
        "can_take_payments": request.user.has_perm(TAKE_PAYMENTS),
        "error_list": error_list(bound),
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


def _act(request, number: int, *, prefix: str, action, error_field: str, success):
    """One money action: validate the form, call the service, redirect; or the page with the message."""
    invoice = _invoice(request, number)
    form = FORMS[prefix](request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(invoice=invoice, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except services.BillingError as error:
            form.add_error(error_field, str(error))
        except IntegrityError as error:
            if not services.sent_before(error):
                raise
            messages.info(request, "That form was sent twice: it is recorded once.")
            return redirect("staff:invoice-detail", number=number)
        else:
            messages.success(request, success(form.cleaned_data, invoice))
            return redirect("staff:invoice-detail", number=number)
    return _invoice_page(request, invoice, bound=form, status=400)


@staff_view(TAKE_PAYMENTS)
@require_POST
def record_payment(request, number):
    return _act(request, number, prefix="pay", action=services.record_payment,
                error_field="amount", success=lambda data, _: f"Payment of ${data['amount']} recorded.")


@staff_view(TAKE_PAYMENTS)
@require_POST
def add_credit(request, number):
    return _act(request, number, prefix="credit", action=services.add_credit,
                error_field="amount", success=lambda data, _: f"Credit of ${data['amount']} recorded.")


@staff_view(TAKE_PAYMENTS)
@require_POST
def void(request, number):
    return _act(request, number, prefix="void", action=services.void_invoice,
                error_field="reason", success=lambda _, invoice: f"Invoice {invoice.display_number} voided.")


def _statement(request, pk: int, year: int) -> dict:
    if not 1900 <= year <= 2199:
        raise Http404("No such year")
    patient = get_object_or_404(visible_patients(request.user), pk=pk)
    return statements.statement_context(patient, year)


@staff_view(VIEW_INVOICES)
@require_safe
def statement(request, pk, year):
    """The patient's paid visits of one calendar year (for their tax return and their insurer)."""
    context = _statement(request, pk, year)
    return render(request, "billing/statement.html", {
        **context, "other_years": [y for y in statements.years_with_payments(context["patient"]) if y != year]})


@staff_view(VIEW_INVOICES)
@require_safe
def statement_pdf(request, pk, year):
    context = _statement(request, pk, year)
    response = HttpResponse(receipts.render_pdf("billing/statement_pdf.html", context),
                            content_type="application/pdf")
    filename = statements.statement_filename(context["patient"], year)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
