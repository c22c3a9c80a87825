"""Property tests of the waitlist: the join form through the front door (anything typed is a 302 or the
form again, saying what is wrong and keeping what was typed; a valid join makes exactly one entry, with the
days and times ticked; the same for the manage link's form), when a time suits an entry, and
``matching.plan`` (who is offered which freed time) on random wishes and free times.

How many examples comes from the Hypothesis profile (tests/conftest.py): 20 locally, 80 on CI. The
form tests share one database transaction across examples, so each compares the entries before and
after its request instead of expecting an empty table.
"""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.forms import DateField
from booking.models import EmailNotice, WaitlistEntry
from booking.waitlist import matching
from clinic.text import clean_text
from tests.factories import NOW, VANCOUVER, book, local, make_practitioner
from tests.test_hostile_input import NASTY

pytestmark = pytest.mark.django_db
HYPOTHESIS = hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JOIN = "/book/waitlist/join/ims-assessment/"
TODAY = date(2026, 11, 30)  # NOW is Monday 30 November 2026, 8 a.m. in BC
LAST_DAY = TODAY + timedelta(days=60)  # settings.BOOKING_HORIZON_DAYS
PARTS = WaitlistEntry.Part.values
MAYA = "<maya>"  # stands for the practitioner's slug, known once the fixture has made her
TEXT_FIELDS = ("earliest", "latest", "first_name", "last_name", "email", "phone", "website")
SHORT = 60  # a typed value this short and printable must be shown back exactly


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya(settings):
    settings.BOOKING_RATE_LIMIT_PER_HOUR = 10_000  # every example is a new submission from one address
    return make_practitioner("Maya Chen")


# --- what a patient may type -------------------------------------------------------------------
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
QUOTES = st.sampled_from(['" onfocus="alert(1)', "&amp;", "&lt;b&gt;", "O'Brien", "a > b"])  # escaped, shown back
HOSTILE = st.one_of(NASTY, QUOTES, ANY_TEXT)
DAYS = st.dates(TODAY - timedelta(days=10), LAST_DAY + timedelta(days=30)).map(date.isoformat)
LETTERS = st.text(st.characters(categories=("L",)), min_size=1, max_size=40)
EMAILS = st.builds("{}@{}".format, st.text(string.ascii_lowercase + string.digits + "._", min_size=1, max_size=20)
                   .filter(lambda s: s[0] not in "._" and s[-1] not in "._" and ".." not in s),
                   st.sampled_from(["example.com", "clinic.example.ca", "mail.example.org"]))
PHONES = st.sampled_from(["604-555-0142", "+1 (604) 555-0142", "604.555.0142", "6045550142"])


def one_of_weighted(good, bad):
    return st.one_of(good, good, bad)


FIELDS = {
    "practitioner": one_of_weighted(st.sampled_from(["any", MAYA]), st.one_of(st.sampled_from(["", "nobody"]),
                                                                              HOSTILE)),
    "earliest": one_of_weighted(DAYS, HOSTILE),
    "latest": one_of_weighted(DAYS, HOSTILE),
    "weekdays": st.lists(one_of_weighted(st.sampled_from([str(d) for d in range(7)]), HOSTILE), max_size=8),
    "parts_of_day": st.lists(one_of_weighted(st.sampled_from(PARTS), HOSTILE), max_size=4),
    "first_name": one_of_weighted(LETTERS, HOSTILE),
    "last_name": one_of_weighted(LETTERS, HOSTILE),
    "email": one_of_weighted(EMAILS, HOSTILE),
    "phone": one_of_weighted(st.one_of(st.just(""), PHONES), HOSTILE),
    "consent": one_of_weighted(st.just("on"), st.sampled_from(["", "false", "0", "yes"])),
    "website": one_of_weighted(st.just(""), HOSTILE),
}


@st.composite
def join_forms(draw) -> dict:
    """A submission of the join form: each field valid or hostile, some left out."""
    dropped = draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=2))
    return {name: draw(value) for name, value in FIELDS.items() if name not in dropped}


@st.composite
def valid_join_forms(draw) -> dict:
    earliest = draw(st.dates(TODAY, LAST_DAY))
    latest = draw(st.dates(earliest, LAST_DAY + timedelta(days=30)))  # past the horizon: kept to the horizon
    return {
        "practitioner": draw(st.sampled_from(["any", MAYA])), "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        # ticked as a browser sends them; a repeated value (a hand-made request) counts once
        "weekdays": draw(st.lists(st.sampled_from([str(d) for d in range(7)]), min_size=1, max_size=9)),
        "parts_of_day": draw(st.lists(st.sampled_from(PARTS), min_size=1, max_size=4)),
        "first_name": draw(LETTERS), "last_name": draw(LETTERS), "email": draw(EMAILS),
        "phone": draw(st.one_of(st.just(""), PHONES)), "consent": "on", "website": "",
    }


