"""A front-desk member signs in, finds a new online request in the queue and confirms it."""

import re

import pytest
import time_machine
from django.contrib.auth.models import Group

from booking.models import Appointment, ClinicClosure, Patient, Screening, TimeOff
from tests.factories import NOW, book, local, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "front-desk-password-2026"


@pytest.fixture
def request_waiting(django_user_model, staff_roles):
    with time_machine.travel(NOW, tick=True):
        user = django_user_model.objects.create_user("sam", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        appointment, _ = book(start=local(2026, 12, 1, 10), practitioner=make_practitioner("Maya Chen"),
                              patient_note="Neck pain since the summer")
        yield appointment


def sign_in(page, next_path="/staff/"):
    page.goto(f"/staff/login/?next={next_path}")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_front_desk_confirms_an_online_request(page, axe, request_waiting):
    page.goto("/staff/")
    assert "/staff/login/" in page.url
    axe(page)
    sign_in(page)
    page.wait_for_url("**/staff/")
    queue = page.get_by_role("region", name="Requests to answer 1")
    assert request_waiting.patient.full_name in queue.inner_text()
    assert "Neck pain since the summer" in queue.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # no sideways page
    axe(page)

    queue.get_by_role("button", name=f"Confirm {request_waiting.patient.full_name}").click()
    page.wait_for_url("**/staff/")
    assert f"{request_waiting.reference} confirmed" in page.inner_text("main")
    request_waiting.refresh_from_db()
    assert request_waiting.status == Appointment.Status.CONFIRMED

    page.goto("/staff/day/?date=2026-12-01")
    block = page.locator(f'a.cal-appt[href="/staff/appointments/{request_waiting.reference}/"]')
    assert "confirmed" in block.inner_text().lower() and request_waiting.patient.full_name in block.inner_text()
    axe(page)

    block.click()
    page.wait_for_url(f"**/staff/appointments/{request_waiting.reference}/")
    assert "Confirmed" in page.inner_text(".status")
    assert "confirmed by sam" in page.inner_text("main")
    axe(page)


# --- issue 13: right-to-left names, screening recorded later, undo, schedules --------------------------
@pytest.fixture
def desk_may_reopen_days(staff_roles):
    """What booking/migrations/0008 grants the front desk (transactional tests flush migration rows)."""
    import importlib

    from django.apps import apps

    importlib.import_module("booking.migrations.0008_front_desk_removes_closures").grant_front_desk(apps, None)


NAME = "مريم حداد"
# Visual positions of the name and of each character of the reference in the page's first heading (or
# ``selector``), from the rendered text itself: the markup may isolate the name or not.
POSITIONS = """([selector, name, ref]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let nameNode = null, refNode = null;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!nameNode && node.data.includes(name)) nameNode = node;
    if (!refNode && node.data.includes(ref)) refNode = node;
  }
  const box = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return range.getBoundingClientRect();
  };
  const at = nameNode.data.indexOf(name);
  const nameBox = box(nameNode, at, at + name.length);
  const from = refNode.data.indexOf(ref);
  return {nameRight: nameBox.right, nameTop: nameBox.top,
          refLefts: [...ref].map((_, i) => box(refNode, from + i, from + i + 1).left),
          refTop: box(refNode, from, from + 1).top};
}"""


def assert_reference_reads_after_the_name(page, selector, reference):
    found = page.evaluate(POSITIONS, [selector, NAME, reference])
    if abs(found["refTop"] - found["nameTop"]) < 5:  # on one line (a phone may wrap the heading)
        assert min(found["refLefts"]) >= found["nameRight"] - 1, found
    assert found["refLefts"] == sorted(found["refLefts"]), found  # the reference itself left to right


def test_a_name_in_arabic_script_never_reorders_the_booking_reference(page, axe, request_waiting):
    """A reference starting with a digit, after a right-to-left name: without isolation the bidi algorithm
    moves the digit to the left of the name ("4 مريم حداد WQ9YGAC")."""
    reference = "4WQ9YGAC"
    Appointment.objects.filter(pk=request_waiting.pk).update(reference=reference)
    Patient.objects.filter(pk=request_waiting.patient_id).update(first_name="مريم", last_name="حداد")
    sign_in(page, f"/staff/appointments/{reference}/")
    page.wait_for_url(f"**/staff/appointments/{reference}/")
    assert_reference_reads_after_the_name(page, "main h1", reference)
    axe(page)
    page.goto("/staff/")
    assert_reference_reads_after_the_name(page, ".queue-item h3", reference)
    axe(page)


@pytest.fixture
def visit_soon(django_user_model, staff_roles):
    """A phone booking for 8:15 this morning (the clock: 8:00), made without the safety questions."""
    with time_machine.travel(NOW, tick=True):
        user = django_user_model.objects.create_user("sam", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        practitioner = make_practitioner("Maya Chen", hours=((8, 12), (13, 17)))
        appointment, _ = book(start=local(2026, 11, 30, 8, 15), practitioner=practitioner, source="staff")
        yield appointment


def test_the_desk_records_the_screening_later_and_undoes_an_arrival(page, axe, visit_soon):
    sign_in(page, f"/staff/appointments/{visit_soon.reference}/")
    page.wait_for_url(f"**/staff/appointments/{visit_soon.reference}/")
    assert "Safety screening: not asked yet — ask before needling" in page.inner_text(".screening-alert")
    axe(page)

    form = page.locator("form[action$='/screening/']")
    for name, _, _ in Screening.QUESTIONS:
        form.locator(f"input[name='s-{name}'][value='{'yes' if name == 'fear_of_needles' else 'no'}']").check()
    form.get_by_role("button", name="Save the answers").click()
    page.wait_for_load_state()
    assert "safety screening answers saved" in page.inner_text("main")
    assert page.locator(".screening-alert").count() == 0
    assert "Yes: Are you afraid of needles" in page.inner_text("#screening-heading + p + ul")
    assert "recorded screening by sam" in page.inner_text("main")

    page.get_by_role("button", name="Mark arrived").click()
    page.wait_for_load_state()
    undo = page.get_by_role("button", name=re.compile(r"^Undo: arrived at"))
    axe(page)
    undo.click()
    page.wait_for_load_state()
    assert "put back as it was" in page.inner_text("main")
    assert page.get_by_role("button", name="Mark arrived").is_visible()
    assert "undid arrival by sam" in page.inner_text("main")
    visit_soon.refresh_from_db()
    assert visit_soon.arrived_at is None and visit_soon.screening.asked


def test_todays_table_scrolls_inside_its_box_on_a_small_phone(page, axe, visit_soon):
    """The table's buttons carry the patient's name for screen readers (absolutely positioned, hidden
    text): it must stay inside the scrolling box, not push the whole page sideways at 320 px."""
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page)
    page.wait_for_url("**/staff/")
    table = page.get_by_role("region", name="Table of today's appointments")
    assert table.get_by_role("button", name=f"Arrived {visit_soon.patient.full_name}").count() == 1
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")  # the table does scroll, in its box
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_schedules_page_does_not_scroll_sideways_on_a_small_phone(page, axe, request_waiting):
    """Weekly hours of two intervals a day ("8:00 a.m.–12:00 p.m., 1:00–6:00 p.m.") beside the day's name
    were wider than 320 px."""
    make_practitioner("Daniel Okafor", hours=((8, 12), (13, 18)))
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, "/staff/schedules/")
    page.wait_for_url("**/staff/schedules/")
    assert page.get_by_text("1:00–6:00 p.m.").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    axe(page)


