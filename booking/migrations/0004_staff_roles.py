"""Staff roles as groups: Front desk, Practitioner, Clinic admin.

Permissions are normally created after migrations (post_migrate), so create them here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK = {
    "booking": [
        "use_staff_area", "manage_appointments", "view_all_patient_details", "export_appointments",
        "view_appointment", "change_appointment", "view_patient", "add_patient", "change_patient",
        "view_practitioner", "view_service", "view_workinghours",
        "view_timeoff", "add_timeoff", "change_timeoff", "delete_timeoff",
        "view_clinicclosure", "add_clinicclosure",
    ],
}
PRACTITIONER = {
    "booking": ["use_staff_area", "view_appointment", "view_practitioner", "view_service", "view_workinghours",
                "view_timeoff", "view_clinicclosure"],
}
CLINIC_ADMIN_EXTRA = {
    "booking": [f"{action}_{model}" for model in ("practitioner", "service", "workinghours", "clinicclosure")
                for action in ("view", "add", "change", "delete")] + ["view_emailnotice", "view_appointmentevent"],
    "education": [f"{action}_{model}" for model in ("article", "condition", "faq")
                  for action in ("view", "add", "change", "delete")],
    "clinic": ["view_clinicprofile", "change_clinicprofile"],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without models_module; restore the value afterwards, since
        # the tests' staff_roles fixture passes the real app registry.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def grant(group_name, *specs):
        group, _ = Group.objects.get_or_create(name=group_name)
        for spec in specs:
            for app_label, codenames in spec.items():
                perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                missing = set(codenames) - set(perms.values_list("codename", flat=True))
                assert not missing, f"unknown permissions for {app_label}: {missing}"
                group.permissions.add(*perms)

    grant("Front desk", FRONT_DESK)
    grant("Practitioner", PRACTITIONER)
    grant("Clinic admin", FRONT_DESK, CLINIC_ADMIN_EXTRA)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_staff_permissions_outbox"),
        ("education", "0002_load_shipped_content"),
        ("clinic", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