def with_slug(form: dict, slug: str) -> dict:
    return {**form, "practitioner": slug} if form.get("practitioner") == MAYA else form


# --- reading the page back -----------------------------------------------------------------------
class Inputs(HTMLParser):
    """The page's <input> elements: text values by name, and the ticked checkboxes and radios."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.ticked: dict[str, set[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag != "input":
            return
        attrs = dict(attrs)
        name, value = attrs.get("name", ""), attrs.get("value") or ""
        if attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:
                self.ticked.setdefault(name, set()).add(value)
        else:
            self.values.setdefault(name, []).append(value)


def shown_back(value: str) -> bool:
    """A value the page must show exactly as typed: printable, short and not blank (a blank box shows
    no value; control characters, a NUL among them, are refused and not echoed byte for byte)."""
    return bool(value.strip()) and value.isprintable() and len(value) <= SHORT


def entries() -> set[int]:
    return set(WaitlistEntry.objects.values_list("pk", flat=True))


def assert_joined(response, form: dict, new: set[int], maya) -> WaitlistEntry:
    assert response.status_code == 302 and response["Location"] == "/book/waitlist/joined/"
    assert len(new) == 1, "a valid join makes exactly one entry"
    entry = WaitlistEntry.objects.get(pk=new.pop())
    assert entry.status == WaitlistEntry.Status.WAITING
    assert entry.weekdays == sorted({int(d) for d in form["weekdays"]})
    assert entry.parts_of_day == [p for p in PARTS if p in form["parts_of_day"]]
    earliest, latest = DateField().to_python(form["earliest"]), DateField().to_python(form["latest"])
    assert (entry.earliest, entry.latest) == (earliest, min(latest, LAST_DAY))
    assert entry.practitioner == (maya if form["practitioner"] == maya.slug else None)
    assert (entry.first_name, entry.last_name) == (clean_text(form["first_name"]), clean_text(form["last_name"]))
    assert entry.email == clean_text(form["email"]) and entry.appointment is None
    assert EmailNotice.objects.filter(waitlist_entry=entry, kind=EmailNotice.Kind.WAITLIST_JOINED).count() == 1
    return entry


# --- the join form ---------------------------------------------------------------------------------
@HYPOTHESIS
@given(form=join_forms())
def test_whatever_is_typed_into_the_join_form_is_joined_or_refused_with_everything_typed_kept(client, maya, form):
    form = with_slug(form, maya.slug)
    before = entries()
    response = client.post(JOIN, form)
    assert response.status_code in (302, 200), response.status_code
    new = entries() - before
    event(f"answered {response.status_code}")  # --hypothesis-show-statistics: how many joined, how many refused
    if response.status_code == 302:
        assert_joined(response, form, new, maya)
        return
    assert not new, "a refused form stored an entry"
    html = response.content.decode()
    assert 'class="error-summary"' in html, "a refused join must say what is wrong"
    page = Inputs(html)
    for name in TEXT_FIELDS:  # nothing typed is lost
        if isinstance(form.get(name), str) and shown_back(form[name]):
            assert form[name] in page.values.get(name, []), (name, form[name], page.values.get(name))
    for name, choices in (("weekdays", [str(d) for d in range(7)]), ("parts_of_day", PARTS)):
        ticked = {value for value in form.get(name, []) if value in choices}
        assert page.ticked.get(name, set()) == ticked, (name, ticked, page.ticked.get(name))
    if form.get("practitioner") in ("any", maya.slug):
        assert page.ticked.get("practitioner") == {form["practitioner"]}


@HYPOTHESIS
@given(form=valid_join_forms())
def test_a_valid_join_always_makes_exactly_one_waiting_entry_with_the_days_and_times_ticked(client, maya, form):
    form = with_slug(form, maya.slug)
    before = entries()
    response = client.post(JOIN, form)
    assert_joined(response, form, entries() - before, maya)


# --- joining from a booked visit's manage link ------------------------------------------------------
@pytest.fixture
def visit(maya):
    """A visit on Wednesday 9 December at 10 a.m.: only earlier times are offered to move it."""
    return book(start=local(2026, 12, 9, 10), practitioner=maya)


MANAGE_FIELDS = {name: FIELDS[name] for name in ("practitioner", "earliest", "weekdays", "parts_of_day")}


@HYPOTHESIS
@example(form={})  # once an unbound form: the page came back with no error summary
@example(form={"practitioner": "any", "earliest": "2026-12-10", "weekdays": ["3"], "parts_of_day": ["morning"]})
@given(form=st.builds(lambda values, dropped: {k: v for k, v in values.items() if k not in dropped},
                      st.fixed_dictionaries(MANAGE_FIELDS), st.sets(st.sampled_from(sorted(MANAGE_FIELDS)))))
def test_whatever_is_typed_into_the_manage_links_waitlist_form_is_joined_or_refused(client, visit, maya, form):
    """Only earlier times are offered: a first day after the visit's is refused (it once broke the
    entry's dates-in-order constraint, a 500)."""
    appointment, token = visit
    form = with_slug(form, maya.slug)
    before = entries()
    response = client.post(f"/book/manage/{token}/waitlist/", form)
    assert response.status_code in (302, 200), response.status_code
    new = entries() - before
    if response.status_code == 302:
        assert len(new) == 1
        entry = WaitlistEntry.objects.get(pk=new.pop())
        assert entry.appointment == appointment and entry.earliest <= entry.latest == date(2026, 12, 9)
        assert entry.weekdays == sorted({int(d) for d in form["weekdays"]})
        # joining again from the same visit replaces the earlier wish
        assert WaitlistEntry.objects.filter(appointment=appointment, status="waiting").get() == entry
    else:
        html = response.content.decode()
        assert not new and 'class="error-summary"' in html
        if shown_back(form.get("earliest", "")):
            assert form["earliest"] in Inputs(html).values.get("earliest", [])


