"""Booking data, one module per topic; every model is importable from ``booking.models``.

- ``practice``: services, practitioners, weekly hours, time off, clinic closures
- ``appointments``: patients, appointments (statuses, range lookups, the no-overlap constraint),
  insurance notes, safety screening, history
- ``notes``: the practitioner's private visit note
- ``waitlist``: waitlist entries, the times offered to them, and freed times still to offer
- ``outbox``: emails owed (written in the same transaction as the change) and manage links
- ``common``: range expressions, the PHN validator, token hashes (the migrations refer to the
  range expressions as ``booking.models.Int8Range`` and ``booking.models.TsTzRange``)
"""

from clinic.models import ClinicProfile
from clinic.page_cache import VisitorPageCache

from .appointments import (
    HOLDING_STATUSES,
    KEPT_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentQuerySet,
    AppointmentStatus,
    InsuranceNote,
    Patient,
    Screening,
)
from .common import Int8Range, TsTzRange, hash_token, phn_validator, violated_constraint
from .notes import VisitNote
from .outbox import EmailNotice, ManageLink
from .practice import ClinicClosure, Practitioner, PractitionerQuerySet, Service, ServiceQuerySet, TimeOff, WorkingHours
from .waitlist import FreedTime, WaitlistEntry, WaitlistOffer, unguessable_hash

__all__ = [
    "HOLDING_STATUSES", "KEPT_STATUSES", "Appointment", "AppointmentEvent", "AppointmentQuerySet",
    "AppointmentStatus", "ClinicClosure", "EmailNotice", "InsuranceNote", "Int8Range", "ManageLink", "Patient",
    "Practitioner", "PractitionerQuerySet", "Screening", "Service", "ServiceQuerySet", "TimeOff", "TsTzRange",
    "FreedTime", "VisitNote", "WaitlistEntry", "WaitlistOffer", "WorkingHours", "hash_token", "phn_validator",
    "unguessable_hash", "violated_constraint",
    "schedule_cache",
]

# --- the public schedule cache ----------------------------------------------------------------------
# Patients browsing free times without a session get a copy of the week / day page rendered earlier
# (booking/views/flow.py). Anything that can change a free time or the page around it sets a new
# version token, written by the database as the change commits (clinic/page_cache.py): appointments
# (made, deleted, or a change to who, when or whether they hold their time), hours, time off, closures,
# practitioners and what they offer, services, the clinic's details.
schedule_cache = VisitorPageCache("booking-schedule", max_entries=1000)
schedule_cache.watch(
    [Appointment, WorkingHours, TimeOff, ClinicClosure, Practitioner, Service, ClinicProfile],
    m2m=[Practitioner.services.through],
    columns={Appointment: ["practitioner", "start", "end", "blocks_until", "status"]},
)
