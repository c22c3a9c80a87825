"""The staff calendars' layout engine: a day's or a week's columns as one CSS grid.

Plain data in (columns, hours, time off, appointments), plain data out (``Grid``): the views in
``staff/views/calendar.py`` fetch, this lays out. Rows are 15-minute wall-clock times in the
clinic's zone; every block carries a ``row-start-N`` and a ``row-span-N`` class (defined in
static/css/staff_calendar.css) because the Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from html import escape as html_escape
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import availability
from ..models import Appointment, TimeOff
from .access import details_checker

Status = Appointment.Status

ROW_MINUTES = 15
DAY_MINUTES = 24 * 60
# staff_calendar.css defines row-start-1..97 and row-span-1..96: enough for a whole day.
MAX_ROWS = DAY_MINUTES // ROW_MINUTES
# Shown when nobody works that day, so the page still has a familiar shape.
DEFAULT_OPEN, DEFAULT_CLOSE = 8 * 60, 18 * 60
# Overlapping appointments (a no-show and the visit booked into its time) sit side by side.
MAX_LANES = 3
HIDDEN_STATUSES = (Status.CANCELLED, Status.DECLINED)


_SR_COMMA = mark_safe('<span class="visually-hidden">, </span>')  # noqa: S308 - a constant


def _e(value) -> str:
    """``value`` escaped for HTML as Django's ``conditional_escape`` does (safe strings as they are),
    without its lazy-string wrappers: the blocks below call it a couple of thousand times a page."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


# --- plain data for the templates ---------------------------------------------------------------
@dataclass
class Block:
    """Something placed in a column: shading (work, time off, closure, buffer) or an appointment."""

    kind: str
    row: int
    span: int
    label: str = ""
    appointment: Appointment | None = None
    visible: bool = False  # may this user see the patient's name and open the appointment?
    status: str = ""  # CSS modifier: requested, confirmed, arrived, completed, no_show
    status_label: str = ""
    when: tuple[str, str] = ("", "")  # the time span and its period ("9:00–9:45", " a.m.")
    lane: int = 0  # 0: the column's full width; 1..MAX_LANES: one lane of an overlapping group
    href: str = ""  # the appointment's page, when ``visible``
    who: str = ""  # the patient's name, or "Booked" when not ``visible``
    what: str = ""  # the service
    owes: Decimal | None = None  # the patient's balance owing, for users who see money (else None)
    course: str = ""  # "visit 2 of 6" of the patient's IMS course, when ``visible``

    @property
    def fit(self) -> str:
        """Short visits show fewer lines (the rest stays in the link text for screen readers)."""
        return {1: "cal-appt--tiny", 2: "cal-appt--short"}.get(self.span, "")

    @property
    def css(self) -> str:
        """Every class of the block, built here rather than in the template: a day holds a couple of
        hundred blocks, and this is most of the page's rendering time."""
        place = f"row-start-{self.row} row-span-{self.span}"
        if self.kind != "appointment":
            return f"cal-{self.kind} {place}"
        classes = [f"cal-appt cal-appt--{self.status}", "" if self.visible else "cal-appt--private", place,
                   f"lane-{self.lane}" if self.lane else "", self.fit]
        return " ".join(c for c in classes if c)

    @property
    def html(self) -> SafeString:
        """The block's markup. Written here rather than in the grid template: a day holds a couple
        of hundred blocks, and the template engine spent more time on them than everything else.
        Every value goes through ``_e``, which escapes it as ``format_html`` would (at a fifth of
        the cost: ``format_html`` was ~10 % of the day calendar)."""
        if self.kind != "appointment":
            if self.kind in ("closed", "off"):
                label = f'<span class="cal-label">{_e(self.label)}</span>'
                return mark_safe(f'<div class="{_e(self.css)}" aria-hidden="true">{label}</div>')  # noqa: S308 - escaped
            return mark_safe(f'<div class="{_e(self.css)}" aria-hidden="true"></div>')  # noqa: S308 - escaped
        owes = f'<span class="cal-appt__owes">Owes ${_e(self.owes)}</span>{_SR_COMMA}' if self.owes else ""
        what = f"{_e(self.what)} · {_e(self.course)}" if self.course else _e(self.what)
        body = (
            f'<span class="cal-appt__time">{_e(self.when[0])}'  # tz-ok: CSS
            f'<span class="cal-appt__period">{_e(self.when[1])}</span></span>{_SR_COMMA}'
            # dir="auto" isolates what people typed: a name in Arabic script must not reorder the rest.
            f'<span class="cal-appt__status">{_e(self.status_label)}</span>{_SR_COMMA}'
            f'<span class="cal-appt__who" dir="auto">{_e(self.who)}</span>{owes}{_SR_COMMA}'
            f'<span class="cal-appt__what" dir="auto">{what}</span>'
        )
        if self.href:
            return mark_safe(f'<a class="{_e(self.css)}" href="{_e(self.href)}">{body}</a>')  # noqa: S308 - escaped
        return mark_safe(f'<div class="{_e(self.css)}">{body}</div>')  # noqa: S308 - escaped


