"""The late-cancel and missed-visit fee policy (off by default) and its waivers; the reports permission.

Clinic admins see money reports and edit the fee policy in the admin.
"""

import django.db.models.deletion
from decimal import Decimal
from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


CLINIC_ADMIN = ["view_reports", "view_feepolicy", "change_feepolicy"]


def grant_roles(apps, schema_editor):
    apps.get_model("billing", "FeePolicy").objects.get_or_create(pk=1)  # off until the clinic turns it on
    billing = apps.get_app_config("billing")
    original = getattr(billing, "models_module", None)
    billing.models_module = True  # create_permissions skips apps without one (historical apps have none)
    create_permissions(billing, apps=apps, verbosity=0)
    billing.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="billing", codename__in=CLINIC_ADMIN)
    assert perms.count() == len(CLINIC_ADMIN), "unknown permissions"
    Group.objects.get_or_create(name="Clinic admin")[0].permissions.add(*perms)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_counter_and_role'),
        ('booking', '0010_visit_notes_attendance_receipts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='invoice',
            options={'ordering': ['-number'], 'permissions': [('take_payments', 'Can check out visits, take payments, credit and void invoices'), ('view_reports', 'Can see reports with money figures')]},
        ),
        migrations.CreateModel(
            name='FeePolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('enabled', models.BooleanField(default=False, help_text='Charge fees for late cancellations and missed visits.')),
                ('notice_hours', models.PositiveSmallIntegerField(default=24, help_text='A cancellation less than this many hours before the visit is late.')),
                ('late_cancel_percent', models.DecimalField(decimal_places=2, default=Decimal('50.00'), help_text="Percent of the visit's price charged for a late cancellation.", max_digits=5)),
                ('no_show_percent', models.DecimalField(decimal_places=2, default=Decimal('50.00'), help_text="Percent of the visit's price charged for a missed visit.", max_digits=5)),
            ],
            options={
                'verbose_name_plural': 'fee policy',
                'constraints': [models.CheckConstraint(condition=models.Q(('late_cancel_percent__gt', 0), ('late_cancel_percent__lte', 100)), name='fee_policy_late_cancel_percent_range'), models.CheckConstraint(condition=models.Q(('no_show_percent__gt', 0), ('no_show_percent__lte', 100)), name='fee_policy_no_show_percent_range'), models.CheckConstraint(condition=models.Q(('notice_hours__gte', 1), ('notice_hours__lte', 168)), name='fee_policy_notice_hours_range')],
            },
        ),
        migrations.CreateModel(
            name='FeeWaiver',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('late_cancel', 'Late-cancellation fee'), ('no_show', 'Missed-visit fee')], max_length=12)),
                ('reason', models.CharField(max_length=300)),
                ('decided_at', models.DateTimeField()),
                ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fee_waivers', to='booking.appointment')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('appointment', 'kind'), name='fee_waiver_one_per_visit_and_kind'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='fee_waiver_has_reason')],
            },
        ),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
