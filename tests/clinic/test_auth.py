"""clinic.auth.ModelBackend: the same permissions as Django's ModelBackend, in one query per request."""

import pytest
from django.contrib.auth import backends as django_backends
from django.contrib.auth.models import Group, Permission, User

from clinic.auth import ModelBackend

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as the next request loads it: no permissions kept from before."""
    return User.objects.get(pk=user.pk)


def django_says(user: User) -> set[str]:
    return django_backends.ModelBackend().get_all_permissions(fresh(user))


@pytest.fixture
def desk(staff_roles):
    user = User.objects.create_user("desk-a", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"), Group.objects.get(name="Practitioner"))
    user.user_permissions.add(Permission.objects.get(codename="view_emailnotice"))  # in neither of their roles
    return user


def test_a_users_own_and_groups_permissions_are_djangos_set_in_one_query(desk, django_assert_num_queries):
    user = fresh(desk)
    with django_assert_num_queries(1):
        perms = ModelBackend().get_all_permissions(user)
        assert user.has_perm("booking.manage_appointments") and user.has_perm("booking.export_appointments")
        assert not user.has_perm("auth.delete_user")
    assert perms == django_says(desk) and len(perms) > 10
    assert "booking.view_emailnotice" in perms  # their own, in no group of theirs


def test_a_superuser_has_every_permission_in_one_query(django_assert_num_queries):
    admin = User.objects.create_superuser("owner-a", password="a-long-test-password")
    user = fresh(admin)
    with django_assert_num_queries(1):
        perms = ModelBackend().get_all_permissions(user)
    assert perms == django_says(admin) and len(perms) == Permission.objects.count()


def test_an_inactive_or_anonymous_user_has_none_and_costs_no_query(desk, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    desk.is_active = False
    desk.save()
    user = fresh(desk)
    with django_assert_num_queries(0):
        assert ModelBackend().get_all_permissions(user) == set()
        assert ModelBackend().get_all_permissions(AnonymousUser()) == set()


def test_a_permission_or_role_taken_away_counts_from_the_next_request(client, staff_roles):
    user = User.objects.create_user("desk-b", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Practitioner"))
    user.user_permissions.add(Permission.objects.get(codename="export_appointments"))
    client.force_login(user)
    assert client.get("/staff/export/").status_code == 200
    user.user_permissions.clear()
    assert client.get("/staff/export/").status_code == 403
    assert client.get("/staff/day/").status_code == 200
    user.groups.clear()
    assert client.get("/staff/day/").status_code == 403


def test_the_site_and_the_admin_use_it_in_place_of_djangos():
    from django.contrib.auth import get_backends

    models = [b for b in get_backends() if isinstance(b, django_backends.ModelBackend)]
    assert [type(b) for b in models] == [ModelBackend]