# --- matching: when a time suits an entry ---------------------------------------------------------
MONDAY = date(2026, 12, 7)
# Where the parts of the day meet, drawn often: a start at noon is the afternoon, at 5 p.m. the evening.
EDGES = [(11, 45), (12, 0), (16, 45), (17, 0)]


def part_by_the_rules(slot: matching.Start) -> str:
    hour = slot.local.hour
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


def suits_by_the_rules(wish: matching.Wish, slot: matching.Start) -> bool:
    """What "suits" means (booking/waitlist/matching.py's docstring), spelled out again."""
    day = slot.local.date()
    return (wish.service_id == slot.service_id and wish.practitioner_id in (None, slot.practitioner_id)
            and wish.earliest <= day <= wish.latest and day.weekday() in wish.weekdays
            and part_by_the_rules(slot) in wish.parts and (wish.before is None or slot.start < wish.before))


@st.composite
def one_slot(draw) -> matching.Start:
    hour, minute = draw(st.one_of(st.sampled_from(EDGES), st.sampled_from(EDGES),
                                  st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))))
    wall = datetime(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute, tzinfo=VANCOUVER) + timedelta(
        days=draw(st.integers(0, 6)))
    at = wall.astimezone(UTC)
    return matching.Start(service_id=draw(st.sampled_from([1, 2])), practitioner_id=draw(st.sampled_from([1, 2])),
                          start=at, local=at.astimezone(VANCOUVER), blocks=timedelta(minutes=60))


MISSES = ["service", "practitioner", "earliest", "latest", "weekday", "part", "before"]
NEIGHBOURS = {"morning": ["afternoon"], "afternoon": ["morning", "evening"], "evening": ["afternoon"]}


