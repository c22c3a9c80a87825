"""Every staff URL, found from the URL configuration (so new ones are covered automatically)."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, reverse

from booking.billing import services as billing
from booking.courses import services as courses
from booking.models import Appointment, WaitlistEntry
from booking.staff import urls as staff_urls
from booking.waitlist import services as waitlist
from tests.factories import book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db
ACCOUNT_PAGES = {"login", "logout", "password-change", "password-change-done"}  # a signed-in user's own account
# Actions that change state: POST only, CSRF required. A new POST-only view must be listed here.
ACTIONS = {"appointment-confirm", "appointment-decline", "appointment-cancel", "appointment-arrived",
           "appointment-completed", "appointment-no-show", "appointment-undo", "appointment-screening",
           "appointment-note", "time-off-add", "time-off-remove", "closure-add", "closure-remove",
           "appointment-check-out", "invoice-payment", "invoice-credit", "invoice-void",
           "appointment-fee-charge", "appointment-fee-waive", "course-series-book", "appointment-score",
           "course-review", "course-limits", "waitlist-remove", "waitlist-offer"}


@pytest.fixture
def sample():
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    seen, _ = book(start=local(2026, 11, 24, 9), practitioner=practitioner, now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=seen.pk).update(status=Appointment.Status.COMPLETED)
    invoice = billing.check_out(appointment=seen, actor=None, now=local(2026, 11, 24, 10))
    course = courses.open_course(appointment=seen, area="Neck", planned_visits=6, actor=None,
                                 now=local(2026, 11, 24, 10))
    entry = waitlist.join(service=make_service(), practitioner=None, earliest=date(2026, 12, 1),
                          latest=date(2026, 12, 31), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                          first_name="Sam", last_name="Lee", email="sam.lee@example.com")
    # ``sample[url name]`` overrides a parameter for that URL alone: its ``pk`` is another model's.
    return {"reference": appointment.reference, "pk": appointment.patient_id, "practitioner": practitioner.slug,
            "number": invoice.number, "year": 2026, "course": course.pk, "waitlist-remove": {"pk": entry.pk}}


def staff_paths(sample):
    for pattern in staff_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        values = {**sample, **sample.get(pattern.name, {})}
        args = {name: values[name] for name in pattern.pattern.converters}
        yield pattern.name, reverse(f"staff:{pattern.name}", kwargs=args)


@pytest.fixture
def desk_user(django_user_model, staff_roles):
    user = django_user_model.objects.create_user("desk", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Clinic admin"))
    return user


def test_anonymous_visitors_are_sent_to_sign_in_from_every_staff_url(client, sample):
    for name, path in staff_paths(sample):
        if name in ACCOUNT_PAGES:
            continue
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/staff/login/?next="), name
    assert still_waiting(sample)


def test_a_signed_in_user_without_a_role_gets_403_everywhere(client, sample, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="a-long-test-password"))
    for name, path in staff_paths(sample):
        if name in ACCOUNT_PAGES:
            continue
        assert client.get(path).status_code in (403, 405), name
        assert client.post(path).status_code == 403, name
    assert still_waiting(sample)


def still_waiting(sample) -> bool:
    """The sample's waitlist entry is still on the list: the refused requests to its remove URL named it."""
    return WaitlistEntry.objects.get(pk=sample["waitlist-remove"]["pk"]).status == WaitlistEntry.Status.WAITING


def test_state_changing_actions_reject_get(client, sample, desk_user):
    client.force_login(desk_user)
    post_only = set()
    for name, path in staff_paths(sample):
        if name in ACCOUNT_PAGES:
            continue
        if client.get(path).status_code == 405:
            post_only.add(name)
    assert post_only == ACTIONS


def test_every_post_requires_a_csrf_token(sample, desk_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user)
    for name, path in staff_paths(sample):
        if name == "login":
            continue
        assert client.post(path).status_code == 403, name
    assert still_waiting(sample)


def test_every_staff_page_is_never_stored_by_a_cache(client, sample, desk_user):
    client.force_login(desk_user)
    for name, path in staff_paths(sample):
        if name in ACCOUNT_PAGES or name in ACTIONS:
            continue
        response = client.get(path)
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name


MONEY_PAGES = {"appointment-check-out", "invoice-detail", "invoice-receipt", "invoice-payment", "invoice-credit",
               "invoice-void", "appointment-fee-charge", "appointment-fee-waive", "patient-statement",
               "patient-statement-pdf", "reconciliation", "reports", "reports-csv", "reports-money-csv"}


def test_a_practitioner_reaches_no_invoice_statement_or_report_not_even_for_their_own_patients(
        client, sample, django_user_model, staff_roles):
    from booking.models import Practitioner

    user = django_user_model.objects.create_user("maya", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Practitioner"))
    Practitioner.objects.filter(slug=sample["practitioner"]).update(user=user)  # the sample's own practitioner
    client.force_login(user)
    names = {name for name, _ in staff_paths(sample)}
    assert names >= MONEY_PAGES, MONEY_PAGES - names
    for name, path in staff_paths(sample):
        if name in MONEY_PAGES:
            assert client.get(path).status_code in (403, 405), name
            assert client.post(path).status_code == 403, name
    # while their own patient's appointment and course stay open to them
    assert client.get(reverse("staff:appointment-detail", args=[sample["reference"]])).status_code == 200
    assert client.get(reverse("staff:course-detail", args=[sample["course"]])).status_code == 200
