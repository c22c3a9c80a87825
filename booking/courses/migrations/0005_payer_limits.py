"""Payer limits: the standing rules (ICBC's pre-approved visits after a crash, MSP supplementary
benefits' visits per year, from ../shared/reference/ims-facts.md: data staff can change) and the
limits staff enter per course. Clinic admins edit the rules in the admin."""

from datetime import date

from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


RULES = [
    {"payer": "icbc", "name": "ICBC pre-approved physiotherapy (Enhanced Care)", "max_visits": 25,
     "window": "after_incident", "window_days": 84, "valid_from": date(2021, 5, 1),
     "note": "Crashes on or after 1 May 2021: 25 visits in the first 12 weeks, no referral needed."},
    {"payer": "msp_supplementary", "name": "MSP supplementary benefits", "max_visits": 10,
     "window": "calendar_year", "note": "10 visits a year combined with massage, chiropractic, acupuncture, "
                                        "naturopathy and non-surgical podiatry: enter visits used elsewhere."},
    {"payer": "extended_health", "name": "Extended health plan (as entered per course)", "window": "calendar_year",
     "note": "Plans differ: enter the visits or dollar maximum on the course."},
    {"payer": "worksafebc", "name": "WorkSafeBC (visits approved, as entered per course)", "window": "none",
     "note": "Enter the visits the case manager approved on the course."},
]


def rules_and_roles(apps, schema_editor):
    PayerRule = apps.get_model("courses", "PayerRule")
    for rule in RULES:
        PayerRule.objects.get_or_create(payer=rule["payer"], name=rule["name"], defaults=rule)
    courses = apps.get_app_config("courses")
    original = getattr(courses, "models_module", None)
    courses.models_module = True  # create_permissions skips apps without one (historical apps have none)
    create_permissions(courses, apps=apps, verbosity=0)
    courses.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_payerrule" for action in ("view", "add", "change", "delete")]
    perms = Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    assert perms.count() == len(codenames), "unknown permissions"
    Group.objects.get_or_create(name="Clinic admin")[0].permissions.add(*perms)


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0011_series_email'),
        ('courses', '0004_patient_reported_pain'),
        ('education', '0002_load_shipped_content'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PayerRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('payer', models.CharField(choices=[('extended_health', 'Extended health benefits (work or private plan)'), ('icbc', 'ICBC (after a motor vehicle crash)'), ('worksafebc', 'WorkSafeBC (after a work injury)'), ('msp_supplementary', 'MSP supplementary benefits (premium assistance)')], max_length=20)),
                ('name', models.CharField(max_length=120)),
                ('max_visits', models.PositiveSmallIntegerField(blank=True, help_text="Blank: the course's own approved visits, if entered.", null=True)),
                ('window', models.CharField(choices=[('after_incident', 'Days after the crash or injury'), ('calendar_year', 'Per calendar year'), ('none', 'No window')], default='none', max_length=16)),
                ('window_days', models.PositiveSmallIntegerField(blank=True, help_text='For a window after the crash or injury: its length in days (day 0 is the date of the crash; the last day counted is this many days after it).', null=True)),
                ('valid_from', models.DateField(blank=True, help_text='The rule applies to courses started from this day.', null=True)),
                ('valid_until', models.DateField(blank=True, help_text='… and until this day.', null=True)),
                ('note', models.CharField(blank=True, max_length=300)),
            ],
            options={
                'ordering': ['payer', '-valid_from'],
            },
        ),
        migrations.AddField(
            model_name='course',
            name='limit_amount',
            field=models.DecimalField(blank=True, decimal_places=2, help_text="The plan's yearly dollar maximum for this kind of care, if known.", max_digits=9, null=True, verbose_name='dollar maximum'),
        ),
        migrations.AddField(
            model_name='course',
            name='limit_visits',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Visits the payer approved for this course (WorkSafeBC, an extended-health plan), if known.', null=True, verbose_name='visits approved'),
        ),
        migrations.AddField(
            model_name='course',
            name='used_elsewhere',
            field=models.PositiveSmallIntegerField(default=0, help_text='Visits of the same benefit used at other clinics (e.g. MSP supplementary, this calendar year).', verbose_name='visits used elsewhere'),
        ),
        migrations.AddConstraint(
            model_name='course',
            constraint=models.CheckConstraint(condition=models.Q(('limit_amount__isnull', True), ('limit_amount__gte', 0), _connector='OR'), name='course_limit_amount_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='payerrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('window', 'after_incident'), _negated=True), ('window_days__isnull', False), _connector='OR'), name='payer_rule_incident_window_has_days'),
        ),
        migrations.RunPython(rules_and_roles, migrations.RunPython.noop),
    ]
