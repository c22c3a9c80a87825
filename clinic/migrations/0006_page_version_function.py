"""The page caches' version tokens are written by the database: the function every token trigger runs
(the triggers themselves come with each app's watched tables: booking 0015, education 0004)."""

from django.db import migrations

from clinic.page_cache import RENEW_FUNCTION


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0005_page_version'),
    ]

    operations = [
        migrations.RunSQL(RENEW_FUNCTION, "DROP FUNCTION clinic_renew_page_version()"),
    ]
