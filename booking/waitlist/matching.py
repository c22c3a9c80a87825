"""Which waitlist entries want a free time, and which times go to whom. Pure: no database, no clock.

A time suits an entry when it is for the entry's visit type, with its practitioner (or anyone), on
one of its weekdays and parts of the day, between its earliest and latest dates, and (for a patient
who joined to move a booked visit) before that visit. ``plan`` walks one freed time's free starts
in order and gives each to the first ``count`` entries it suits, in the order they joined; an entry
gets at most one time per freed time, and times that would overlap one already offered are skipped
(offering both would send people after times that cannot both be booked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

NOON, FIVE_PM = time(12), time(17)


def part_of_day(local: datetime) -> str:
    """"morning" (before noon), "afternoon" (noon to 5 p.m.) or "evening", of a local start."""
    clock = local.time()
    return "morning" if clock < NOON else "afternoon" if clock < FIVE_PM else "evening"


@dataclass(frozen=True)
class Wish:
    """What one entry asked for (``WaitlistEntry`` read into plain values)."""

    entry_id: int
    who: str  # the email, lower-cased: one person on the list twice gets one offer of a time
    service_id: int
    practitioner_id: int | None
    earliest: date
    latest: date
    weekdays: frozenset[int]
    parts: frozenset[str]
    before: datetime | None = None  # the booked visit to move: only earlier times suit


@dataclass(frozen=True)
class Start:
    """A free start time of one visit type with one practitioner; ``local`` is the clinic's wall clock."""

    service_id: int
    practitioner_id: int
    start: datetime
    local: datetime
    blocks: timedelta  # the visit plus its buffer


def suits(wish: Wish, slot: Start) -> bool:
    day = slot.local.date()
    return (wish.service_id == slot.service_id
            and wish.practitioner_id in (None, slot.practitioner_id)
            and wish.earliest <= day <= wish.latest
            and day.weekday() in wish.weekdays
            and part_of_day(slot.local) in wish.parts
            and (wish.before is None or slot.start < wish.before))


def _overlaps(a: Start, b: Start) -> bool:
    return a.practitioner_id == b.practitioner_id and a.start < b.start + b.blocks and b.start < a.start + a.blocks


def plan(wishes: Sequence[Wish], starts: Iterable[Start], *, count: int,
         offered: frozenset[tuple[int, int, datetime]] = frozenset()) -> list[tuple[Start, list[int]]]:
    """[(a free start, the entry ids to offer it to)], earliest start first.

    ``wishes`` are in the order the entries joined; ``offered`` holds (entry, practitioner, start)
    already offered, which are never offered again (a second round goes to the next people).
    """
    chosen: list[tuple[Start, list[int]]] = []
    given: set[int | str] = set()
    for slot in sorted(starts, key=lambda s: (s.start, s.practitioner_id, s.service_id)):
        if any(_overlaps(slot, taken) for taken, _ in chosen):
            continue
        takers: list[Wish] = []
        for wish in wishes:
            if len(takers) == count:
                break
            if (wish.entry_id not in given and wish.who not in given and suits(wish, slot)
                    and (wish.entry_id, slot.practitioner_id, slot.start) not in offered
                    and all(t.who != wish.who for t in takers)):
                takers.append(wish)
        if takers:
            chosen.append((slot, [t.entry_id for t in takers]))
            given.update(t.entry_id for t in takers)
            given.update(t.who for t in takers)
    return chosen
