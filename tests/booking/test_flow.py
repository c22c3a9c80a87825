"""The patient's booking flow, through real URLs: response and database both checked."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from booking.models import Appointment, InsuranceNote, Patient, Screening
from clinic.models import RateCounter
from tests.factories import NOW, book, details_data, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db
DETAILS = "/book/ims-assessment/details/"


def sent(response) -> bool:
    """Every POST of the details step redirects (post/redirect/get); only a sent request goes here."""
    return response.status_code == 302 and response["Location"] == "/book/requested/"


def submit(client, data, **extra):
    """Post the details form and follow the redirect, as a browser does: the page the patient sees."""
    response = client.post(DETAILS, data, **extra)
    assert response.status_code == 302, "a POST of the details step always answers with a redirect"
    return client.get(response["Location"]) if not sent(response) else response


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner():
    return make_practitioner("Maya Chen")


def test_the_assessment_can_be_preselected_from_an_article_link(client):
    make_service()
    response = client.get("/book/?service=ims-assessment")
    assert response.status_code == 302 and response["Location"] == "/book/ims-assessment/"


def test_week_view_shows_days_with_free_times_and_the_times_of_the_chosen_day(client, practitioner):
    html = client.get("/book/ims-assessment/?who=any&week=2026-11-30&day=2026-12-01").content.decode()
    assert "Week of Monday 30 November" in html
    assert "Times on Tuesday 1 December" in html
    assert "9:00 a.m." in html and "4:00 p.m." in html
    assert "BC time (UTC−7)" in html
    assert re.search(r'<span class="day day--none"><span class="day__name">Sat', html)


@pytest.mark.parametrize("query", ["?week=garbage&day=2026-13-45", "?who=nobody", "?week=0001-01-01",
                                   "?week=9999-12-31", "?who=" + "x" * 5000, "?who=%27%3B--"])
def test_bad_query_strings_fall_back_to_sensible_defaults(client, practitioner, query):
    assert client.get("/book/ims-assessment/" + query).status_code == 200


@pytest.mark.parametrize("day", ["garbage", "1999-01-01", "2026-12-09"])
def test_a_day_unreadable_or_outside_the_week_shows_the_first_day_with_free_times(client, practitioner, day):
    html = client.get(f"/book/ims-assessment/?who=any&week=2026-11-30&day={day}").content.decode()
    assert "Times on Tuesday 1 December" in html and "no free times this week" not in html


def test_a_nul_byte_in_the_address_gets_a_plain_400_page(client, practitioner):
    response = client.get("/book/ims-assessment/?day=%00")
    assert response.status_code == 400 and "could not read that address" in response.content.decode()


@pytest.mark.parametrize("start", ["", "garbage", "2026-12-01T16:00:00", "2026-99-01T16:00:00Z", "%00", "9" * 500])
def test_a_missing_or_malformed_time_sends_the_patient_back_to_choose_one(client, practitioner, start):
    response = client.post(DETAILS, {**details_data(local(2026, 12, 1, 9)), "start": start})
    assert response.status_code == 302 and response["Location"].startswith("/book/ims-assessment/")
    assert Appointment.objects.count() == 0


def test_details_review_and_submit_creates_the_request_with_insurance_and_screening(client, practitioner):
    start = local(2026, 12, 1, 9)
    data = details_data(start, **{"i-kind": "icbc", "i-claim_number": "ab-1234", "i-incident_date": "2026-10-01",
                                  "s-pregnant": "yes", "s-blood_thinners": "yes"})
    review = submit(client, data)
    assert review.status_code == 200
    assert "Check your request" in review.content.decode()
    assert Appointment.objects.count() == 0  # nothing is stored before the patient confirms

    confirm = client.post(DETAILS, {**data, "action": "confirm"})
    assert sent(confirm)
    appointment = Appointment.objects.select_related("insurance", "screening", "patient").get()
    assert appointment.start == start and appointment.status == "requested" and appointment.source == "online"
    assert appointment.insurance.kind == "icbc" and appointment.insurance.claim_number == "AB-1234"
    assert appointment.screening.pregnant and appointment.screening.blood_thinners
    assert appointment.screening.contraindications == [Screening.QUESTIONS[0][1]]
    assert appointment.patient.email == data["p-email"]

    done = client.get("/book/requested/").content.decode()
    assert appointment.reference in done and "confirms it by email" in done
    assert re.search(r"http://testserver/book/manage/[A-Za-z0-9_-]{43,}/", done)
    # the private link is shown once, then kept nowhere but with the patient
    again = client.get("/book/requested/").content.decode()
    assert appointment.reference in again and "/book/manage/" not in again
    assert "manage" not in str(dict(client.session))


@pytest.mark.django_db(transaction=True)
def test_the_booking_opens_no_savepoint_of_its_own_inside_the_requests_transaction(client, practitioner):
    """Outside a test's transaction, as in production: the patient record and the request share one
    transaction, and it has no savepoint (the schedule's token is written by the database as it commits)."""
    start = local(2026, 12, 1, 9)
    with CaptureQueriesContext(connection) as queries:
        assert sent(client.post(DETAILS, details_data(start, action="confirm")))
    sql = [q["sql"] for q in queries.captured_queries]
    booked = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "booking_appointment"'))
    begin = max(i for i in range(booked) if sql[i] == "BEGIN")
    commit = next(i for i in range(booked, len(sql)) if sql[i] == "COMMIT")
    transaction_ = [q.split()[0] + " " + q.split()[2] if q.startswith("INSERT") else q.split()[0]
                    for q in sql[begin:commit + 1]]
    assert 'INSERT "booking_patient"' in transaction_  # the new record commits (or not) with the request
    assert "SAVEPOINT" not in transaction_ and not any("clinic_pageversion" in q for q in sql)
    assert Appointment.objects.get().patient.email.startswith("alex")


def test_a_twin_request_that_saved_the_same_new_email_first_is_found_and_the_booking_goes_on(
        client, practitioner, monkeypatch):
    """A double click on "Send request": both requests look for the email before either record is
    committed, and the database refuses the second record. That request is tried again, finds the
    first's record and books with it (here the other request booked another time; for the same time
    it would be told the time was just taken). Never a 500."""
    from booking import services

    data = details_data(local(2026, 12, 1, 9), action="confirm", **{"p-email": "Twin@Example.com"})
    make_patient(first_name="Alex", email="twin@example.com")  # the other request's record, committed
    looks = []
    real = services.find_or_create_patient

    def missed_once(**fields):
        looks.append(fields["email"])
        if len(looks) == 1:  # this request's look ran before that record was committed
            fields.pop("phn")
            return Patient.objects.create(**fields), True
        return real(**fields)

    monkeypatch.setattr(services, "find_or_create_patient", missed_once)
    assert sent(client.post(DETAILS, data))
    assert len(looks) == 2 and Patient.objects.count() == 1
    assert Appointment.objects.get().patient.email == "twin@example.com"


def test_validation_errors_are_summarised_and_nothing_typed_is_lost(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), **{"p-email": "not-an-email", "p-phone": "12", "p-consent": None,
                                                   "p-first_name": "Zoë", "p-patient_note": "Left shoulder"})
    response = submit(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert 'id="error-summary"' in html and 'href="#id_p-email"' in html and 'href="#id_p-phone"' in html
    assert "Please tick the box to agree" in html
    assert 'value="Zoë"' in html and "Left shoulder" in html and 'value="not-an-email"' in html
    assert Appointment.objects.count() == 0 and Patient.objects.count() == 0


def test_screening_answers_are_required_but_a_yes_never_blocks(client, practitioner):
    missing = details_data(local(2026, 12, 1, 9), **{"s-pregnant": None})
    assert "Please answer yes or no" in submit(client, missing).content.decode()
    every_yes = details_data(local(2026, 12, 1, 9), action="confirm",
                             **{f"s-{name}": "yes" for name, _, _ in Screening.QUESTIONS})
    assert sent(client.post(DETAILS, every_yes))
    assert Appointment.objects.get().screening.has_flags


def test_a_time_taken_between_choosing_and_submitting_keeps_everything_and_offers_alternatives(client, practitioner):
    start = local(2026, 12, 1, 10)
    data = details_data(start, action="confirm", **{"p-first_name": "Jamie", "i-kind": "extended_health",
                                                    "i-insurer": "Sun Life", "i-member_id": "12345"})
    book(start=start, practitioner=practitioner)  # someone else gets there first
    response = submit(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "that time is no longer free" in html and "Someone else" not in html
    assert 'value="Jamie"' in html and 'value="Sun Life"' in html
    alternatives = re.findall(r'name="alt_start" id="alt-\d+" value="([^"]+)"', html)
    assert alternatives and "2026-12-01T17:00:00Z" not in alternatives
    assert alternatives[0].startswith("2026-12-01")  # the nearest free times, same day first
    # picking an alternative goes to the review of THAT time, with everything still there
    review = submit(client, {**data, "action": "review", "alt_start": alternatives[-1]})
    assert review.status_code == 200 and "Check your request" in review.content.decode()
    hidden_start = re.search(r'name="start" value="([^"]+)"', review.content.decode()).group(1)
    assert hidden_start == alternatives[-1]
    assert Appointment.objects.count() == 1
    assert not Patient.objects.filter(first_name="Jamie").exists()  # no record kept for a request not made
    # and sending it books the chosen time: no "taken" loop
    assert sent(client.post(DETAILS, {**data, "action": "confirm", "start": hidden_start}))
    assert Appointment.objects.filter(patient__first_name="Jamie", start=hidden_start).exists()


def test_the_honeypot_stores_nothing(client, practitioner):
    response = submit(client, details_data(local(2026, 12, 1, 9), action="confirm",
                                           **{"p-website": "http://spam.example"}))
    assert response.status_code == 200 and "Please leave this field empty" in response.content.decode()
    assert Appointment.objects.count() == 0 and Patient.objects.count() == 0


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=2)
def test_too_many_submissions_from_one_address_are_refused_kindly(client, practitioner):
    for hour in (9, 10):
        assert sent(client.post(DETAILS, details_data(local(2026, 12, 1, hour), action="confirm")))
    data = details_data(local(2026, 12, 1, 13), action="confirm", **{"p-first_name": "Kept"})
    response = submit(client, data)
    assert response.status_code == 429
    assert "please call us" in response.content.decode() and 'value="Kept"' in response.content.decode()
    assert Appointment.objects.count() == 2


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=2)
def test_the_limit_counts_a_whole_hour_and_starts_again_in_the_next(client, practitioner):
    def send_at(at, hour):
        with time_machine.travel(at, tick=False):
            return submit(client, details_data(local(2026, 12, 1, hour), action="confirm")).status_code

    # 08:00, 08:25 and 08:50 in BC: 25 minutes apart, all within one clock hour.
    assert send_at(NOW, 9) == 302
    assert send_at(NOW + timedelta(minutes=25), 10) == 302
    assert send_at(NOW + timedelta(minutes=50), 11) == 429
    assert send_at(NOW + timedelta(minutes=61), 11) == 302  # 09:01: a new hour
    assert Appointment.objects.count() == 3


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1, CLINIC_TRUSTED_PROXIES=1)
def test_behind_a_proxy_each_visitor_has_their_own_limit(client, practitioner):
    def send(hour, forwarded):
        data = details_data(local(2026, 12, 1, hour), action="confirm")
        return submit(client, data, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert send(9, "203.0.113.9") == 302
    assert send(10, "198.51.100.1") == 302  # another patient through the same proxy
    assert send(11, "198.51.100.1, 203.0.113.9") == 429  # the first one again, with a made-up entry


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1)
def test_without_a_proxy_a_made_up_forwarded_address_does_not_escape_the_limit(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), action="confirm")
    assert sent(client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="203.0.113.9"))
    data = details_data(local(2026, 12, 1, 10), action="confirm")
    assert submit(client, data, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429


def test_counters_of_ended_hours_are_cleared_away():
    assert RateCounter.objects.hit("book:a", window=timedelta(hours=1)) == 1
    assert RateCounter.objects.hit("book:a", window=timedelta(hours=1)) == 2
    assert RateCounter.objects.hit("book:b", window=timedelta(hours=1)) == 1
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert RateCounter.objects.hit("book:a", window=timedelta(hours=1)) == 1
        assert RateCounter.objects.count() == 1  # the first count of a new hour clears the old ones


def test_an_existing_patients_details_are_never_shown_to_whoever_types_their_email(client, practitioner):
    make_patient(email="private@example.com", first_name="Secretname", last_name="Hidden", phn="9123456789")
    data = details_data(local(2026, 12, 1, 9), **{"p-email": "private@example.com"})
    for action in ("review", "confirm"):
        response = submit(client, {**data, "action": action})
        assert b"Secretname" not in response.content and b"9123456789" not in response.content
    done = client.get("/book/requested/").content
    assert b"Secretname" not in done and b"9123456789" not in done


def test_staff_see_a_returning_patients_request_too_close_to_their_other_ims_visit(client, practitioner):
    """The look for other visits is skipped only for a record made with this request."""
    returning = make_patient(email="back@example.com")
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=returning)
    assert sent(client.post(DETAILS, details_data(local(2026, 12, 3, 9), action="confirm",
                                                  **{"p-email": "back@example.com"})))
    assert sent(client.post(DETAILS, details_data(local(2026, 12, 3, 11), action="confirm")))
    again, new = Appointment.objects.filter(start__gt=local(2026, 12, 2, 0)).order_by("start")
    assert again.patient == returning and again.spacing_flag is True
    assert new.patient != returning and new.spacing_flag is False and new.no_prior_assessment_flag is False


