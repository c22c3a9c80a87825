"""The patient's booking flow: service → who → week → time → details → review → done.

Server-rendered and usable without JavaScript. Views parse (``parsing``), read (``schedules``),
call ``services`` for every write, render. Anything a patient typed is carried in the form itself
(hidden fields on the review page), so a taken slot or a validation error never loses it.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_safe

from clinic.models import ClinicProfile, RateCounter
from clinic.net import rate_limit_key

from .. import availability, schedules, services
from ..forms import INSURANCE_HELP, BookingForms, error_list
from ..models import Appointment, InsuranceNote, Patient, Practitioner, Screening, Service, schedule_cache
from ..parsing import parse_date, parse_start
from ..waitlist import services as waitlist

SESSION_DONE = "booking_done"
SCHEDULE_CLOCK_MINUTES = 5
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bookable_service(slug: str) -> Service:
    return get_object_or_404(Service.objects.bookable(), slug=slug)


def _week_start(day: date, earliest: date, last_day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    return min(max(monday, earliest), last_day - timedelta(days=last_day.weekday()))


def _chosen_practitioner(who: str | None, offering: list[Practitioner]) -> Practitioner | None:
    """The practitioner ``who`` names among ``offering`` (those offering the service), or None for "any"."""
    return next((p for p in offering if p.slug == who and who != "any"), None)


def _service_and_practitioner(slug: str, who: str | None) -> tuple[Service, Practitioner | None]:
    """The bookable service and, as ``_chosen_practitioner``, who is chosen: one query when it is someone."""
    named = who and who != "any" and SLUG_RE.fullmatch(who)
    return (named and Practitioner.objects.offering_bookable(slug, who)) or (_bookable_service(slug), None)


def _who(practitioner: Practitioner | None) -> str:
    return practitioner.slug if practitioner else "any"


def _schedule_url(service: Service, practitioner: Practitioner | None, **params) -> str:
    query = {"who": _who(practitioner), **{k: v for k, v in params.items() if v}}
    return f"{reverse('booking:schedule', args=[service.slug])}?{urlencode(query)}"


# --- step 1: service --------------------------------------------------------------------------
@require_safe
def start(request):
    slug = request.GET.get("service")
    bookable = Service.objects.bookable()
    if slug and SLUG_RE.fullmatch(slug) and bookable.filter(slug=slug).exists():
        return redirect("booking:schedule", service=slug)
    return render(request, "booking/start.html", {"services": bookable, "step": 1})


# --- steps 2-3: who, week, day, time ----------------------------------------------------------
def _schedule_clock() -> datetime:
    """The moment the free times are listed for: now, rounded up to the next
    ``SCHEDULE_CLOCK_MINUTES`` mark. A page stays right for everyone until that mark (a time
    that passes the minimum notice meanwhile was already left off), so one copy can serve every
    plain visit until then (``schedule_cache``); the booking itself checks against the exact time."""
    now = timezone.now()
    step = SCHEDULE_CLOCK_MINUTES * 60
    seconds = now.timestamp()
    return datetime.fromtimestamp(-(-seconds // step) * step, UTC) if seconds % step else now


def _bookable_range(today: date) -> tuple[date, date]:
    """(Monday of this week, the last day that can be booked)."""
    return today - timedelta(days=today.weekday()), today + timedelta(days=settings.BOOKING_HORIZON_DAYS)


def _schedule_choice(request, today: date) -> tuple[date | None, date | None]:
    """(Monday of the week asked for, the day asked for), read as the page reads them: the week kept
    within the bookable range, a day outside the week (or the bookable range) treated as not asked."""
    this_monday, last_day = _bookable_range(today)
    week = parse_date(request.GET.get("week"))
    week = _week_start(week, this_monday, last_day) if week else None
    day = parse_date(request.GET.get("day"))
    first, last = (week, week + timedelta(days=6)) if week else (this_monday, last_day + timedelta(days=6))
    return week, day if day is not None and first <= day <= last else None


def _schedule_copy_key(request, service) -> str:
    """One copy per clock mark and per choice as the page reads it (who, week, day): extra, reordered
    or out-of-range query parameters (tracking tags, junk dates) make no copies of their own."""
    who = request.GET.get("who", "")
    who = who if SLUG_RE.fullmatch(who) else "any"  # as _chosen_practitioner reads it
    week, day = _schedule_choice(request, timezone.localdate())
    return f"{_schedule_clock().isoformat()}|{who}|{week or ''}|{day or ''}"


def _schedule_rules() -> availability.Rules:
    """The online rules for a page listed as of the next clock mark, with the horizon shortened by
    one step of that clock: the last time offered must still be within the horizon when the patient
    books, checked against the exact time (the minimum notice is safe already: later is stricter)."""
    rules = schedules.booking_rules()
    return dataclasses.replace(rules, horizon=rules.horizon - timedelta(minutes=SCHEDULE_CLOCK_MINUTES))


def _free_slots(*, service: Service, practitioner: Practitioner | None, first: date, last: date,
                now: datetime, offering: list[int]) -> list[availability.Slot]:
    """The free times for the schedule pages, shared in this process until the next change (see
    ``schedule_cache``): a visitor with a session gets a page of their own, but not a recount."""
    key = f"slots|{service.pk}|{practitioner.pk if practitioner else ''}|{first}|{last}|{now.isoformat()}"
    return schedule_cache.remember(key, lambda: schedules.available_slots(
        service=service, practitioner=practitioner, first=first, last=last, now=now, rules=_schedule_rules(),
        practitioner_ids=offering))


class _ScheduleLinks:
    """Every address a schedule page links to, for one service and one "who" choice. A page has some
    sixty links: the two paths are reversed once, and each link is the same query ``urlencode`` writes."""

    def __init__(self, service: Service, practitioner: Practitioner | None):
        self.practitioner = practitioner
        self.schedule_path = reverse("booking:schedule", args=[service.slug])
        self.details_path = reverse("booking:details", args=[service.slug])

    # Each link lands where the next choice is (the fragment; the target heading takes focus), so a
    # patient on a phone or with a keyboard does not start again from the top of the page.
    def week(self, monday: date, *, day: date | None = None, who: Practitioner | None | bool = False) -> str:
        practitioner = self.practitioner if who is False else who
        url = f"{self.schedule_path}?who={_who(practitioner)}&week={monday.isoformat()}"  # slugs, dates: no quoting
        return f"{url}&day={day.isoformat()}#times" if day else f"{url}#week"

    def time(self, slot: availability.Slot) -> str:
        start = _iso(slot.start).replace(":", "%3A")  # as urlencode writes it
        return f"{self.details_path}?who={_who(self.practitioner)}&start={start}#details-form"


def _shown_week(*, service, practitioner, requested_week: date | None, this_monday: date, last_day: date,
                now: datetime, offering: list[int]) -> tuple[date, list[availability.Slot], date | None]:
    """(Monday of the week shown, its free times, the next free day after it when it has none).

    With no week asked for and nothing left this week (say, on a Saturday evening), the page opens
    the week of the next free day instead.
    """
    week_start = requested_week or this_monday
    week_end = week_start + timedelta(days=6)
    slots = _free_slots(service=service, practitioner=practitioner, first=week_start, last=week_end, now=now,
                        offering=offering)
    if slots:
        return week_start, slots, None
    later = _free_slots(service=service, practitioner=practitioner, first=week_end + timedelta(days=1),
                        last=last_day, now=now, offering=offering)
    if not later:
        return week_start, [], None
    next_day = timezone.localtime(later[0].start).date()
    if requested_week is not None:
        return week_start, [], next_day
    week_start = _week_start(next_day, this_monday, last_day)
    week_end = week_start + timedelta(days=6)
    return week_start, [s for s in later if timezone.localtime(s.start).date() <= week_end], None


@require_safe
@schedule_cache.for_visitors(key=_schedule_copy_key)
def schedule(request, service):
    service = _bookable_service(service)
    practitioners = list(Practitioner.objects.offering(service))
    practitioner = _chosen_practitioner(request.GET.get("who"), practitioners)
    today = timezone.localdate()  # not the mark's date: from 23:55 that is already tomorrow
    this_monday, last_day = _bookable_range(today)
    requested_week, chosen_day = _schedule_choice(request, today)
    week_start, slots, next_available = _shown_week(
        service=service, practitioner=practitioner, requested_week=requested_week, this_monday=this_monday,
        last_day=last_day, now=_schedule_clock(),
        offering=[practitioner.pk] if practitioner else [p.pk for p in practitioners])
    week_end = week_start + timedelta(days=6)
    by_day = schedules.by_local_date(slots)
    if chosen_day is None or not week_start <= chosen_day <= week_end:
        # None asked for, or a day of another week (the week moved on to the next free times):
        # the first day with free times.
        chosen_day = next(iter(by_day), None)
    links = _ScheduleLinks(service, practitioner)
    days = [week_start + timedelta(days=i) for i in range(7)]
    return render(request, "booking/schedule.html", {
        "step": 2, "service": service, "practitioners": practitioners, "practitioner": practitioner,
        "who_options": [{"label": "First available", "url": links.week(week_start, who=None),
                         "current": practitioner is None}]
        + [{"label": p.name, "detail": p.credentials, "url": links.week(week_start, who=p),
            "current": practitioner == p} for p in practitioners],
        "week_start": week_start, "week_end": week_end, "chosen_day": chosen_day,
        "days": [{"date": d, "count": len(by_day.get(d, [])), "url": links.week(week_start, day=d)} for d in days],
        "times": [{"slot": s, "url": links.time(s)} for s in by_day.get(chosen_day, [])] if chosen_day else [],
        "prev_week_url": links.week(week_start - timedelta(days=7)) if week_start > this_monday else None,
        "next_week_url": links.week(week_start + timedelta(days=7)) if week_end < last_day else None,
        "next_available": next_available,
        "next_available_url": links.week(next_available, day=next_available) if next_available else None,
    })


# --- steps 4-5: details, review, submit -------------------------------------------------------
# Post/redirect/get: every POST of the details step answers with a redirect, so Back, Forward and
# Refresh never send a form again. What the patient typed waits in their session (``DRAFT``, one
# per visit type, dropped once the request is sent) until the next page shows it.
DRAFT = "booking_draft"
WAITLIST_CLAIM = "waitlist_claim"  # the waitlist offer whose time the details step is for (start_claim)
NOT_TYPED = {"csrfmiddlewaretoken", "action", "alt_start", "who", "start"}


def over_rate_limit(request) -> bool:
    """Count booking submissions per network address per hour, shared by every app server. The
    address is keyed with the secret key (a plain hash of an IPv4 address is easily reversed)."""
    key = "book:" + salted_hmac("booking-rate-limit", rate_limit_key(request)).hexdigest()[:32]
    return RateCounter.objects.hit(key, window=timedelta(hours=1)) > settings.BOOKING_RATE_LIMIT_PER_HOUR


def _details_url(service: Service, practitioner: Practitioner | None, start: datetime, *, step: str = "",
                 fragment: str = "") -> str:
    query = {"who": _who(practitioner), "start": _iso(start), **({"step": step} if step else {})}
    return f"{reverse('booking:details', args=[service.slug])}?{urlencode(query)}{fragment}"


def _keep_draft(request, service: Service, **flags) -> None:
    typed = {key: values for key, values in request.POST.lists() if key not in NOT_TYPED}
    request.session[DRAFT] = {"service": service.slug, "typed": typed, **flags}


def _draft(request, service: Service) -> dict | None:
    draft = request.session.get(DRAFT)
    return draft if isinstance(draft, dict) and draft.get("service") == service.slug else None


def _draft_forms(draft: dict | None) -> BookingForms:
    if draft is None or not draft.get("typed"):
        # Nothing typed yet; a waitlist offer fills in what the patient gave when joining.
        return BookingForms(initial=draft.get("initial") if draft else None)
    data = QueryDict(mutable=True)
    for key, values in draft["typed"].items():  # written by _keep_draft: lists of strings
        data.setlist(key, values)
    return BookingForms(data)


@sensitive_variables()
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def details(request, service):
    source = request.POST if request.method == "POST" else request.GET
    service, practitioner = _service_and_practitioner(service, source.get("who"))
    start_at = parse_start(source.get("start"))
    if start_at is None:
        messages.warning(request, "Please choose a time first.")
        return redirect(_schedule_url(service, practitioner))
    if request.method == "POST":
        return _details_post(request, service=service, practitioner=practitioner, start_at=start_at)
    return _details_get(request, service=service, practitioner=practitioner, start_at=start_at)


def _details_get(request, *, service: Service, practitioner: Practitioner | None, start_at: datetime):
    """The form (what was typed kept, with its errors), the review, or the "no longer free" page."""
    draft = _draft(request, service)
    forms = _draft_forms(draft)
    day = timezone.localdate(start_at).isoformat()
    context = {"step": 3, "service": service, "practitioner": practitioner, "who": _who(practitioner),
               "start": start_at, "start_value": _iso(start_at),
               "insurance_help": [(label, INSURANCE_HELP[k]) for k, label in InsuranceNote.Kind.choices],
               "schedule_url": _schedule_url(service, practitioner, week=day, day=day) + "#times"}
    if draft is not None and draft.pop("limited", False):
        request.session.modified = True
        context["error_banner"] = (
            "We have received several booking requests from your network in the last hour. "
            f"To protect patients' data, please call us to book at {request_clinic_phone()}."
        )
        return _render_details(request, context, forms, status=429)
    now = timezone.now()
    free = schedules.free_practitioners_at(service=service, practitioner=practitioner, start=start_at, now=now)
    if not free:
        return _taken(request, context, forms, service=service, practitioner=practitioner, start_at=start_at, now=now)
    if draft is not None and request.GET.get("step") == "review" and forms.is_valid():
        assigned = practitioner or Practitioner.objects.filter(pk=free[0]).first()
        return _review(request, context, forms, assigned=assigned)
    return _render_details(request, context, forms, show_errors=draft is not None and bool(draft.get("typed")))


def start_claim(request, *, offer, initial: dict[str, str]) -> HttpResponseRedirect:
    """Open the details step for a waitlist offer's time, with what the patient gave when joining
    filled in (the screening and the way to pay are still asked). The offer is remembered so that
    booking that time takes the patient off the list; anyone may still book it first."""
    request.session[DRAFT] = {"service": offer.service.slug, "typed": {}, "initial": initial}
    request.session[WAITLIST_CLAIM] = {"offer": offer.pk, "service": offer.service.slug, "start": _iso(offer.start)}
    return redirect(_details_url(offer.service, offer.practitioner, offer.start, fragment="#details-form"))


def time_url(service: Service, practitioner: Practitioner | None, start: datetime) -> str:
    """The details step for one free time (the link a schedule page gives it)."""
    return _details_url(service, practitioner, start, fragment="#details-form")


def _claim(request, service: Service, start_at: datetime) -> int | None:
    """The waitlist offer being claimed with this booking, if this is its time."""
    claim = request.session.get(WAITLIST_CLAIM)
    if isinstance(claim, dict) and claim.get("service") == service.slug and claim.get("start") == _iso(start_at):
        return claim.get("offer") if isinstance(claim.get("offer"), int) else None
    return None


def _details_post(request, *, service: Service, practitioner: Practitioner | None, start_at: datetime):
    """Keep what was typed, then redirect: to the form (errors), the review, or the sent page."""
    chosen = parse_start(request.POST.get("alt_start"))  # one of the times offered when the first was taken
    start_at = chosen or start_at
    _keep_draft(request, service)
    action = request.POST.get("action", "review")
    forms = BookingForms(request.POST)
    if action == "edit" or not forms.is_valid():
        return redirect(_details_url(service, practitioner, start_at, fragment="#details-form"
                                     if action == "edit" else "#error-summary"))
    if action != "confirm" or chosen is not None:
        return redirect(_details_url(service, practitioner, start_at, step="review", fragment="#review"))
    if over_rate_limit(request):
        _keep_draft(request, service, limited=True)
        return redirect(_details_url(service, practitioner, start_at))
    try:
        appointment, token = _book(forms, service=service, practitioner=practitioner, start_at=start_at,
                                   now=timezone.now(), offer_id=_claim(request, service, start_at))
    except services.SlotTaken:
        return redirect(_details_url(service, practitioner, start_at, fragment="#taken"))
    request.session.pop(DRAFT, None)
    request.session.pop(WAITLIST_CLAIM, None)
    request.session[SESSION_DONE] = {"reference": appointment.reference, "token": token}
    return redirect("booking:requested")


def _review(request, context, forms: BookingForms, *, assigned: Practitioner | None):
    """Step 4: everything typed, to check before sending (carried in hidden fields too, so a lost
    session loses nothing)."""
    return render(request, "booking/review.html", {
        **context, "step": 4, "forms": list(forms), "assigned": assigned,
        "hidden": [(key, value) for key, values in forms.data.lists() if key not in NOT_TYPED for value in values],
        "insurance_note": InsuranceNote(**forms.insurance_data()),
        "screening_flags": [label for name, label, _ in Screening.QUESTIONS
                            if forms.screening.cleaned_data[name] == "yes"],
    })


@sensitive_variables()
def _book(forms: BookingForms, *, service: Service, practitioner: Practitioner | None, start_at: datetime,
          now: datetime, offer_id: int | None = None) -> tuple[Appointment, str]:
    """The patient record and the request in one transaction: a time just taken (``SlotTaken``)
    leaves no new patient record behind. Booking a waitlist offer's time (``offer_id``) takes the
    patient off the list in the same transaction.

    Two requests with the same new email at the same moment (a double click on "Send request") both
    find no record and both make one; the database refuses the second. That one is then tried again:
    it finds the first's record, committed now, and goes on as a returning patient's request (for
    the same time, it is told the time was just taken, as after any lost race)."""
    try:
        return _book_once(forms, service=service, practitioner=practitioner, start_at=start_at, now=now,
                          offer_id=offer_id)
    except IntegrityError as error:
        if not Patient.email_clash(error):
            raise
    return _book_once(forms, service=service, practitioner=practitioner, start_at=start_at, now=now,
                      offer_id=offer_id)


@sensitive_variables()
def _book_once(forms: BookingForms, *, service: Service, practitioner: Practitioner | None, start_at: datetime,
               now: datetime, offer_id: int | None) -> tuple[Appointment, str]:
    data = forms.patient.cleaned_data
    with transaction.atomic():
        patient, new_patient = services.find_or_create_patient(
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
            phone=data["phone"], date_of_birth=data["date_of_birth"], phn=data["phn"],
        )
        appointment, token = services.book_appointment(
            service=service, practitioner=practitioner, patient=patient, start=start_at, now=now,
            insurance=forms.insurance_data(), screening=forms.screening.screening_data(),
            patient_note=data["patient_note"], contact_phone=data["phone"], new_patient=new_patient,
            savepoint=False,  # refused, it takes the new patient record with it: this block rolls back
        )
        if offer_id is not None:
            waitlist.claimed(offer_id=offer_id, appointment=appointment, now=now)
        return appointment, token


def request_clinic_phone() -> str:
    return ClinicProfile.load().phone


def _render_details(request, context, forms: BookingForms, *, status: int = 200, show_errors: bool = True):
    if forms.is_bound:
        forms.is_valid()  # runs the cross-form checks too, so their messages show
    return render(request, "booking/details.html", {
        **context, "patient_form": forms.patient, "insurance_form": forms.insurance,
        "screening_form": forms.screening, "error_list": error_list(*forms) if show_errors else [],
    }, status=status)


def _taken(request, context, forms: BookingForms, *, service, practitioner, start_at, now):
    """The time is no longer free: the nearest free times to choose from, everything typed kept.

    The page never says who took it (it may well have been this patient, in another tab).
    """
    context = {**context, "taken": True, "on_waitlist": _claim(request, service, start_at) is not None,
               "alternatives": schedules.nearest_slots(service=service, practitioner=practitioner,
                                                       around=start_at, now=now)}
    return _render_details(request, context, forms, show_errors=False)


@never_cache
@require_safe
def requested(request):
    done = request.session.get(SESSION_DONE)
    if not done:
        return redirect("booking:start")
    # The private token is shown once and then dropped from the session, so it is stored nowhere
    # but in the patient's hands (the database keeps only its hash). A reload shows the reference.
    token = done.pop("token", None)
    request.session[SESSION_DONE] = done
    appointment = (Appointment.objects.for_manage_token(token) if token
                   else Appointment.objects.select_related("service", "practitioner")
                   .filter(reference=done.get("reference")).first())
    if appointment is None:
        return redirect("booking:start")
    manage_url = request.build_absolute_uri(reverse("booking:manage", args=[token])) if token else None
    return render(request, "booking/requested.html", {"step": 5, "appointment": appointment,
                                                      "manage_url": manage_url, "token": token})
