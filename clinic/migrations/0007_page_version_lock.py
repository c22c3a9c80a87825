"""Token writers queue on one advisory lock before writing any token row: a commit renewing both sets
(education, then the schedule) and another renewing them the other way round deadlocked."""

from django.db import migrations

# pg_advisory_xact_lock's key: any constant no other code uses ("clinic page version" in ASCII, cut).
RENEW_FUNCTION = """
CREATE OR REPLACE FUNCTION clinic_renew_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'clinic.renewed_' || translate(TG_ARGV[0], '-', '_');
BEGIN
    IF coalesce(current_setting(flag, true), '') <> 'yes' THEN
        PERFORM pg_advisory_xact_lock(7234126923591);
        INSERT INTO clinic_pageversion (name, token)
        VALUES (TG_ARGV[0], replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
        PERFORM set_config(flag, 'yes', true);
    END IF;
    RETURN NULL;
END
$$;
"""
LOCK = "        PERFORM pg_advisory_xact_lock(7234126923591);\n"
BEFORE = RENEW_FUNCTION.replace(LOCK, "")  # 0006's, to go back to


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0006_page_version_function'),
    ]

    operations = [
        migrations.RunSQL(RENEW_FUNCTION, BEFORE),
    ]