@pytest.mark.parametrize(
    ("kind", "fields", "errors"),
    [
        ("extended_health", {}, ["Enter the name of your insurance company", "Enter your member or certificate ID"]),
        ("extended_health", {"i-insurer": "Canada Life", "i-member_id": "1", "i-is_dependent": "on"},
         ["Enter the name of the person whose plan covers you", "Enter the plan holder"]),
        ("icbc", {}, ["Enter your ICBC claim number", "Enter the date of the crash"]),
        ("icbc", {"i-claim_number": "AB 12/3", "i-incident_date": "2030-01-01"},
         ["only letters, numbers and dashes", "cannot be in the future"]),
        ("worksafebc", {},
         ["Enter the date of your injury", "Enter the name of your employer", "Enter your claim number"]),
        ("msp_supplementary", {}, ["Enter your Personal Health Number"]),
        ("msp_supplementary", {"p-phn": "12345"}, ["10 digits"]),
    ],
    ids=["ehb-missing", "ehb-dependent", "icbc-missing", "icbc-bad", "wsbc-missing", "msp-missing", "msp-bad-phn"],
)
def test_insurance_rules_per_type(client, practitioner, kind, fields, errors):
    html = submit(client, details_data(local(2026, 12, 1, 9), **{"i-kind": kind, **fields})).content.decode()
    for error in errors:
        assert error in html
    assert Appointment.objects.count() == 0