@dataclass
class Column:
    key: str
    heading: str
    subheading: str
    link: str
    link_hint: str  # read after the heading by screen readers: where the link goes
    day: date
    hours_label: str
    off_label: str = ""
    closed: str = ""
    is_today: bool = False  # a week's column for today (the day page says so in its title)
    shading: list[Block] = field(default_factory=list)
    appointments: list[Block] = field(default_factory=list)
    lanes: int = 1
    now_row: int = 0  # 0: no "now" line in this column
    now_minute: int = 0  # minutes past the start of that row, for the line's offset class


@dataclass
class Grid:
    first_minute: int
    rows: int
    columns: list[Column]
    hour_labels: list[Block]
    has_hours: bool

    @property
    def size(self) -> str:
        """How tall a sheet this is, so print CSS can fit it on one landscape page."""
        return "s" if self.rows <= 40 else "m" if self.rows <= 56 else "l"


@dataclass
class RawColumn:
    """One column's facts in minutes since local midnight, before rows are known."""

    column: Column
    periods: list[tuple[int, int]]
    time_off: list[tuple[int, int, str]]
    appointments: list[tuple[int, int, int, Appointment]]  # start, end, end of buffer, appointment


# --- time and labels ------------------------------------------------------------------------------
def _clock(minute: int, *, suffix: bool = True) -> str:
    if minute == DAY_MINUTES:
        return "midnight"
    hour, mins = divmod(minute, 60)
    text = f"{hour % 12 or 12}:{mins:02d}"
    return f"{text} {'a.m.' if hour < 12 else 'p.m.'}" if suffix else text


def _span_parts(start: int, end: int) -> tuple[str, str]:
    """('9:00–9:45', ' a.m.'), ('11:30 a.m.–12:15', ' p.m.'): the end's period apart, so a
    printed sheet can drop it where the column is narrow (the time axis says it)."""
    if start <= 0 and end >= DAY_MINUTES:
        return "all day", ""
    same_half = end < DAY_MINUTES and start // 720 == end // 720
    period = "" if end == DAY_MINUTES else " a.m." if end < 720 else " p.m."
    return f"{_clock(start, suffix=not same_half)}–{_clock(end, suffix=False)}", period


def _span_label(start: int, end: int) -> str:
    """'9:00–9:45 a.m.', '11:30 a.m.–12:15 p.m.' (en dash; the period once when it is shared)."""
    return "".join(_span_parts(start, end))


def _hour_label(minute: int) -> str:
    hour = minute // 60
    return "noon" if hour == 12 else f"{hour % 12 or 12} {'a.m.' if hour < 12 else 'p.m.'}"


def _minute_of(moment: datetime, day: date, tz) -> int:
    """Wall-clock minutes since midnight of local ``day``, clipped to the day.

    Rows are labelled with wall-clock times, so on a fall-back day (not in BC since 2026, but the
    zone is a setting) the repeated hour shares its rows and blocks there may overlap in lanes.
    """
    local = moment.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _to_minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def status_labels() -> dict[str, str]:
    """Each status's label, translated once for a page rather than once per visit (Django's
    ``get_status_display`` hashes the choices on every call)."""
    return {value: str(label) for value, label in Status.choices}


