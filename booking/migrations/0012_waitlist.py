"""The waitlist: entries, offers, freed times; waitlist emails in the outbox."""

import booking.models.waitlist
import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0011_series_email'),
    ]

    operations = [
        migrations.AlterField(
            model_name='emailnotice',
            name='appointment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='email_notices', to='booking.appointment'),
        ),
        migrations.AlterField(
            model_name='emailnotice',
            name='kind',
            field=models.CharField(choices=[('request_received', 'Request received'), ('clinic_new_request', 'New online request (to the clinic)'), ('confirmed', 'Confirmed'), ('declined', 'Declined'), ('cancelled_by_patient', 'Cancelled by the patient'), ('cancelled_by_clinic', 'Cancelled by the clinic'), ('rescheduled', 'Rescheduled'), ('reminder', 'Reminder'), ('receipt', 'Receipt (paid invoice)'), ('series_booked', 'IMS trial visits booked'), ('waitlist_joined', 'Joined the waitlist'), ('waitlist_offer', 'A time offered from the waitlist')], max_length=24),
        ),
        migrations.CreateModel(
            name='FreedTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField()),
                ('end', models.DateTimeField()),
                ('reason', models.CharField(max_length=40)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('offered_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('practitioner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='booking.practitioner')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='WaitlistEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('earliest', models.DateField()),
                ('latest', models.DateField()),
                ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(), size=7)),
                ('parts_of_day', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('morning', 'Morning (before noon)'), ('afternoon', 'Afternoon (noon to 5 p.m.)'), ('evening', 'Evening (after 5 p.m.)')], max_length=10), size=3)),
                ('first_name', models.CharField(max_length=80)),
                ('last_name', models.CharField(max_length=80)),
                ('email', models.EmailField(max_length=254)),
                ('phone', models.CharField(blank=True, max_length=30)),
                ('status', models.CharField(choices=[('waiting', 'Waiting'), ('booked', 'Booked an offered time'), ('left', 'Left the list'), ('removed', 'Removed by the clinic'), ('expired', 'Past the latest date')], default='waiting', max_length=8)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('ended_by', models.CharField(blank=True, help_text='Who ended it: a staff user, the patient or the system.', max_length=60)),
                ('token_hash', models.CharField(default=booking.models.waitlist.unguessable_hash, editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='waitlist_entries', to='booking.appointment')),
                ('booked', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='booking.appointment')),
                ('practitioner', models.ForeignKey(blank=True, help_text='Empty: any practitioner.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='waitlist_entries', to='booking.practitioner')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waitlist_entries', to='booking.service')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='emailnotice',
            name='waitlist_entry',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='email_notices', to='booking.waitlistentry'),
        ),
        migrations.CreateModel(
            name='WaitlistOffer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField()),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('token_hash', models.CharField(default=booking.models.waitlist.unguessable_hash, editable=False, max_length=64, unique=True)),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='booking.waitlistentry')),
                ('freed', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='offers', to='booking.freedtime')),
                ('practitioner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='booking.practitioner')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='booking.service')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='emailnotice',
            name='waitlist_offer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='email_notices', to='booking.waitlistoffer'),
        ),
        migrations.AddConstraint(
            model_name='emailnotice',
            constraint=models.CheckConstraint(condition=models.Q(('appointment__isnull', False), ('waitlist_entry__isnull', False), _connector='OR'), name='email_notice_about_something'),
        ),
        migrations.AddIndex(
            model_name='freedtime',
            index=models.Index(fields=['offered_at', 'created_at'], name='booking_fre_offered_c77012_idx'),
        ),
        migrations.AddConstraint(
            model_name='freedtime',
            constraint=models.CheckConstraint(condition=models.Q(('start__lt', models.F('end'))), name='freed_time_start_before_end'),
        ),
        migrations.AddIndex(
            model_name='waitlistentry',
            index=models.Index(fields=['status', 'service', 'created_at'], name='booking_wai_status_5a7200_idx'),
        ),
        migrations.AddConstraint(
            model_name='waitlistentry',
            constraint=models.CheckConstraint(condition=models.Q(('earliest__lte', models.F('latest'))), name='waitlist_dates_in_order'),
        ),
        migrations.AddConstraint(
            model_name='waitlistentry',
            constraint=models.CheckConstraint(condition=models.Q(('weekdays__len__gt', 0)), name='waitlist_some_weekday'),
        ),
        migrations.AddConstraint(
            model_name='waitlistentry',
            constraint=models.CheckConstraint(condition=models.Q(('parts_of_day__len__gt', 0)), name='waitlist_some_part_of_day'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.UniqueConstraint(fields=('entry', 'practitioner', 'start'), name='waitlist_offer_once'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.CheckConstraint(condition=models.Q(('created_at__lt', models.F('expires_at'))), name='waitlist_offer_expires_later'),
        ),
    ]
