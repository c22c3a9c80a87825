"""Calendar files (.ics) for an appointment, built with the icalendar package.

Times are written in UTC, so every calendar program shows the right local time whatever its
own zone rules say (BC's permanent UTC-7 is too new for some of them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from clinic.models import ClinicProfile

from .models import Appointment


def appointment_ics(appointment: Appointment, *, domain: str, now: datetime) -> bytes:
    """One VEVENT with a stable UID; SEQUENCE rises with each change; cancelled → METHOD:CANCEL."""
    clinic = ClinicProfile.load()
    calendar = _calendar(clinic, method="CANCEL" if not appointment.holds_time else "PUBLISH")
    calendar.add_component(_event(appointment, clinic=clinic, domain=domain, now=now))
    return calendar.to_ical()


def series_ics(appointments: list[Appointment], *, domain: str, now: datetime) -> bytes:
    """Several visits in one file (a course's series), each with the UID of its own download, so a
    later change to one visit updates that one event."""
    clinic = ClinicProfile.load()
    calendar = _calendar(clinic, method="PUBLISH")
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic=clinic, domain=domain, now=now))
    return calendar.to_ical()


def _calendar(clinic: ClinicProfile, *, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{clinic.name}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(appointment: Appointment, *, clinic: ClinicProfile, domain: str, now: datetime) -> Event:
    cancelled = not appointment.holds_time
    event = Event()
    event.add("uid", f"appointment-{appointment.reference}@{domain}")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", f"{appointment.service.name} with {appointment.practitioner.name}")
    event.add("location", vText(f"{clinic.name}, {clinic.full_address}"))
    event.add("description", (
        f"Reference {appointment.reference}. Wear loose, comfortable clothing. "
        f"If you are claiming through ICBC or WorkSafeBC, bring your claim number. "
        f"To change or cancel, use the private link in your email or call {clinic.phone}."
    ))
    event.add("status", "CANCELLED" if cancelled else ("CONFIRMED" if appointment.status == "confirmed"
                                                        else "TENTATIVE"))
    organizer = vCalAddress(f"mailto:{clinic.email}")
    organizer.params["cn"] = vText(clinic.name)
    event["organizer"] = organizer
    return event
