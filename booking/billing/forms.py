"""The front desk's money forms: a payment, a credit, a void. Amounts are read as Decimal, exactly."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.forms import CleanTextMixin, DateField, DateInput, SentOnce

from .models import Payment
from .services import CARD_NUMBER_REFUSED, looks_like_card_number

MAX_AMOUNT = Decimal("99999.99")


THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def no_card_number(value: str) -> str:
    """A free-text field's value, refused when it holds anything like a card number."""
    if looks_like_card_number(value):
        raise ValidationError(CARD_NUMBER_REFUSED)
    return value


class AmountField(forms.DecimalField):
    """Dollars and cents, more than zero: '45', '45.5' and '$45.50' read as 45.50; '1e309', 'NaN',
    '-0', '45.505' and a decimal comma ('1,40') are refused with a message; '1,250.00' reads as 1250.00."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {
            "invalid": "Enter an amount in dollars and cents, for example 45.50.",
            "max_decimal_places": "Enter the amount in dollars and cents, for example 45.50.",
            "max_digits": f"Enter an amount up to ${MAX_AMOUNT:,}.",
            "max_whole_digits": f"Enter an amount up to ${MAX_AMOUNT:,}.",
            "min_value": "Enter an amount greater than zero.",
            "max_value": f"Enter an amount up to ${MAX_AMOUNT:,}.",
        })
        super().__init__(max_digits=7, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("$", "").strip()
            if "," in value:  # "1,250.00" is grouping; "1,40" is a decimal comma, not $140
                if not THOUSANDS.fullmatch(value.lstrip("+-")):
                    raise ValidationError("Write the cents after a point, for example 45.50.", code="invalid")
                value = value.replace(",", "")
            if value.lower().lstrip("+-") in {"nan", "snan", "inf", "infinity"} or "e" in value.lower():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PaymentForm(CleanTextMixin, SentOnce, forms.Form):
    method = forms.ChoiceField(label="Paid by", choices=Payment.Method.choices,
                               error_messages={"required": "Choose how it was paid.",
                                               "invalid_choice": "Choose one of the ways of paying listed."})
    amount = AmountField(label="Amount ($)")
    received_on = DateField(label="Received on", widget=DateInput())
    payer = forms.CharField(label="Paid by whom (optional)", required=False, max_length=120,
                            help_text="The insurer's name when it pays part or all of the visit.")
    reference = forms.CharField(label="Reference (optional)", required=False, max_length=40,
                                help_text="The terminal's receipt number or the claim number. Never a card number.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        day, today = self.cleaned_data["received_on"], timezone.localdate()
        if day > today:
            raise ValidationError("The payment date cannot be in the future.")
        if day < today - timedelta(days=366):  # "1926-11-30" for 2026: a typed year, not a payment
            raise ValidationError("The payment date is more than a year ago. Check the year.")
        return day

    def clean_reference(self):
        return no_card_number(self.cleaned_data.get("reference", ""))

    def clean_payer(self):
        return no_card_number(self.cleaned_data.get("payer", ""))


class CreditForm(CleanTextMixin, SentOnce, forms.Form):
    amount = AmountField(label="Credit amount ($)")
    reason = forms.CharField(label="Reason", max_length=300,
                             error_messages={"required": "Give the reason for the credit."})

    def clean_reason(self):
        return no_card_number(self.cleaned_data.get("reason", ""))


class VoidForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(label="Reason for voiding", max_length=300,
                             error_messages={"required": "Give the reason for voiding this invoice."})

    def clean_reason(self):
        return no_card_number(self.cleaned_data.get("reason", ""))
