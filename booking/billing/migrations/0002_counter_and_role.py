"""The invoice counter's one row, and the billing permission for the front desk and clinic admins."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def counter_and_role(apps, schema_editor):
    apps.get_model("billing", "InvoiceCounter").objects.get_or_create(pk=1, defaults={"last": 0})
    app_config = apps.get_app_config("billing")
    original = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips apps without one (historical apps have none)
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    take = Permission.objects.filter(content_type__app_label="billing",
                                     codename__in=["take_payments", "view_invoice", "view_payment"])
    for name in ("Front desk", "Clinic admin"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*take)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_invoices"), ("booking", "0004_staff_roles")]

    operations = [migrations.RunPython(counter_and_role, migrations.RunPython.noop)]