@st.composite
def wish_for(draw, slot: matching.Start) -> tuple[matching.Wish, str | None]:
    """A wish that fits ``slot`` on every count, at the edge of each (from that very day, until that
    day, only that part of the day, a visit to move a quarter hour later), or misses on exactly one
    count, just (the day after, the part next to it, the visit at that very time); and which one."""
    miss = draw(st.sampled_from([None, None, *MISSES]))
    day, part = slot.local.date(), part_by_the_rules(slot)
    earliest = day - timedelta(days=draw(st.sampled_from([0, 0, 3])))
    latest = day + timedelta(days=draw(st.sampled_from([0, 0, 3])))
    weekdays = draw(st.frozensets(st.integers(0, 6))) | {day.weekday()}
    parts = draw(st.sampled_from([frozenset({part}), frozenset(PARTS)]))
    before = draw(st.sampled_from([None, slot.start + timedelta(minutes=15)]))
    wish = matching.Wish(entry_id=1, who="ana@example.com", service_id=slot.service_id,
                         practitioner_id=draw(st.sampled_from([None, slot.practitioner_id])), earliest=earliest,
                         latest=latest, weekdays=frozenset(weekdays), parts=parts, before=before)
    broken = {
        "service": {"service_id": 3 - slot.service_id},
        "practitioner": {"practitioner_id": 3 - slot.practitioner_id},
        "earliest": {"earliest": day + timedelta(days=1), "latest": max(latest, day + timedelta(days=1))},
        "latest": {"latest": day - timedelta(days=1), "earliest": min(earliest, day - timedelta(days=1))},
        "weekday": {"weekdays": (weekdays - {day.weekday()}) or frozenset({(day.weekday() + 1) % 7})},
        "part": {"parts": frozenset({draw(st.sampled_from(NEIGHBOURS[part]))})},
        "before": {"before": draw(st.sampled_from([slot.start, slot.start - timedelta(minutes=15)]))},
    }
    return (replace(wish, **broken[miss]) if miss else wish), miss


@given(data=st.data())
def test_a_time_suits_an_entry_exactly_when_the_rules_say(data):
    slot = data.draw(one_slot(), label="slot")
    wish, miss = data.draw(wish_for(slot), label="wish, and what it misses")
    assert suits_by_the_rules(wish, slot) == (miss is None)  # the strategy itself
    assert matching.suits(wish, slot) == (miss is None), miss
    event(f"misses: {miss}")


@pytest.mark.parametrize(("hour", "minute", "part"), [(0, 0, "morning"), (11, 59, "morning"), (12, 0, "afternoon"),
                                                      (16, 59, "afternoon"), (17, 0, "evening"), (23, 59, "evening")])
def test_the_parts_of_the_day_meet_at_noon_and_at_five(hour, minute, part):
    """The edges, every run: on CI Hypothesis draws the same examples each time (derandomized)."""
    assert matching.part_of_day(datetime(2026, 12, 7, hour, minute, tzinfo=VANCOUVER)) == part


# --- matching.plan: who is offered which freed time ----------------------------------------------
EMAILS_POOL = ["ana@example.com", "ben@example.com", "cy@example.com"]  # shared on purpose: one person twice


@st.composite
def free_times(draw) -> list[matching.Start]:
    """Runs of free starts a step apart, as ``available_slots`` gives them (so that many overlap), for
    two visit types and two practitioners over one week."""
    found = []
    for _ in range(draw(st.integers(1, 4))):
        service_id, practitioner_id = draw(st.sampled_from([1, 1, 2])), draw(st.sampled_from([1, 2]))
        hour, minute = draw(st.one_of(st.sampled_from(EDGES), st.tuples(st.integers(7, 19), st.sampled_from([0, 30]))))
        first = datetime(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute, tzinfo=VANCOUVER) + timedelta(
            days=draw(st.integers(0, 6)))
        step, blocks = (timedelta(minutes=draw(st.sampled_from(m))) for m in ([15, 30, 45, 60], [30, 45, 60, 75]))
        for n in range(draw(st.integers(1, 5))):
            at = (first + n * step).astimezone(UTC)
            found.append(matching.Start(service_id=service_id, practitioner_id=practitioner_id, start=at,
                                        local=at.astimezone(VANCOUVER), blocks=blocks))
    return found


def some_or_all(values):
    return st.one_of(st.just(frozenset(values)), st.frozensets(st.sampled_from(values), min_size=1))


@st.composite
def wishes(draw, free: list[matching.Start]) -> list[matching.Wish]:
    """Entries in the order they joined (ids increasing), some by the same person (one email). Either a
    crowd (everyone takes any time of their visit type: the count, the join order and one person
    twice decide who gets what), or each with days, times and dates of their own; a visit to move is
    then sometimes booked at one of the free starts exactly (only earlier ones suit)."""
    crowd, found = draw(st.booleans()), []
    for entry_id in range(1, draw(st.integers(1, 10)) + 1):
        who, service_id = draw(st.sampled_from(EMAILS_POOL)), draw(st.sampled_from([1, 1, 2]))
        if crowd:
            found.append(matching.Wish(
                entry_id=entry_id, who=who, service_id=service_id, practitioner_id=None,
                earliest=MONDAY, latest=MONDAY + timedelta(days=6), weekdays=frozenset(range(7)),
                parts=frozenset(PARTS)))
            continue
        earliest = MONDAY + timedelta(days=draw(st.integers(-3, 4)))
        before = draw(st.one_of(st.none(), st.none(), st.sampled_from([s.start for s in free]), st.builds(
            lambda d, h: local(2026, 12, 7 + d, h), st.integers(0, 6), st.integers(7, 20))))
        found.append(matching.Wish(
            entry_id=entry_id, who=who, service_id=service_id, practitioner_id=draw(st.sampled_from([None, 1, 2])),
            earliest=earliest, latest=earliest + timedelta(days=draw(st.integers(0, 12))),
            weekdays=draw(some_or_all(range(7))), parts=draw(some_or_all(PARTS)), before=before))
    return found


