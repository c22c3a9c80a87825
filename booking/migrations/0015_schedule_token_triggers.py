"""The public schedule's version token is renewed by the database as a change to what the free times are
built from commits (was: post_save/post_delete signals, a savepoint and an UPDATE per change, and bulk
writes that had to remember to call it). See clinic/page_cache.py."""

from django.db import migrations

from clinic.page_cache import token_trigger

SCHEDULE = "booking-schedule"


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0014_time_off_sent_once'),
        ('clinic', '0006_page_version_function'),
    ]

    operations = [
        token_trigger(SCHEDULE, "booking_appointment", ["blocks_until", "end", "practitioner_id", "start", "status"]),
        token_trigger(SCHEDULE, "booking_workinghours"),
        token_trigger(SCHEDULE, "booking_timeoff"),
        token_trigger(SCHEDULE, "booking_clinicclosure"),
        token_trigger(SCHEDULE, "booking_practitioner"),
        token_trigger(SCHEDULE, "booking_practitioner_services"),
        token_trigger(SCHEDULE, "booking_service"),
        token_trigger(SCHEDULE, "clinic_clinicprofile"),
    ]