def status_of(appointment: Appointment, labels: dict[str, str]) -> tuple[str, str]:
    """(CSS modifier, label), ``labels`` from ``status_labels()``: a confirmed visit whose patient has
    arrived reads "Arrived"."""
    if appointment.status == Status.CONFIRMED and appointment.arrived_at:
        return "arrived", "Arrived"
    return appointment.status, labels[appointment.status]


# --- layout ---------------------------------------------------------------------------------------
def raw_column(column: Column, *, practitioner_id: int, hours: Iterable[availability.WeeklyHours],
                time_off: Iterable[TimeOff], appointments: Iterable[Appointment], tz) -> RawColumn:
    day = column.day
    bounds = availability.local_day_bounds(day, tz)
    periods = [] if column.closed else sorted(
        (_to_minutes(h.start), _to_minutes(h.end))
        for h in hours if h.practitioner_id == practitioner_id and h.applies_on(day)
    )
    offs = [
        (_minute_of(t.start, day, tz), _minute_of(t.end, day, tz), t.reason)
        for t in time_off if t.practitioner_id == practitioner_id and t.start < bounds[1] and t.end > bounds[0]
    ]
    visits = [
        (_minute_of(a.start, day, tz), _minute_of(a.end, day, tz), _minute_of(a.blocks_until, day, tz), a)
        for a in appointments
        if a.practitioner_id == practitioner_id and a.start < bounds[1] and a.end > bounds[0]
        and a.status not in HIDDEN_STATUSES
    ]
    if column.closed:
        column.hours_label = format_html("Closed: <bdi>{}</bdi>", column.closed)
    elif periods:
        column.hours_label = "Working " + ", ".join(_span_label(s, e) for s, e in periods)
    else:
        column.hours_label = "Not working"
    if offs:
        # Written in the heading too: an appointment may cover the label of the shaded block.
        column.off_label = format_html_join("; ", "{}", ((_off_label(s, e, reason),) for s, e, reason in sorted(offs)))
    return RawColumn(column, periods, offs, visits)


def _off_label(start: int, end: int, reason: str) -> SafeString:
    """'Time off 1:00–5:00 p.m. (IMS course)', the reason (typed by staff) isolated and escaped."""
    if reason:
        return format_html("Time off {} (<bdi>{}</bdi>)", _span_label(start, end), reason)
    return format_html("Time off {}", _span_label(start, end))