def test_the_desk_removes_time_off_and_is_asked_before_closing_a_booked_day(page, axe, request_waiting,
                                                                          desk_may_reopen_days):
    off = TimeOff.objects.create(practitioner=request_waiting.practitioner, start=local(2026, 12, 15, 9),
                                 end=local(2026, 12, 15, 12), reason="Course")
    sign_in(page, "/staff/schedules/")
    page.wait_for_url("**/staff/schedules/")
    axe(page)
    page.get_by_role("button", name=re.compile("^Remove the time off of Maya Chen")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Remove this time off?"
    axe(page)
    page.get_by_role("button", name="Remove").click()
    page.wait_for_url("**/staff/schedules/#time-off")
    assert not TimeOff.objects.filter(pk=off.pk).exists()

    page.fill("#id_closure-date", "2026-12-01")  # the day of the waiting request
    page.fill("#id_closure-name", "Staff training")
    page.get_by_role("button", name="Add closure").click()
    page.wait_for_load_state()
    confirm = page.locator(".records-confirm")
    assert request_waiting.reference in confirm.inner_text() and "Maya Chen" in confirm.inner_text()
    assert not ClinicClosure.objects.exists()
    axe(page)
    confirm.get_by_role("button", name=re.compile("^Close the clinic anyway")).click()
    page.wait_for_url("**/staff/schedules/#closures")
    assert ClinicClosure.objects.get().name == "Staff training"
    assert "still booked" in page.inner_text("main")


def test_enter_in_the_reschedule_form_moves_to_the_typed_time_never_the_first_free_one(page, axe, visit_soon):
    """The page lists free times as buttons before the "Outside working hours" fields: Enter in one of
    those fields must not press the first free time."""
    visit = visit_soon
    sign_in(page, f"/staff/appointments/{visit.reference}/reschedule/")
    page.wait_for_url("**/reschedule/")
    assert page.locator("button[name='start']").count() > 3
    axe(page)
    page.fill("#manual-date", "2026-12-04")  # a Friday: no working hours after 5 p.m.
    page.fill("#manual-time", "18:00")
    page.press("#manual-time", "Enter")  # the override is not ticked: refused, and everything typed stays
    page.wait_for_load_state()
    assert "or it is outside their hours" in page.inner_text(".error-summary")
    assert page.input_value("#manual-date") == "2026-12-04" and page.input_value("#manual-time") == "18:00"
    visit.refresh_from_db()
    assert visit.start == local(2026, 11, 30, 8, 15)
    page.check("#override")
    page.press("#manual-time", "Enter")
    page.wait_for_url(f"**/staff/appointments/{visit.reference}/")
    visit.refresh_from_db()
    assert visit.start == local(2026, 12, 4, 18)


def test_a_long_email_on_the_new_appointment_page_wraps_on_a_small_phone(page, axe, request_waiting):
    patient = request_waiting.patient
    Patient.objects.filter(pk=patient.pk).update(
        email="christopher.vanderlinden-richardson@northshoreconsulting.example.com")
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, f"/staff/appointments/new/?patient={patient.pk}")
    page.wait_for_url("**/staff/appointments/new/**")
    assert page.get_by_text("northshoreconsulting", exact=False).first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [992, 1280])
def test_the_hours_beside_the_hours_form_stay_inside_their_card(page, axe, request_waiting, width):
    """In the narrow column beside the form, a day of two intervals ran past the card and the window."""
    daniel = make_practitioner("Daniel Okafor", hours=((8, 12), (13, 18)))
    Group.objects.get(name="Front desk").user_set.get(username="sam").groups.add(Group.objects.get(name="Clinic admin"))
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, f"/staff/schedules/{daniel.slug}/hours/")
    page.wait_for_url(f"**/staff/schedules/{daniel.slug}/hours/")
    assert page.get_by_text("1:00–6:00 p.m.").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    card = page.locator("aside.records-card")
    assert card.evaluate("box => box.scrollWidth <= box.clientWidth")
