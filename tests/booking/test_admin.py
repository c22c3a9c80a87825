"""The Django admin applies the front desk's patient-privacy rule (booking.staff.access)."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db
APPOINTMENTS = "/admin/booking/appointment/"
PATIENTS = "/admin/booking/patient/"


def signed_in(client, role: str, practitioner=None):
    user = User.objects.create_user(username=role.lower().replace(" ", "-"), password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    client.force_login(user)
    return client


@pytest.fixture
def two_practices():
    with time_machine.travel(NOW, tick=False):
        maya, daniel = make_practitioner("Maya Chen"), make_practitioner("Daniel Okafor")
        own, _ = book(start=local(2026, 12, 1, 9), practitioner=maya,
                      patient=make_patient(first_name="Ada", last_name="Ownpatient"), patient_note="Sore neck")
        other, _ = book(start=local(2026, 12, 1, 9), practitioner=daniel,
                        patient=make_patient(first_name="Bea", last_name="Otherpatient"), patient_note="Bad knee")
        yield maya, own, other


def test_a_practitioner_sees_only_their_own_patients_in_the_admin(client, two_practices):
    maya, own, other = two_practices
    signed_in(client, "Practitioner", maya)
    listing = client.get(APPOINTMENTS).content.decode()
    assert "Ownpatient" in listing and own.reference in listing
    assert "Otherpatient" not in listing and other.reference not in listing
    found = client.get(APPOINTMENTS, {"q": "Otherpatient"}).content.decode()
    assert other.reference not in found and "0 results" in found
    # Another practitioner's appointment is not there at all: the admin says so and shows nothing of it.
    response = client.get(f"{APPOINTMENTS}{other.pk}/change/", follow=True)
    body = response.content.decode()
    assert "Otherpatient" not in body and "Bad knee" not in body
    assert client.get(f"{APPOINTMENTS}{own.pk}/change/").status_code == 200


def test_the_patient_list_follows_the_same_rule(client, two_practices):
    maya, own, other = two_practices
    Group.objects.get(name="Practitioner").permissions.add(*Group.objects.get(name="Front desk").permissions.filter(
        codename="view_patient"))  # even if a clinic admin grants the permission, the rule holds
    signed_in(client, "Practitioner", maya)
    listing = client.get(PATIENTS).content.decode()
    assert "Ownpatient" in listing and "Otherpatient" not in listing
    assert client.get(f"{PATIENTS}{other.patient.pk}/change/", follow=True).content.decode().count("Otherpatient") == 0


def test_the_front_desk_sees_everyone_but_never_a_token_hash(client, two_practices):
    _, own, other = two_practices
    signed_in(client, "Front desk")
    listing = client.get(APPOINTMENTS).content.decode()
    assert "Ownpatient" in listing and "Otherpatient" in listing
    page = client.get(f"{APPOINTMENTS}{other.pk}/change/")
    assert page.status_code == 200 and "Otherpatient" in page.content.decode()
    assert other.manage_token_hash not in page.content.decode()
    assert "manage_token_hash" not in page.content.decode() and "Manage token hash" not in page.content.decode()


@pytest.mark.parametrize("url", [
    f"{APPOINTMENTS}?created_at__year=0", f"{APPOINTMENTS}?start__year=99999999999999999999",
    f"{PATIENTS}?date_of_birth__year=0", f"{PATIENTS}?created_at__year=10000",
    "/admin/booking/timeoff/?start__year=99999", "/admin/booking/clinicclosure/?date__year=10000",
    "/admin/education/article/?last_reviewed__year=0", "/admin/auth/user/?date_joined__year=0",
])
def test_a_year_out_of_range_in_a_list_filter_shows_the_whole_list_with_a_message(client, two_practices, url):
    """Django's answer to a bad lookup (the list without it), never a 500, on every model's list."""
    client.force_login(User.objects.create_superuser("owner", password="x"))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "That filter could not be used" in page.content.decode()


def test_a_practitioner_gets_the_same_answer_and_still_only_their_own_patients(client, two_practices):
    maya, own, other = two_practices
    signed_in(client, "Practitioner", maya)
    page = client.get(f"{APPOINTMENTS}?created_at__year=0", follow=True)
    body = page.content.decode()
    assert page.status_code == 200 and "That filter could not be used" in body
    assert own.reference in body and other.reference not in body


def test_a_practitioners_admin_page_takes_the_same_queries_however_many_hours_rows_it_lists(client):
    """Each inline row's name names the practitioner: read with the rows, not once per row."""
    from datetime import date, time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from booking.models import WorkingHours

    maya = make_practitioner("Maya Chen")
    client.force_login(User.objects.create_superuser(username="owner", password="x"))
    url = f"/admin/booking/practitioner/{maya.pk}/change/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    WorkingHours.objects.bulk_create(  # an old timetable kept as history
        WorkingHours(practitioner=maya, weekday=day, start=time(8), end=time(11), valid_from=date(2025, 1, 1),
                     valid_until=date(2025, 12, 31)) for day in range(5))
    assert queries() == before


@pytest.fixture
def owner(client):
    client.force_login(User.objects.create_superuser(username="owner", password="x"))
    return client


def test_a_date_beyond_the_sites_years_is_refused_in_the_admin_with_a_message(owner):
    from booking.models import ClinicClosure

    response = owner.post("/admin/booking/clinicclosure/add/", {"date": "9999-12-31", "name": "Far off"})
    assert response.status_code == 200 and "Please check the year" in response.content.decode()
    assert 'value="Far off"' in response.content.decode()  # what was typed is kept
    assert not ClinicClosure.objects.exists()


def test_a_closure_or_hours_far_beyond_the_horizon_can_still_be_removed_and_saved(client, owner):
    """The waitlist looks for freed times when a closure goes or hours change: never past the horizon
    (a closure on the last day there is had no day after it: a 500, and it could never be removed)."""
    from datetime import date, time

    from booking.models import ClinicClosure, WorkingHours

    closure = ClinicClosure.objects.create(date=date(9999, 12, 31), name="Far off")
    response = owner.post(f"/admin/booking/clinicclosure/{closure.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not ClinicClosure.objects.exists()
    maya = make_practitioner("Maya Chen")
    WorkingHours.objects.create(practitioner=maya, weekday=0, start=time(9), end=time(12),
                                valid_from=date(9999, 12, 31))  # saved: the signal looks no further
    assert WorkingHours.objects.filter(valid_from=date(9999, 12, 31)).exists()


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_empty_to_field_in_the_address_is_no_field(owner, view):
    maya = make_practitioner("Maya Chen")
    response = owner.get(f"/admin/booking/practitioner/{maya.pk}/{view}/?_to_field=")
    assert response.status_code == 200 and "Maya Chen" in response.content.decode()


@pytest.mark.parametrize("selected", ["x", "1.5", " ", "NaN"])
def test_an_action_on_a_selection_that_is_not_an_id_changes_nothing_and_says_so(owner, selected):
    from booking.models import Service

    make_practitioner("Maya Chen")
    before = Service.objects.count()
    response = owner.post("/admin/booking/service/", {"action": "delete_selected", "_selected_action": [selected]},
                          follow=True)
    assert response.status_code == 200 and "Items must be selected" in response.content.decode()
    assert Service.objects.count() == before
