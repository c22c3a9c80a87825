"""The email that lists every visit of a booked IMS series, with one calendar file."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0010_visit_notes_attendance_receipts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='emailnotice',
            name='kind',
            field=models.CharField(choices=[('request_received', 'Request received'), ('clinic_new_request', 'New online request (to the clinic)'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('cancelled_by_patient', 'Cancelled by the patient'), ('cancelled_by_clinic', 'Cancelled by the clinic'), ('rescheduled', 'Rescheduled'), ('reminder', 'Reminder'), ('receipt', 'Receipt (paid invoice)'), ('series_booked', 'IMS trial visits booked')], max_length=24),
        ),
    ]
