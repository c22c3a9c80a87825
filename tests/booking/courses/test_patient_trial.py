"""The patient books the rest of their IMS trial from their manage link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.courses.models import Course, CourseVisit
from booking.courses.series import gap_days
from booking.models import Appointment
from booking.parsing import parse_start
from booking.schedules import clinic_zone
from booking.templatetags.booking_tags import local_when
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def assessment():
    practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
    appointment, token = book(start=local(2026, 12, 2, 10), practitioner=practitioner,
                              source=Appointment.Source.STAFF)  # confirmed
    return appointment, token


def proposals(client, token) -> dict:
    page = client.get(reverse("booking:manage-trial", args=[token]))
    assert page.status_code == 200
    data = {"every_days": "7", "weekday": "2", "part_of_day": "", "at": "10:00"}
    data.update({f"visit-{p.number}": p.start.strftime("%Y-%m-%dT%H:%M:%SZ") for p in page.context["proposals"]
                 if p.placed})
    return data


def test_the_patient_books_five_weekly_visits_and_the_course_is_opened_with_them(
        client, assessment, mailoutbox, django_capture_on_commit_callbacks):
    appointment, token = assessment
    manage = client.get(reverse("booking:manage", args=[token])).content.decode()
    assert "Book the rest of your IMS trial" in manage
    data = proposals(client, token)
    assert len([k for k in data if k.startswith("visit-")]) == 5
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("booking:manage-trial-book", args=[token]), data)
    assert response.status_code == 302 and response["Location"] == reverse("booking:manage", args=[token])
    course = Course.objects.get()
    visits = list(course.kept_visits())
    assert len(visits) == 6 and visits[0] == appointment and course.area == ""
    assert all(v.status == "confirmed" and v.source == "online" for v in visits[1:])
    assert [gap_days(a.start, b.start, clinic_zone()) for a, b in zip(visits, visits[1:], strict=False)] == [7] * 5
    [email] = [m for m in mailoutbox if appointment.patient.email in m.to]
    assert "Your visits are booked: 5 visits" in email.subject and "IMS" not in email.subject
    # once booked, the link offers no second trial
    assert "Book the rest of your IMS trial" not in client.get(reverse("booking:manage", args=[token])).content.decode()
    again = client.get(reverse("booking:manage-trial", args=[token]))  # back to the visit's page, saying why
    assert again.status_code == 302 and again["Location"] == reverse("booking:manage", args=[token])


def test_a_time_taken_meanwhile_books_nothing_and_leaves_no_course(client, assessment):
    appointment, token = assessment
    data = proposals(client, token)
    book(start=parse_start(data["visit-2"]), practitioner=appointment.practitioner,
         service=make_service("ims-follow-up"), source=Appointment.Source.STAFF)
    response = client.post(reverse("booking:manage-trial-book", args=[token]), data)
    assert response.status_code == 409 and "Nothing was booked" in response.content.decode()
    assert not Course.objects.exists() and not CourseVisit.objects.exists()


def test_the_patient_is_never_offered_a_time_near_their_other_ims_visit(client, assessment):
    appointment, token = assessment
    other, _ = book(start=local(2026, 12, 9, 10), practitioner=make_practitioner(), patient=appointment.patient,
                    source=Appointment.Source.STAFF)  # with another practitioner, a week after
    from booking.schedules import too_close

    page = client.get(reverse("booking:manage-trial", args=[token]))
    offered = [start for p in page.context["proposals"] for start in filter(None, [p.start, *p.alternatives])]
    assert offered and not any(too_close(start, other.start) for start in offered)
    # and a time near it, sent by hand, is refused (the link proves who the patient is)
    near = local(2026, 12, 14, 10).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.post(reverse("booking:manage-trial-book", args=[token]), {"every_days": "7", "visit-1": near})
    assert response.status_code == 400 and "at least 7 days apart" in response.content.decode()


def test_only_a_confirmed_ims_assessment_offers_the_trial(client):
    practitioner = make_practitioner(services_=[make_service(), make_service("ims-follow-up")])
    requested, token = book(start=local(2026, 12, 2, 10), practitioner=practitioner, patient=make_patient())
    assert requested.status == "requested"
    assert "Book the rest of your IMS trial" not in client.get(reverse("booking:manage", args=[token])).content.decode()
    assert client.get(reverse("booking:manage-trial", args=[token])).status_code == 404
    assert client.post(reverse("booking:manage-trial-book", args=[token]), {"every_days": "7"}).status_code == 404


def test_hand_made_times_too_close_together_are_refused(client, assessment):
    appointment, token = assessment
    soon = (appointment.start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.post(reverse("booking:manage-trial-book", args=[token]), {"every_days": "7", "visit-1": soon})
    assert response.status_code == 400 and "7 to 14 days" in response.content.decode()
    assert not Course.objects.exists()


def test_the_patient_gives_todays_pain_before_the_visit_and_the_practitioner_confirms_it(client, assessment):
    from booking.courses import services as courses
    from booking.courses.models import VisitScore

    appointment, token = assessment  # Wednesday 2 December, 10 a.m.
    courses.open_course(appointment=appointment, area="Neck", planned_visits=6, actor=None, now=NOW)
    manage = reverse("booking:manage", args=[token])
    assert "How is your pain today?" not in client.get(manage).content.decode()  # NOW is 2 days + 2 hours before
    with time_machine.travel(local(2026, 12, 1, 18), tick=False):
        assert "How is your pain today?" in client.get(manage).content.decode()
        bad = client.post(reverse("booking:manage-pain", args=[token]), {"pain": "11"}, follow=True)
        assert "Choose a number from 0 to 10" in bad.content.decode()
        client.post(reverse("booking:manage-pain", args=[token]), {"pain": "6"})
        again = client.get(manage).content.decode()  # the score given is the one chosen, to change if need be
        assert "You told us 6." in again
        assert re.findall(r'<input type="radio"[^>]*value="(\d+)"[^>]*\bchecked', again) == ["6"]
        assert again.count('class="form-check-input"') == 11
    score = VisitScore.objects.get(appointment=appointment)
    assert score.pain == 6 and score.patient_reported and score.recorded_by is None
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username="maya", password="x")
    user.groups.add(Group.objects.get(name="Practitioner"))
    appointment.practitioner.user = user
    appointment.practitioner.save(update_fields=["user"])
    client.force_login(user)
    page = client.get(f"/staff/appointments/{appointment.reference}/").content.decode()
    assert "The patient gave 6 of 10" in page and 'value="6"' in page and "Confirm the scores" in page
    client.post(f"/staff/appointments/{appointment.reference}/score/", {"score-pain": "5"})
    score.refresh_from_db()
    assert score.pain == 5 and not score.patient_reported and score.recorded_by == user
    with time_machine.travel(local(2026, 12, 1, 18), tick=False):  # the practitioner's score stands
        response = client.post(reverse("booking:manage-pain", args=[token]), {"pain": "9"}, follow=True)
    score.refresh_from_db()
    assert score.pain == 5 and "ask about your pain at the visit" in response.content.decode()


def test_a_refused_trial_comes_back_with_the_times_the_patient_picked_and_says_which_visit(client, assessment):
    """Visit 2 moved to one of its other times, visit 3 sent 6 days after it: refused, nothing booked, and
    the page shown again keeps the pick for visit 2 (not the suggestion) and names the one refused."""
    appointment, token = assessment
    page = client.get(reverse("booking:manage-trial", args=[token]))
    data = {"every_days": "7", "weekday": "2", "part_of_day": "", "at": "10:00"}
    iso = "%Y-%m-%dT%H:%M:%SZ"
    data.update({f"visit-{p.number}": p.start.strftime(iso) for p in page.context["proposals"] if p.placed})
    second = next(p for p in page.context["proposals"] if p.number == 2)
    assert second.alternatives  # a weekday at 10:00 three weeks out has other times near it
    data["visit-2"] = second.alternatives[0].strftime(iso)
    data["visit-3"] = (second.alternatives[0] + timedelta(days=6)).strftime(iso)
    response = client.post(reverse("booking:manage-trial-book", args=[token]), data)
    html = response.content.decode()
    assert response.status_code == 400 and not Course.objects.exists()
    assert f"The visit on {local_when(parse_start(data['visit-3']))} must be 7 to 14 days after" in html
    def checked(value: str) -> bool:
        return f'value="{value}" checked' in html

    assert checked(data["visit-2"]) and not checked(second.start.strftime(iso))
    assert checked(data["visit-4"])  # the others as sent


def test_a_refusal_after_skipped_visits_names_the_time_the_patient_chose(client, assessment):
    """Visits 3 and 4 left for later, visit 5 three weeks after visit 2: the refusal names visit 5's time
    (counting only the times chosen, it named a visit the patient had left empty)."""
    appointment, token = assessment
    page = client.get(reverse("booking:manage-trial", args=[token]))
    iso = "%Y-%m-%dT%H:%M:%SZ"
    placed = {p.number: p.start for p in page.context["proposals"] if p.placed}
    fifth = placed[1] + timedelta(days=21)
    data = {"every_days": "7", "visit-1": placed[1].strftime(iso), "visit-2": "", "visit-3": "",
            "visit-4": fifth.strftime(iso)}
    response = client.post(reverse("booking:manage-trial-book", args=[token]), data)
    html = response.content.decode()
    assert response.status_code == 400 and not Course.objects.exists()
    assert f"The visit on {local_when(fifth)} must be 7 to 14 days after the one before it" in html
    assert 'id="visit-2-skip" value="" checked' in html and 'id="visit-3-skip" value="" checked' in html


def test_a_stopped_course_s_link_has_no_trial_page(client, assessment):
    appointment, token = assessment
    from booking.courses import services as courses

    course = courses.open_course(appointment=appointment, area="neck", planned_visits=6, actor=None, now=NOW)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.STOPPED, status_reason="No change by visit 4")
    assert client.get(reverse("booking:manage-trial", args=[token])).status_code == 404