@st.composite
def plans(draw):
    free = draw(free_times())
    wanted = draw(wishes(free))
    count = draw(st.sampled_from([1, 1, 2, 3]))
    # (entry, time) pairs offered in an earlier round: mostly what a first round of this plan offered
    # (the second round then goes to the next people), sometimes any pair
    earlier = [(entry_id, slot) for slot, ids in matching.plan(wanted, free, count=count) for entry_id in ids]
    pairs = draw(st.lists(st.one_of(
        st.tuples(st.sampled_from([w.entry_id for w in wanted]), st.sampled_from(free)),
        *([st.sampled_from(earlier)] * 3 if earlier else [])), max_size=4))
    offered = frozenset((entry_id, s.practitioner_id, s.start) for entry_id, s in pairs)
    return wanted, free, count, offered


def _overlap(a: matching.Start, b: matching.Start) -> bool:
    return a.practitioner_id == b.practitioner_id and a.start < b.start + b.blocks and b.start < a.start + a.blocks


def suits_and_new(wish: matching.Wish, slot: matching.Start, offered) -> bool:
    return suits_by_the_rules(wish, slot) and (wish.entry_id, slot.practitioner_id, slot.start) not in offered


@given(case=plans())
def test_the_plan_gives_each_freed_time_to_the_first_entries_it_suits_once_each(case):
    wanted, free, count, offered = case
    chosen = matching.plan(wanted, free, count=count, offered=offered)
    event(f"{len(chosen)} times offered")
    by_id = {w.entry_id: w for w in wanted}
    for wish in wanted:
        for slot in free:
            assert matching.suits(wish, slot) == suits_by_the_rules(wish, slot), (wish, slot)
    order = sorted(free, key=lambda s: (s.start, s.practitioner_id, s.service_id))  # the plan's own order
    taken = {id(slot): ids for slot, ids in chosen}
    assert [slot for slot, _ in chosen] == [slot for slot in order if id(slot) in taken], "earliest start first"
    all_ids = [i for _, ids in chosen for i in ids]
    assert len(all_ids) == len(set(all_ids)), "no entry gets two times in one plan"
    people = [by_id[i].who for i in all_ids]
    assert len(people) == len(set(people)), "no person (one email) gets two times in one plan"
    for (a, _), (b, _) in ((x, y) for n, x in enumerate(chosen) for y in chosen[n + 1:]):
        assert not _overlap(a, b), "two offered times overlap for one practitioner"

    given_before: set[int | str] = set()  # entries and emails given a time earlier in the plan
    picked: list[matching.Start] = []
    for slot in order:
        def may_take(wish, slot=slot) -> bool:
            return (suits_and_new(wish, slot, offered) and wish.entry_id not in given_before
                    and wish.who not in given_before)

        ids = taken.get(id(slot))
        if ids is None:  # not offered: it overlaps a time offered before it, or suits nobody still free
            assert any(_overlap(slot, p) for p in picked) or not any(may_take(w) for w in wanted), slot
            continue
        takers = [by_id[i] for i in ids]
        assert 1 <= len(takers) <= count
        assert ids == sorted(ids), "takers in the order they joined"
        assert all(may_take(t) and matching.suits(t, slot) for t in takers), "every offer suits and is new"
        assert not any(_overlap(slot, p) for p in picked)
        emails = {t.who for t in takers}
        for wish in wanted:
            if wish.entry_id in ids or not may_take(wish) or wish.who in emails:
                continue
            # a suitable entry was passed over: only because the time had its ``count`` takers before it
            assert len(takers) == count and wish.entry_id > max(ids), (wish, slot, ids)
            event("a time went to its first takers, with more waiting")
        picked.append(slot)
        given_before.update(ids)
        given_before.update(emails)
