"""The front desk's money forms: a payment, a credit, a void. Amounts are read as Decimal, exactly."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.forms import CleanTextMixin, DateField, DateInput, SentOnce

from .models import Payment
from .services import looks_like_card_number

MAX_AMOUNT = Decimal("99999.99")


class AmountField(forms.DecimalField):
    """Dollars and cents, more than zero: '45', '45.5' and '$45.50' read as 45.50; '1e309', 'NaN',
    '-0' and '45.505' are refused with a message."""

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
            value = value.strip().replace("$", "").replace(",", "")
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
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError("The payment date cannot be in the future.")
        return day

    def _no_card(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if looks_like_card_number(value):
            raise ValidationError("That looks like a card number. Never record card numbers: the terminal keeps them.")
        return value

    def clean_reference(self):
        return self._no_card("reference")

    def clean_payer(self):
        return self._no_card("payer")


class CreditForm(CleanTextMixin, SentOnce, forms.Form):
    amount = AmountField(label="Credit amount ($)")
    reason = forms.CharField(label="Reason", max_length=300,
                             error_messages={"required": "Give the reason for the credit."})


class VoidForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(label="Reason for voiding", max_length=300,
                             error_messages={"required": "Give the reason for voiding this invoice."})
