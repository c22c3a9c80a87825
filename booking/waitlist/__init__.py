"""The waitlist: patients ask to hear of a time, freed times are offered to them, first to book wins.

- ``matching``: pure: which entries want a time, and which times go to whom (no database)
- ``services``: joining, leaving, noting freed time, the offering pass, claiming
- ``mail``: the two waitlist emails (joined, an offer), sent through the booking outbox
- ``forms``, ``views``: the patient's pages (the front desk's page is ``booking/staff/views/waitlist.py``)
"""
