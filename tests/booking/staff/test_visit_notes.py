"""The practitioner's private visit note, through the front door: who writes it, who reads it, and
that every read is in the history while the text never is."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.models import Appointment, AppointmentEvent, VisitNote
from tests.factories import NOW, book, local, make_practitioner

pytestmark = pytest.mark.django_db
SECRET = "Left trapezius very tight; referred to GP about the numbness."


def user_in(role, name, practitioner=None):
    user = User.objects.create_user(username=name, password="x")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    return user


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visit():
    practitioner = make_practitioner("Maya Chen")
    appointment, _ = book(start=local(2026, 11, 24, 9), practitioner=practitioner, now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    return appointment


def note_url(visit):
    return f"/staff/appointments/{visit.reference}/visit-note/"


def test_the_visits_practitioner_writes_the_note_and_the_history_never_holds_its_text(client, visit):
    client.force_login(user_in("Practitioner", "maya", visit.practitioner))
    response = client.post(note_url(visit), {"text": SECRET})
    assert response.status_code == 302 and response["Location"] == f"/staff/appointments/{visit.reference}/"
    assert VisitNote.objects.get(appointment=visit).text == SECRET
    client.post(note_url(visit), {"text": SECRET + " Better by Friday."})
    actions = list(visit.events.values_list("action", flat=True))
    assert actions[-2:] == ["wrote visit note", "changed visit note"]
    assert all("trapezius" not in str(e.details) for e in AppointmentEvent.objects.all())
    page = client.get(f"/staff/appointments/{visit.reference}/").content.decode()
    assert "trapezius" not in page and "Read or change the note" in page  # opening the visit is not a read
    assert visit.events.filter(action="read visit note").count() == 0


def test_every_read_is_recorded_with_who_read_it(client, visit):
    VisitNote.objects.create(appointment=visit, text=SECRET, updated_at=NOW)
    admin = user_in("Clinic admin", "owner")
    client.force_login(admin)
    for _ in range(2):
        assert SECRET in client.get(note_url(visit)).content.decode()
    reads = visit.events.filter(action="read visit note")
    assert [(e.actor_label, e.actor_id) for e in reads] == [("owner", admin.pk)] * 2
    # the clinic admin reads but does not write, and a refused write shows nothing (no unrecorded read)
    refused = client.post(note_url(visit), {"text": "Overwritten"})
    assert refused.status_code == 403 and "trapezius" not in refused.content.decode()
    assert VisitNote.objects.get(appointment=visit).text == SECRET
    history = client.get(f"/staff/appointments/{visit.reference}/").content.decode()
    assert history.count("read visit note") == 2


def test_the_front_desk_never_reads_a_note(client, visit):
    VisitNote.objects.create(appointment=visit, text=SECRET, updated_at=NOW)
    client.force_login(user_in("Front desk", "desk"))
    assert client.get(note_url(visit)).status_code == 403
    assert client.post(note_url(visit), {"text": "x"}).status_code == 403
    page = client.get(f"/staff/appointments/{visit.reference}/").content.decode()
    assert "Visit note" not in page and "trapezius" not in page
    assert not visit.events.filter(action="read visit note").exists()


def test_another_practitioner_cannot_open_the_note(client, visit):
    VisitNote.objects.create(appointment=visit, text=SECRET, updated_at=NOW)
    client.force_login(user_in("Practitioner", "sam", make_practitioner("Sam Lee")))
    assert client.get(note_url(visit)).status_code == 403
    assert client.post(note_url(visit), {"text": "mine now"}).status_code == 403
    assert VisitNote.objects.get(appointment=visit).text == SECRET


def test_a_too_long_note_is_refused_and_kept_in_the_box_and_an_empty_one_clears_it(client, visit):
    client.force_login(user_in("Practitioner", "maya", visit.practitioner))
    long_text = "Tight. " * 800
    response = client.post(note_url(visit), {"text": long_text})
    page = response.content.decode()
    assert response.status_code == 400 and "under 5000 characters" in page
    assert long_text.strip() in page  # nothing typed is lost
    assert not VisitNote.objects.filter(appointment=visit).exists()
    client.post(note_url(visit), {"text": SECRET})
    client.post(note_url(visit), {"text": "  \x00 "})
    assert not VisitNote.objects.filter(appointment=visit).exists()
    assert visit.events.filter(action="cleared visit note").count() == 1


@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), st.sampled_from(["\x00", "\r\n", "x" * 6000, "<script>x</script>"])))
def test_whatever_the_practitioner_types_is_saved_or_refused_with_a_message(client, visit, text):
    if not User.objects.filter(username="maya").exists():
        user_in("Practitioner", "maya", visit.practitioner)
    client.force_login(User.objects.get(username="maya"))
    response = client.post(note_url(visit), {"text": text})
    assert response.status_code in (302, 400)
    note = VisitNote.objects.filter(appointment=visit).first()
    if response.status_code == 400:
        assert "under 5000 characters" in response.content.decode()
    elif note is not None:
        assert "\x00" not in note.text and len(note.text) <= 5000
    if "<script>" in text and response.status_code == 302:
        assert "<script>x" not in client.get(note_url(visit)).content.decode()
