"""The patient side: the booking flow (``flow``) and the private manage link (``manage``).

Nothing here is shared with the front desk (``booking/staff/``): what both need lives below them
(``schedules``, ``services``, ``parsing``, ``forms``).
"""
