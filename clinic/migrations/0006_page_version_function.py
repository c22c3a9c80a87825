"""The page caches' version tokens are written by the database: the function every token trigger runs
(the triggers themselves come with each app's watched tables: booking 0015, education 0004).
0007 replaces it with one that takes an advisory lock first."""

from django.db import migrations

RENEW_FUNCTION = """
CREATE OR REPLACE FUNCTION clinic_renew_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'clinic.renewed_' || translate(TG_ARGV[0], '-', '_');
BEGIN
    IF coalesce(current_setting(flag, true), '') <> 'yes' THEN
        INSERT INTO clinic_pageversion (name, token)
        VALUES (TG_ARGV[0], replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
        PERFORM set_config(flag, 'yes', true);
    END IF;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0005_page_version'),
    ]

    operations = [
        migrations.RunSQL(RENEW_FUNCTION, "DROP FUNCTION clinic_renew_page_version()"),
    ]