def test_worksafebc_without_a_claim_yet_is_accepted_and_stray_fields_are_dropped(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), action="confirm", **{
        "i-kind": "worksafebc", "i-claim_not_yet_reported": "on", "i-incident_date": "2026-11-20",
        "i-employer": "Harbour Freight Ltd", "i-insurer": "typed before switching"})
    assert sent(client.post(DETAILS, data))
    note = InsuranceNote.objects.get()
    assert note.claim_not_yet_reported and note.claim_number == "" and note.insurer == ""


def test_the_msp_choice_says_plainly_that_ims_is_not_msp_insured(client, practitioner):
    html = client.get(DETAILS + "?who=any&start=2026-12-01T16:00:00Z").content.decode()
    assert "IMS is not an MSP-insured service" in html and "MSP does not pay for IMS" in html


def test_nul_bytes_get_a_clear_message_and_store_nothing(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), action="confirm", **{"p-first_name": "Al\x00ex"})
    response = submit(client, data)
    assert response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_other_control_characters_are_stripped(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), action="confirm", **{"p-patient_note": "a\x1fb\x07c"})
    assert sent(client.post(DETAILS, data))
    assert Appointment.objects.get().patient_note == "abc"


# --- issue 13: what patients ran into -----------------------------------------------------------------
def test_every_post_of_the_details_step_redirects_so_back_and_refresh_never_resend(client, practitioner):
    """Post/redirect/get: the review and the error page are GET pages that show what was typed."""
    data = details_data(local(2026, 12, 1, 9), **{"p-first_name": "Rowan"})
    review = client.post(DETAILS, data)
    assert review.status_code == 302 and "step=review" in review["Location"]
    page = client.get(review["Location"])
    assert "Check your request" in page.content.decode() and "Rowan" in page.content.decode()
    refreshed = client.get(review["Location"])  # a refresh shows the same page and sends nothing
    assert "Check your request" in refreshed.content.decode() and "Rowan" in refreshed.content.decode()
    wrong = client.post(DETAILS, {**data, "p-phone": "12"})
    assert wrong.status_code == 302 and wrong["Location"].endswith("#error-summary")
    again = client.get(wrong["Location"]).content.decode()
    assert 'value="Rowan"' in again and 'value="12"' in again and "Enter a phone number" in again
    assert Appointment.objects.count() == 0


