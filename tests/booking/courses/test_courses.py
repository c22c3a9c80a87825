"""IMS courses through the front door: open one from the assessment, book the trial as a series in
one go, and never half-book it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from booking.courses import services as courses
from booking.courses.models import Course, CourseVisit
from booking.courses.series import gap_days
from booking.models import Appointment
from booking.parsing import parse_start
from booking.schedules import clinic_zone
from booking.templatetags.booking_tags import local_when
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, role, name, practitioner=None):
    user = User.objects.create_user(username=name, password="x")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    client.force_login(user)
    return user


@pytest.fixture
def assessment():
    """Tuesday 1 December 2026, 10 a.m., confirmed, with a practitioner who works weekdays."""
    practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
    appointment, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, source=Appointment.Source.STAFF)
    return appointment


def open_course(client, assessment) -> Course:
    response = client.post(f"/staff/appointments/{assessment.reference}/course/",
                           {"area": "Left shoulder and upper back", "planned_visits": "6", "condition": ""})
    course = Course.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/courses/{course.pk}/series/"
    return course


def proposal_form(client, course) -> dict:
    """The series page's booking form as the browser would send it, with every proposed time chosen."""
    page = client.get(f"/staff/courses/{course.pk}/series/")
    assert page.status_code == 200
    proposals = page.context["proposals"]
    data = {"every_days": "7", "weekday": "1", "part_of_day": "", "at": "10:00"}
    data.update({f"visit-{p.number}": p.start.strftime("%Y-%m-%dT%H:%M:%SZ") for p in proposals if p.placed})
    return data


def test_the_desk_opens_a_course_and_books_the_rest_of_the_trial_weekly_in_one_go(client, assessment):
    login(client, "Front desk", "desk")
    page = client.get(f"/staff/appointments/{assessment.reference}/").content.decode()
    assert "Open an IMS course from this visit" in page
    course = open_course(client, assessment)
    assert course.planned_visits == 6 and course.status == "trial" and course.patient == assessment.patient
    data = proposal_form(client, course)
    assert len([k for k in data if k.startswith("visit-")]) == 5
    response = client.post(f"/staff/courses/{course.pk}/series/book/", data)
    assert response.status_code == 302 and response["Location"] == f"/staff/courses/{course.pk}/"
    visits = list(course.kept_visits())
    assert len(visits) == 6 and all(v.status == "confirmed" for v in visits)
    tz = clinic_zone()
    assert [gap_days(a.start, b.start, tz) for a, b in zip(visits, visits[1:], strict=False)] == [7] * 5
    assert {v.start.astimezone(tz).strftime("%a %H:%M") for v in visits} == {"Tue 10:00"}
    detail = client.get(f"/staff/courses/{course.pk}/").content.decode()
    assert "visit 6 of 6" in detail and "Book the rest" not in detail
    last = client.get(f"/staff/appointments/{visits[-1].reference}/").content.decode()
    assert "visit 6 of 6" in last and "Left shoulder and upper back" in last


def test_a_time_taken_meanwhile_books_nothing_and_shows_a_new_proposal(client, assessment):
    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    data = proposal_form(client, course)
    taken = data["visit-3"]
    from booking.parsing import parse_start

    book(start=parse_start(taken), practitioner=assessment.practitioner, service=make_service("ims-follow-up"),
         source=Appointment.Source.STAFF)
    response = client.post(f"/staff/courses/{course.pk}/series/book/", data)
    assert response.status_code == 409
    assert "nothing was booked" in response.content.decode()
    assert CourseVisit.objects.filter(course=course).count() == 1  # only the assessment
    fresh = [p.start for p in response.context["proposals"] if p.placed]
    assert parse_start(taken) not in fresh and len(fresh) == 5


