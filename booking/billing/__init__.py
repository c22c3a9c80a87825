"""Billing: invoices for visits and fees, payments at the desk, credits, voids and receipts.

Its own Django app (label ``billing``) inside the booking package, over the booking models. Money is
``Decimal`` everywhere, and the database has the last word: amounts can't be negative, an invoice can't
be paid or credited past its total, and invoice numbers come from one counter row taken in the same
transaction as the invoice, so they are consecutive and never reused (see ``services.py``).
"""