def test_a_sent_request_leaves_nothing_typed_in_the_session(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), action="confirm", **{"p-first_name": "Rowan"})
    assert sent(client.post(DETAILS, data))
    assert "booking_draft" not in client.session
    # Back to the review address: an empty form, not the patient's details again
    back = client.get(DETAILS, {"who": "any", "start": "2026-12-01T17:00:00Z", "step": "review"}).content.decode()
    assert "Rowan" not in back and "Check your request" not in back


def test_the_no_longer_free_page_offers_times_to_choose_and_never_blames_someone_else(client, practitioner):
    start = local(2026, 12, 1, 10)
    book(start=start, practitioner=practitioner)
    html = client.get(DETAILS, {"who": "any", "start": "2026-12-01T17:00:00Z"}).content.decode()
    assert "that time is no longer free" in html and "Someone else" not in html
    form = html.split('<form method="post"')[1]
    # The first submit button of the form is "Continue", so Enter in a field does not pick a time for the patient.
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="action" value="review"' in first_button
    assert 'type="radio" name="alt_start"' in form


def test_no_way_of_paying_is_chosen_for_the_patient(client, practitioner):
    html = client.get(DETAILS, {"who": "any", "start": "2026-12-01T16:00:00Z"}).content.decode()
    assert not re.search(r'name="i-kind"[^>]*checked', html)
    data = details_data(local(2026, 12, 1, 9), **{"i-kind": None})
    page = submit(client, data).content.decode()
    assert "Please choose how you will pay." in page and Appointment.objects.count() == 0


