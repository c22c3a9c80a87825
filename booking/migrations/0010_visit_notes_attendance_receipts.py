"""Practitioners act on their own visits; private visit notes; the receipt email.

Roles: everyone at the clinic may mark attendance (a practitioner only on their own visits, by
the visibility rule in booking/staff/access.py); practitioners and clinic admins read visit notes,
the front desk does not. Practitioners open the patient page of their own patients (view_patient,
filtered by the same rule) to see past visits.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


GRANTS = {"Front desk": ["mark_attendance"], "Practitioner": ["mark_attendance", "view_visit_notes", "view_patient"],
          "Clinic admin": ["mark_attendance", "view_visit_notes"]}


def grant_roles(apps, schema_editor):
    booking = apps.get_app_config("booking")
    original = getattr(booking, "models_module", None)
    booking.models_module = True  # create_permissions skips apps without one (historical apps have none)
    create_permissions(booking, apps=apps, verbosity=0)
    booking.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        perms = Permission.objects.filter(content_type__app_label="booking", codename__in=codenames)
        assert perms.count() == len(codenames), "unknown permissions"
        Group.objects.get_or_create(name=name)[0].permissions.add(*perms)


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0009_practitioner_registration'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='appointment',
            options={'ordering': ['start'], 'permissions': [('use_staff_area', 'Can use the staff calendar and request queue'), ('manage_appointments', 'Can book, confirm, decline, cancel, reschedule and mark appointments'), ('view_all_patient_details', "Can see the details of every practitioner's patients"), ('export_appointments', 'Can export appointments as CSV'), ('mark_attendance', 'Can mark a visit arrived, completed or missed'), ('view_visit_notes', 'Can read and write private visit notes')]},
        ),
        migrations.AddField(
            model_name='emailnotice',
            name='invoice_number',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='emailnotice',
            name='kind',
            field=models.CharField(choices=[('request_received', 'Request received'), ('clinic_new_request', 'New online request (to the clinic)'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('cancelled_by_patient', 'Cancelled by the patient'), ('cancelled_by_clinic', 'Cancelled by the clinic'), ('rescheduled', 'Rescheduled'), ('reminder', 'Reminder'), ('receipt', 'Receipt (paid invoice)')], max_length=24),
        ),
        migrations.CreateModel(
            name='VisitNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(max_length=5000)),
                ('updated_at', models.DateTimeField()),
                ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='visit_note', to='booking.appointment')),
                ('written_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