def _row_range(raws: list[RawColumn]) -> tuple[int, int, bool]:
    """First and last minute shown: whole hours around all working hours and appointments."""
    periods = [p for raw in raws for p in raw.periods]
    has_hours = bool(periods)
    first = min((s for s, _ in periods), default=DEFAULT_OPEN)
    last = max((e for _, e in periods), default=DEFAULT_CLOSE)
    for raw in raws:  # a visit booked outside working hours must still be on the sheet
        for start, end, _, _ in raw.appointments:
            first, last = min(first, start), max(last, end)
    first = first // 60 * 60
    last = min(DAY_MINUTES, -(-last // 60) * 60)
    if last <= first:
        last = min(DAY_MINUTES, first + 60)
    return first, last, has_hours


def _place(start: int, end: int, first: int, last: int) -> tuple[int, int] | None:
    """Grid line and span of [start, end) in minutes, or None when it is not on the sheet."""
    start, end = max(start, first), min(end, last)
    if end <= start:
        return None
    row = (start - first) // ROW_MINUTES + 1
    end_row = -(-(end - first) // ROW_MINUTES) + 1
    return row, max(1, end_row - row)


def _assign_lanes(blocks: list[Block]) -> int:
    """Put overlapping appointments side by side; return how many lanes the column needs.

    Greedy interval partitioning within each group of blocks that overlap on the grid; a block
    that overlaps nothing keeps the full width (lane 0).
    """
    most = 1
    group: list[Block] = []
    lane_ends: list[int] = []
    group_end = 0

    def finish(group: list[Block], lane_count: int) -> int:
        if lane_count == 1:
            for block in group:
                block.lane = 0
        return lane_count

    for block in sorted(blocks, key=lambda b: (b.row, -b.span)):
        if group and block.row >= group_end:
            most = max(most, finish(group, len(lane_ends)))
            group, lane_ends, group_end = [], [], 0
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= block.row), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0)
        lane_ends[lane] = block.row + block.span
        block.lane = min(lane, MAX_LANES - 1) + 1
        group.append(block)
        group_end = max(group_end, block.row + block.span)
    if group:
        most = max(most, finish(group, len(lane_ends)))
    return min(most, MAX_LANES)


def detail_link() -> Callable[[str], str]:
    """The appointment page's address for a reference: reverse() once, not once per block."""
    marker = "REFERENCE"
    before, after = reverse("staff:appointment-detail", args=[marker]).split(marker)
    return lambda reference: f"{before}{quote(reference, safe='')}{after}"


def visit_span(appointment: Appointment, tz) -> str:
    """'9:00–9:45 a.m.': a visit's time on its local day, written as the calendars write it."""
    day = appointment.start.astimezone(tz).date()
    return _span_label(_minute_of(appointment.start, day, tz), _minute_of(appointment.end, day, tz))


def build_grid(raws: list[RawColumn], *, user, now: datetime, tz,
               balances: dict[int, Decimal] | None = None,
               course_visits: dict[int, tuple[int, int]] | None = None) -> Grid:
    """``balances`` (patient id to what they owe, for users who may see money) marks the blocks of
    patients with a balance owing; a block whose patient this user may not see never carries it."""
    balances = balances or {}
    course_visits = course_visits or {}
    first, last, has_hours = _row_range(raws)
    sees = details_checker(user)
    link = detail_link()
    labels = status_labels()
    rows = (last - first) // ROW_MINUTES
    now_local = now.astimezone(tz)
    now_minute = now_local.hour * 60 + now_local.minute
    for raw in raws:
        column = raw.column
        if column.closed:
            column.shading.append(Block("closed", 1, rows, format_html("Closed: <bdi>{}</bdi>", column.closed)))
        for start, end in raw.periods:
            if placed := _place(start, end, first, last):
                column.shading.append(Block("work", *placed, _span_label(start, end)))
        for start, end, reason in raw.time_off:
            if placed := _place(start, end, first, last):
                column.shading.append(Block("off", *placed, _off_label(start, end, reason)))
        for start, end, blocks_until, appointment in raw.appointments:
            placed = _place(start, end, first, last)
            if placed is None:
                continue
            if appointment.holds_time and (buffer := _place(end, blocks_until, first, last)):
                column.shading.append(Block("buffer", *buffer, "Buffer"))
            status, status_label = status_of(appointment, labels)
            visible = sees(appointment)
            column.appointments.append(Block(
                "appointment", *placed, appointment=appointment, visible=visible,
                status=status, status_label=status_label, when=_span_parts(start, end),
                href=link(appointment.reference) if visible else "",
                who=appointment.patient.full_name if visible else "Booked", what=appointment.service.name,
                owes=balances.get(appointment.patient_id) if visible else None,
                course="visit {} of {}".format(*course_visits[appointment.pk])
                if visible and appointment.pk in course_visits else "",
            ))
        column.lanes = _assign_lanes(column.appointments)
        column.appointments.sort(key=lambda b: (b.row, b.lane))
        if column.day == now_local.date() and first <= now_minute < last:
            column.now_row = (now_minute - first) // ROW_MINUTES + 1
            column.now_minute = (now_minute - first) % ROW_MINUTES
    hour_labels = [Block("hour", (m - first) // ROW_MINUTES + 1, 60 // ROW_MINUTES, _hour_label(m))
                   for m in range(first, last, 60)]
    return Grid(first, rows, [raw.column for raw in raws], hour_labels, has_hours)


def hidden(appointments: Iterable[Appointment], user) -> list[tuple[Appointment, bool]]:
    """Cancelled and declined visits: listed under the grid, never occupying it."""
    sees = details_checker(user)
    return [(a, sees(a)) for a in appointments if a.status in HIDDEN_STATUSES]