def test_times_closer_than_a_week_are_refused_even_when_posted_by_hand(client, assessment):
    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    too_soon = (assessment.start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.post(f"/staff/courses/{course.pk}/series/book/", {"every_days": "7", "visit-1": too_soon})
    assert response.status_code == 400 and "7 to 14 days" in response.content.decode()
    assert CourseVisit.objects.filter(course=course).count() == 1


def test_a_practitioner_follows_their_own_patients_courses_only(client, assessment):
    course = courses.open_course(appointment=assessment, area="Neck", planned_visits=4, actor=None, now=NOW)
    login(client, "Practitioner", "sam", make_practitioner("Sam Lee"))
    assert client.get(f"/staff/courses/{course.pk}/").status_code == 403
    client.logout()
    login(client, "Practitioner", "maya", assessment.practitioner)
    assert client.get(f"/staff/courses/{course.pk}/").status_code == 200
    assert client.get(f"/staff/courses/{course.pk}/series/").status_code == 403  # booking is the desk's


def test_a_course_is_opened_once_per_visit_and_only_from_an_ims_visit(client, assessment):
    login(client, "Front desk", "desk")
    open_course(client, assessment)
    again = client.post(f"/staff/appointments/{assessment.reference}/course/",
                        {"area": "Neck", "planned_visits": "6"})
    assert again.status_code == 400 and "already belongs to a course" in again.content.decode()
    bad = client.post(f"/staff/appointments/{assessment.reference}/course/", {"area": "", "planned_visits": "9"})
    assert bad.status_code == 400 and 'id="error-summary"' in bad.content.decode()
    assert Course.objects.count() == 1


def completed_course(assessment, pains):
    """A course of len(pains) completed weekly visits with those pain scores, recorded by its practitioner."""
    from booking.courses.models import VisitScore

    course = courses.open_course(appointment=assessment, area="Neck", planned_visits=6, actor=None, now=NOW)
    follow_up = make_service("ims-follow-up")
    visits = [assessment]
    for n in range(1, len(pains)):
        visit, _ = book(start=assessment.start + timedelta(days=7 * n), practitioner=assessment.practitioner,
                        patient=assessment.patient, service=follow_up, source=Appointment.Source.STAFF)
        CourseVisit.objects.create(course=course, appointment=visit)
        visits.append(visit)
    Appointment.objects.filter(pk__in=[v.pk for v in visits]).update(status=Appointment.Status.COMPLETED)
    for visit, pain in zip(visits, pains, strict=True):
        VisitScore.objects.create(appointment=visit, pain=pain, recorded_at=NOW)
    return course, visits


def test_the_practitioner_records_pain_and_the_course_page_charts_it_with_its_table(client, assessment):
    course, visits = completed_course(assessment, [7, 6])
    login(client, "Practitioner", "maya", assessment.practitioner)
    response = client.post(f"/staff/appointments/{visits[1].reference}/score/", {"score-pain": "4"})
    assert response.status_code == 302
    page = client.get(f"/staff/courses/{course.pk}/").content.decode()
    assert '<svg class="chart" id="pain-' in page and "Pain score at each visit" in page
    assert "3 points lower (43 %)" in page and "A meaningful change" in page
    table = page[page.index('id="scores-caption"'):]
    assert ">7</td>" in table and ">4</td>" in table
    bad = client.post(f"/staff/appointments/{visits[1].reference}/score/", {"score-pain": "11"})
    assert bad.status_code == 400 and 'value="11"' in bad.content.decode()  # kept, with the message
    assert "less than or equal to 10" in bad.content.decode()


def test_only_the_courses_practitioner_records_scores(client, assessment):
    course, visits = completed_course(assessment, [7, 6])
    login(client, "Front desk", "desk")
    response = client.post(f"/staff/appointments/{visits[1].reference}/score/", {"score-pain": "2"}, follow=True)
    assert "records scores and reviews" in response.content.decode()
    from booking.courses.models import VisitScore

    assert VisitScore.objects.get(appointment=visits[1]).pain == 6


def test_no_meaningful_change_by_visit_four_is_flagged_until_the_practitioner_reviews(client, assessment):
    course, visits = completed_course(assessment, [7, 7, 6, 7])
    login(client, "Practitioner", "maya", assessment.practitioner)
    today = client.get("/staff/").content.decode()
    assert "IMS courses to look at" in today and "No meaningful change by visit 4" in today
    assert "Review due" in client.get(f"/staff/appointments/{visits[3].reference}/").content.decode()
    empty = client.post(f"/staff/courses/{course.pk}/review/", {"decision": "stop", "note": ""})
    assert empty.status_code == 400 and "Say why IMS stops" in empty.content.decode()
    client.post(f"/staff/courses/{course.pk}/review/", {"decision": "stop", "note": "No change; refer back to GP"})
    course.refresh_from_db()
    assert course.status == "stopped" and course.status_reason == "No change; refer back to GP"
    assert "IMS courses to look at" not in client.get("/staff/").content.decode()


def test_a_review_before_the_fourth_visit_is_refused(client, assessment):
    course, _ = completed_course(assessment, [7, 6, 5])
    login(client, "Practitioner", "maya", assessment.practitioner)
    response = client.post(f"/staff/courses/{course.pk}/review/", {"decision": "continue"})
    assert response.status_code == 400 and "from visit 4 on" in response.content.decode()


def test_the_patient_reads_their_place_in_the_course_and_progress_in_plain_words(client, assessment, mailoutbox,
                                                                                django_capture_on_commit_callbacks):
    from django.urls import reverse

    course, visits = completed_course(assessment, [7, 5])
    with django_capture_on_commit_callbacks(execute=True):
        upcoming, token = book(start=assessment.start + timedelta(days=14), practitioner=assessment.practitioner,
                               patient=assessment.patient, service=make_service("ims-follow-up"),
                               source=Appointment.Source.STAFF)
        CourseVisit.objects.create(course=course, appointment=upcoming)
    page = client.get(reverse("booking:manage", args=[token])).content.decode()
    assert "This is visit 3 of 6." in page
    assert "Your pain score went from 7 out of 10 at your first visit to 5 at your latest (2 points lower)." in page
    assert "Neck" not in page  # the clinical record (area treated, notes) is not the patient's page
    [email] = [m for m in mailoutbox if assessment.patient.email in m.to]
    assert "Course: visit 3 of 6 of your IMS treatment" in email.body


def test_a_booked_series_sends_one_email_listing_every_visit_with_one_calendar_file(
        client, assessment, mailoutbox, django_capture_on_commit_callbacks):
    import icalendar

    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    data = proposal_form(client, course)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/courses/{course.pk}/series/book/", data)
    to_patient = [m for m in mailoutbox if assessment.patient.email in m.to]
    assert len(to_patient) == 1, [m.subject for m in to_patient]
    [email] = to_patient
    booked = list(course.kept_visits())[1:]
    assert "Your visits are booked: 5 visits" in email.subject and "IMS" not in email.subject
    for visit in booked:
        assert visit.reference in email.body
    [(filename, content, mimetype)] = email.attachments
    assert mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert sorted(str(e["uid"]).split("@")[0] for e in events) == sorted(f"appointment-{v.reference}" for v in booked)


def test_a_series_whose_first_visit_is_cancelled_before_its_email_goes_still_lists_the_others(
        client, assessment, mailoutbox):
    """The one series email is queued on its first visit: cancelled before the email is sent (the mail
    server was down), the email still goes, for the visits still booked, with a link to the next one."""
    import re

    from booking import emails, services
    from booking.models import EmailNotice

    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    client.post(f"/staff/courses/{course.pk}/series/book/", proposal_form(client, course))  # not sent yet
    first, *others = list(course.kept_visits())[1:]
    services.cancel_appointment(appointment=first, now=NOW, reason="Patient can't make it")
    mailoutbox.clear()
    for notice in EmailNotice.objects.filter(sent_at=None, kind=EmailNotice.Kind.SERIES_BOOKED):
        emails.deliver(notice.pk, now=NOW)
    [email] = [m for m in mailoutbox if assessment.patient.email in m.to]
    assert f"booked: {len(others)} visits" in email.subject and first.reference not in email.body
    assert all(visit.reference in email.body for visit in others)
    token = re.search(r"/book/manage/([^/\s]+)/", email.body).group(1)
    assert Appointment.objects.for_manage_token(token) == others[0]


def test_the_series_form_reads_back_what_it_shows_and_times_as_people_type_them(client, assessment):
    import re

    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    page = client.get(f"/staff/courses/{course.pk}/series/").content.decode()
    shown = re.search(r'name="at" value="([^"]*)"', page).group(1)
    assert shown == "10:00"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    again = client.get(f"/staff/courses/{course.pk}/series/", hidden)  # "Propose times" without changes
    assert again.status_code == 200 and again.context["proposals"]
    for typed in ("2:30 p.m.", "2:30pm", "14:30", "2 PM"):
        response = client.get(f"/staff/courses/{course.pk}/series/", {"every_days": "7", "at": typed})
        assert response.status_code == 200, typed
        assert response.context["form"].cleaned_data["at"].hour == 14


def test_the_review_is_recorded_once_and_its_note_is_not_the_front_desks_to_read(client, assessment):
    course, _ = completed_course(assessment, [7, 7, 7, 7])
    login(client, "Practitioner", "maya", assessment.practitioner)
    client.post(f"/staff/courses/{course.pk}/review/", {"decision": "stop", "note": "Referred to a sports physician"})
    again = client.post(f"/staff/courses/{course.pk}/review/", {"decision": "continue"})
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    assert course.reviews.count() == 1
    client.logout()
    login(client, "Front desk", "desk")
    page = client.get(f"/staff/courses/{course.pk}/").content.decode()
    assert "Stop IMS" in page and "Referred to a sports physician" not in page


def test_cancelling_a_middle_visit_says_which_neighbours_it_leaves_too_far_apart(client, assessment):
    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    client.post(f"/staff/courses/{course.pk}/series/book/", proposal_form(client, course))
    visits = list(course.kept_visits())
    middle = visits[2]
    response = client.post(f"/staff/appointments/{middle.reference}/cancel/", {"reason": "Away"}, follow=True)
    page = response.content.decode()
    assert "Move a visit to keep the trial" not in page  # 14 days apart still keeps the trial
    far = visits[3]
    response = client.post(f"/staff/appointments/{far.reference}/cancel/", {"reason": "Away"}, follow=True)
    page = response.content.decode()
    assert "are now 21 days apart" in page and "Move a visit to keep the trial" in page


def test_staff_book_an_ims_visit_within_a_week_of_another_only_with_a_reason_kept_in_the_history(client, assessment):
    from booking import services

    follow_up = make_service("ims-follow-up")
    with pytest.raises(services.TooClose):
        services.book_appointment(service=follow_up, practitioner=assessment.practitioner,
                                  patient=assessment.patient, start=local(2026, 12, 4, 10), now=NOW,
                                  source=Appointment.Source.STAFF)
    # the public form never reveals another visit: there it is only flagged for staff
    online, _ = services.book_appointment(service=follow_up, practitioner=assessment.practitioner,
                                          patient=assessment.patient, start=local(2026, 12, 3, 10), now=NOW)
    assert online.spacing_flag and online.status == "requested"
    booked, _ = services.book_appointment(service=follow_up, practitioner=assessment.practitioner,
                                          patient=assessment.patient, start=local(2026, 12, 4, 10), now=NOW,
                                          source=Appointment.Source.STAFF,
                                          spacing_override="Flare-up; practitioner asked")
    assert booked.spacing_flag
    login(client, "Front desk", "desk")
    page = client.get(f"/staff/appointments/{booked.reference}/").content.decode()
    assert "within 7 days of another IMS visit because: <bdi>Flare-up; practitioner asked</bdi>" in page
    # moving a visit too close is refused too, and the page asks for the reason
    later, _ = book(start=local(2026, 12, 15, 10), practitioner=assessment.practitioner, patient=assessment.patient,
                    service=follow_up, source=Appointment.Source.STAFF)
    near = local(2026, 12, 7, 10).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = client.post(f"/staff/appointments/{later.reference}/reschedule/",
                          {"start": near, "practitioner": assessment.practitioner.slug})
    assert refused.status_code == 400 and 'id="spacing-override"' in refused.content.decode()
    moved = client.post(f"/staff/appointments/{later.reference}/reschedule/",
                        {"start": near, "practitioner": assessment.practitioner.slug, "spacing_override": "Travel"})
    assert moved.status_code == 302
    later.refresh_from_db()
    assert later.start == local(2026, 12, 7, 10)


def test_the_calendars_say_visit_n_of_n_in_a_fixed_number_of_queries(client, assessment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    client.post(f"/staff/courses/{course.pk}/series/book/", proposal_form(client, course))
    url = f"/staff/week/?practitioner={assessment.practitioner.slug}&date=2026-12-08"
    client.get(url)
    with CaptureQueriesContext(connection) as one_course:
        page = client.get(url).content.decode()
    assert "IMS follow-up · visit 2 of 6" in page
    book(start=local(2026, 12, 9, 10), practitioner=assessment.practitioner, service=make_service(),
         source=Appointment.Source.STAFF)  # one more visit that week, in no course
    day = client.get("/staff/day/?date=2026-12-01").content.decode()
    assert "IMS initial assessment and treatment · visit 1 of 6" in day
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(one_course)


def test_a_visits_number_counts_only_the_courses_kept_visits_in_one_query(assessment, django_assert_num_queries):
    from booking.courses import places

    course, visits = completed_course(assessment, [7, 6, 5, 4])
    Appointment.objects.filter(pk=visits[1].pk).update(status=Appointment.Status.CANCELLED)
    elsewhere, _ = book(start=local(2026, 12, 2, 10), practitioner=assessment.practitioner,
                        source=Appointment.Source.STAFF)  # in no course
    with django_assert_num_queries(1):
        numbers = places.visit_numbers(v.pk for v in (visits[3], visits[1], elsewhere, visits[0]))
    assert numbers == {visits[0].pk: (1, 6), visits[3].pk: (3, 6)}


def test_the_practitioners_day_prompts_the_review_at_a_course_visit(client, assessment):
    course, visits = completed_course(assessment, [7, 5, 4, 3])  # meaningful change: not on the flag list
    today, _ = book(start=local(2026, 11, 30, 10), practitioner=assessment.practitioner,
                    patient=assessment.patient, service=make_service("ims-follow-up"), source=Appointment.Source.STAFF,
                    spacing_override="Test: today's visit")
    CourseVisit.objects.create(course=course, appointment=today)
    login(client, "Practitioner", "maya", assessment.practitioner)
    page = client.get("/staff/").content.decode()
    assert "IMS review due" in page and "IMS courses to look at" not in page
    client.post(f"/staff/courses/{course.pk}/review/", {"decision": "continue"})
    assert "IMS review due" not in client.get("/staff/").content.decode()


def test_a_proposal_says_why_an_asked_for_day_has_nothing_from_the_same_schedule(assessment, django_assert_num_queries):
    """Time off, a closure and a day the practitioner does not work: each named on the visit moved off it,
    read from the schedule the free times came from (no second look at hours, time off or closures)."""
    from booking.courses.series import Preference
    from booking.models import ClinicClosure, TimeOff

    maya = assessment.practitioner
    away = TimeOff.objects.create(practitioner=maya, start=local(2026, 12, 7, 0), end=local(2026, 12, 10, 0),
                                  reason="Course")
    course = courses.open_course(appointment=assessment, area="Neck", planned_visits=4, actor=None, now=NOW)
    visits = list(course.kept_visits())
    tuesdays = Preference(every_days=7, weekday=1)
    with django_assert_num_queries(5):  # the service; hours; busy times with closures; the patient's visits
        proposals = courses.propose(course=course, preference=tuesdays, now=NOW, visits=visits)
    assert proposals[0].note == "Tue 08 Dec: Maya Chen is away."
    away.delete()
    ClinicClosure.objects.create(date=date(2026, 12, 8), name="Staff training")
    proposals = courses.propose(course=course, preference=tuesdays, now=NOW, visits=visits)
    assert proposals[0].note == "Tue 08 Dec: the clinic is closed (Staff training)."
    saturdays = courses.propose(course=course, preference=Preference(every_days=7, weekday=5), now=NOW, visits=visits)
    assert saturdays[0].note.endswith("Maya Chen does not work on Saturdays.")


@pytest.mark.parametrize("pains", [[7, 6], [7, 7, 6, 5, 5]])
def test_the_course_page_and_a_course_visits_page_take_a_fixed_number_of_queries(
        client, assessment, pains, django_assert_max_num_queries):
    """Its visits, scores and reviews are read once, whatever their number; the review form and the
    score form are the course's practitioner's, found without a query of their own."""
    course, visits = completed_course(assessment, pains)
    login(client, "Practitioner", "maya", assessment.practitioner)
    client.get(f"/staff/courses/{course.pk}/")  # the clinic's profile made and cached, as on any live site
    with django_assert_max_num_queries(9):
        page = client.get(f"/staff/courses/{course.pk}/").content.decode()
    assert ("Record the review" in page) == (len(pains) >= 4)
    with django_assert_max_num_queries(14):
        visit_page = client.get(f"/staff/appointments/{visits[1].reference}/").content.decode()
    assert f"visit 2 of {course.planned_visits}" in visit_page and 'name="score-pain"' in visit_page
    client.logout()
    login(client, "Front desk", "desk")
    assert "Record the review" not in client.get(f"/staff/courses/{course.pk}/").content.decode()
    assert 'name="score-pain"' not in client.get(f"/staff/appointments/{visits[1].reference}/").content.decode()


def test_a_refused_series_comes_back_as_the_desk_left_it(client, assessment):
    """Visit 2 moved to another of its times, visit 3 six days after it: refused, and the page shown again
    has the desk's pick for visit 2 still chosen (not the suggestion), naming the visit refused."""
    login(client, "Front desk", "desk")
    course = open_course(client, assessment)
    page = client.get(f"/staff/courses/{course.pk}/series/")
    iso = "%Y-%m-%dT%H:%M:%SZ"
    proposals = [p for p in page.context["proposals"] if p.placed]
    second = next(p for p in proposals if p.number == 2)
    assert second.alternatives
    data = {"every_days": "7", **{f"visit-{p.number}": p.start.strftime(iso) for p in proposals},
            "visit-2": second.alternatives[0].strftime(iso),
            "visit-3": (second.alternatives[0] + timedelta(days=6)).strftime(iso)}
    response = client.post(f"/staff/courses/{course.pk}/series/book/", data)
    html = response.content.decode()
    assert response.status_code == 400 and CourseVisit.objects.filter(course=course).count() == 1
    assert f"The visit on {local_when(parse_start(data['visit-3']))} must be 7 to 14 days after" in html
    assert f'value="{data["visit-2"]}" checked' in html and f'value="{second.start.strftime(iso)}" checked' not in html


def test_the_days_flags_and_review_prompts_take_queries_that_do_not_grow_with_the_courses(client, assessment):
    """Courses to look at and today's visits due a review are decided for all courses at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def flagged_course_with_a_visit_today(hour):
        first, _ = book(start=local(2026, 12, 2, hour), practitioner=assessment.practitioner,
                        source=Appointment.Source.STAFF)
        course, _ = completed_course(first, [7, 7, 7, 7])  # marked done: no change by visit 4, review due
        today, _ = book(start=local(2026, 11, 30, hour), practitioner=assessment.practitioner, patient=first.patient,
                        service=make_service("ims-follow-up"), source=Appointment.Source.STAFF,
                        spacing_override="Test: today's visit")
        CourseVisit.objects.create(course=course, appointment=today)
        return course

    login(client, "Practitioner", "maya", assessment.practitioner)

    def today_page():
        client.get("/staff/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/staff/").content.decode()
        return page, len(queries)

    flagged_course_with_a_visit_today(13)
    page, queries = today_page()
    assert page.count("No meaningful change by visit 4") == 1 and page.count("IMS review due") == 1
    for hour in (14, 15, 16):
        flagged_course_with_a_visit_today(hour)
    page, more_queries = today_page()
    assert page.count("No meaningful change by visit 4") == 4 and page.count("IMS review due") == 4
    assert more_queries == queries


def test_a_course_is_flagged_on_its_own_visits_whatever_joins_the_queryset_passed_in_has(assessment):
    course, visits = completed_course(assessment, [7, 7, 7, 7, 7])
    joined = Course.objects.filter(patient__appointments__status="completed")  # one row per completed visit
    assert courses.flagged_courses(joined) == [(course, ["No meaningful change by visit 4 and no review yet"])]
    one_visit = Course.objects.filter(visits__appointment=visits[0])  # filtered on a single visit
    assert courses.flagged_courses(one_visit) == [(course, ["No meaningful change by visit 4 and no review yet"])]