def test_the_personal_health_number_is_asked_once_and_kept_with_the_claim(client, practitioner):
    html = client.get(DETAILS, {"who": "any", "start": "2026-12-01T16:00:00Z"}).content.decode()
    assert html.count('name="p-phn"') == 1 and 'name="i-phn"' not in html
    data = details_data(local(2026, 12, 1, 9), action="confirm",
                        **{"i-kind": "msp_supplementary", "p-phn": "9123456789"})
    assert sent(client.post(DETAILS, data))
    assert InsuranceNote.objects.get().phn == "9123456789"


def test_the_note_limit_is_said_next_to_the_field(client, practitioner):
    html = client.get(DETAILS, {"who": "any", "start": "2026-12-01T16:00:00Z"}).content.decode()
    assert "Up to 2,000 characters" in html and 'maxlength="2000"' in html and 'id="note-count"' in html


def test_error_summary_lines_read_as_sentences(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), **{"p-consent": None, "s-pregnant": None})
    html = submit(client, data).content.decode()
    summary = html.split('id="error-summary"')[1].split("</ul>")[0]
    assert "care. Please tick the box" in summary and "could you be? Please answer yes or no." in summary
    assert ".:" not in summary and "?:" not in summary


def test_the_review_names_the_payer_once(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), **{"i-kind": "extended_health", "i-insurer": "Pacific Blue Cross",
                                                   "i-member_id": "77", "i-direct_billing": "on"})
    html = submit(client, data).content.decode()
    assert "Extended health benefits through <bdi>Pacific Blue Cross</bdi>. Please bill my insurer directly" in html
    assert "Extended health: Pacific Blue Cross" not in html and "(work or private plan):" not in html


