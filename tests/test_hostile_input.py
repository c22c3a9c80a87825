"""Random and malicious input to every public form and the manage link: never a 500, nothing stored
when the input is invalid, and the answer is the form with its errors."""

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Appointment, Patient, Screening
from tests.factories import NOW, book, details_data, local, make_practitioner

pytestmark = pytest.mark.django_db
# How many examples comes from the Hypothesis profile (tests/conftest.py): 20 locally, 80 on CI.
HOSTILE = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NASTY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "'; DROP TABLE booking_appointment; --", "\" OR 1=1 --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{ 7*7 }}", "%s%s%n",
    "２０２６-１２-０１", "2026-02-30", "0000-00-00", "9999-99-99", "1e309", "-1", "NaN", "☃" * 300,
    "\u202e\u200b\ufeff", "A" * 10_000, "../../etc/passwd", "null", "[]", "{}", "yes", "on", "\r\n\r\n",
])
TEXT = st.one_of(NASTY, st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
FIELDS = list(details_data(local(2026, 12, 1, 9)).keys())


@pytest.fixture(autouse=True)
def clinic():
    with time_machine.travel(NOW, tick=False):
        make_practitioner()
        yield


def _assert_form_with_errors_or_sent(response, before):
    assert response.status_code != 500
    if response.status_code == 302:  # only a fully valid submission may store anything
        assert response["Location"] in ("/book/requested/",) or response["Location"].startswith("/book/ims-assessment/")
        return
    assert response.status_code in (200, 400, 409, 429)
    if Appointment.objects.count() != before:
        pytest.fail("an invalid submission stored an appointment")


@HOSTILE
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6),
       drop=st.sets(st.sampled_from(FIELDS), max_size=4), action=st.sampled_from(["review", "confirm", "edit", "x"]))
def test_booking_details_survive_hostile_values(client, overrides, drop, action):
    data = {**details_data(local(2026, 12, 1, 9), action=action), **overrides}
    for name in drop:
        data.pop(name, None)
    before = Appointment.objects.count()
    patients_before = Patient.objects.count()
    response = client.post("/book/ims-assessment/details/", data)
    _assert_form_with_errors_or_sent(response, before)
    if response.status_code == 200 and action in ("review", "edit", "x"):
        assert Patient.objects.count() == patients_before
    if response.status_code == 200 and "There " in response.content.decode() and "problem" in response.content.decode():
        assert 'id="error-summary"' in response.content.decode()


@HOSTILE
@given(values=st.lists(TEXT, min_size=2, max_size=4), field=st.sampled_from(FIELDS))
def test_duplicated_fields_and_wrong_types_never_500(client, values, field):
    data = details_data(local(2026, 12, 1, 9), action="confirm")
    data[field] = values  # the same field sent several times
    before = Appointment.objects.count()
    response = client.post("/book/ims-assessment/details/", data)
    assert response.status_code != 500
    if response.status_code != 302:
        assert Appointment.objects.count() == before


@HOSTILE
@given(params=st.dictionaries(st.sampled_from(["who", "week", "day", "start", "service", "q", "from"]), TEXT,
                              max_size=4),
       path=st.sampled_from(["/book/", "/book/ims-assessment/", "/book/ims-assessment/details/", "/ims/search/"]))
def test_query_strings_never_500(client, params, path):
    response = client.get(path, params)
    assert response.status_code in (200, 302, 400, 404)
    if response.status_code == 400:  # only a NUL byte earns a 400, and it says why
        assert any("\x00" in value for value in params.values())
        assert "could not read that address" in response.content.decode()


@HOSTILE
@given(reason=TEXT, start=TEXT, token_suffix=TEXT)
def test_the_manage_link_survives_hostile_values(client, reason, start, token_suffix):
    appointment, token = book(start=local(2026, 12, 3, 9))
    bad = client.post(f"/book/manage/{token[:10]}x/cancel/", {"reason": reason})
    assert bad.status_code == 404
    response = client.post(f"/book/manage/{token}/reschedule/", {"start": start})
    assert response.status_code in (200, 400)
    appointment.refresh_from_db()
    if response.status_code == 400:
        assert appointment.start == local(2026, 12, 3, 9)
    weird = client.get("/book/manage/" + "".join(ch for ch in token_suffix if ch not in "/?#") + "/")
    assert weird.status_code in (400, 404, 301, 302)
    cancel = client.post(f"/book/manage/{token}/cancel/", {"reason": reason})
    assert cancel.status_code in (200, 410)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and len(appointment.status_reason) <= 300


def test_every_screening_question_is_exercised_by_the_strategy():
    assert {f"s-{name}" for name, _, _ in Screening.QUESTIONS} <= set(FIELDS)


@HOSTILE
@given(username=TEXT, password=TEXT, extra=st.dictionaries(TEXT, TEXT, max_size=3))
def test_the_staff_sign_in_form_survives_hostile_values(client, username, password, extra):
    response = client.post("/staff/login/", {**extra, "username": username, "password": password})
    assert response.status_code in (200, 400, 403, 429)  # the form again, never a 500, never signed in
    assert "_auth_user_id" not in client.session
