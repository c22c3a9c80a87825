"""The front desk may remove a clinic closure from the staff schedules page, as it may add one.

0004 gave the front desk add_clinicclosure only, so a closure added by mistake could be removed
only by a clinic admin in the Django admin. Removing one puts the day's times back on sale, which
is the front desk's work like adding it. (Time off: the front desk has delete_timeoff since 0004.)
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK_EXTRA = ["delete_clinicclosure"]


def grant_front_desk(apps, schema_editor):
    booking = apps.get_app_config("booking")
    # Permissions are normally created after migrations (post_migrate): make sure they exist.
    original = getattr(booking, "models_module", None)
    booking.models_module = True
    create_permissions(booking, apps=apps, verbosity=0)
    booking.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Front desk")
    perms = Permission.objects.filter(content_type__app_label="booking", codename__in=FRONT_DESK_EXTRA)
    assert perms.count() == len(FRONT_DESK_EXTRA), "unknown permissions"
    group.permissions.add(*perms)


def revoke_front_desk(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Front desk").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="booking",
                                                            codename__in=FRONT_DESK_EXTRA))


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_screening_asked"),  # after 0004_staff_roles, which made the groups
    ]
    operations = [migrations.RunPython(grant_front_desk, revoke_front_desk)]