def test_the_sent_page_says_the_notice_once_and_that_the_link_is_emailed(client, practitioner):
    assert sent(client.post(DETAILS, details_data(local(2026, 12, 1, 9), action="confirm")))
    html = client.get("/book/requested/").content.decode()
    assert html.count("24 hours") == 1
    assert "shown only on this page" not in html and "We also email it to you" in html


def test_a_right_to_left_name_is_isolated_on_the_review(client, practitioner):
    data = details_data(local(2026, 12, 1, 9), **{"p-first_name": "مريم", "p-last_name": "حداد"})
    assert "<bdi>مريم حداد</bdi>" in submit(client, data).content.decode()


def test_a_chosen_practitioner_is_read_with_the_service_in_one_query(client, practitioner):
    with CaptureQueriesContext(connection) as queries:
        assert sent(client.post(DETAILS, details_data(local(2026, 12, 1, 9), who=practitioner.slug, action="confirm")))
    reads = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("SELECT") and ('FROM "booking_service"' in q["sql"] or 'FROM "booking_practitioner"'
                                                   in q["sql"] or 'FROM "booking_practitioner_services"' in q["sql"])]
    assert len(reads) == 1 and 'INNER JOIN "booking_service"' in reads[0]
    assert Appointment.objects.get().practitioner == practitioner


def test_the_details_step_names_each_way_of_paying_it_explains(client, practitioner):
    html = client.get(f"{DETAILS}?who=any&start=2026-12-01T17:00:00Z").content.decode()
    help_list = html[html.index('<details class="pay-help">'):html.index("</details>", html.index("pay-help"))]
    assert re.findall(r"<dt>([^<]*)</dt>", help_list) == [label for _, label in InsuranceNote.Kind.choices]


def test_the_visit_choice_is_named_as_it_reads_for_voice_control(client, practitioner):
    html = client.get("/book/").content.decode()
    assert 'Choose this visit<span class="visually-hidden"> (IMS initial assessment and treatment)</span>' in html
    assert 'aria-label="Choose' not in html


def test_a_new_visitors_booking_never_reads_the_session_table(client, practitioner):
    """A new visitor has no session to read, and the new one's key is not looked up before it is stored."""
    with CaptureQueriesContext(connection) as queries:
        assert sent(client.post(DETAILS, details_data(local(2026, 12, 1, 9), action="confirm")))
    session_sql = [q["sql"] for q in queries.captured_queries if '"django_session"' in q["sql"]]
    assert [sql.split()[0] for sql in session_sql] == ["INSERT"]
    assert client.get("/book/requested/").status_code == 200  # and the session it made works


@pytest.mark.parametrize("who", ["inactive", "not-offering"])
def test_a_practitioner_who_cannot_take_the_visit_is_read_as_anyone(client, practitioner, who):
    other = make_practitioner("Sam Lee", services_=[])
    if who == "inactive":
        other.services.add(make_service())
        other.active = False
        other.save()
    html = client.get(f"{DETAILS}?who={other.slug}&start=2026-12-01T17:00:00Z").content.decode()
    assert 'name="who" value="any"' in html and "Sam Lee" not in html
