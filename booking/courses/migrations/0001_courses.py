"""IMS courses and their visits; everyone at the clinic may open and follow a course (a practitioner
for their own patients only, by the rule in booking/staff/access.py)."""

from django.contrib.auth.management import create_permissions
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


ROLES = ("Front desk", "Practitioner", "Clinic admin")
CODENAMES = ["view_course", "add_course", "change_course"]


def grant_roles(apps, schema_editor):
    courses = apps.get_app_config("courses")
    original = getattr(courses, "models_module", None)
    courses.models_module = True  # create_permissions skips apps without one (historical apps have none)
    create_permissions(courses, apps=apps, verbosity=0)
    courses.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="courses", codename__in=CODENAMES)
    assert perms.count() == len(CODENAMES), "unknown permissions"
    for name in ROLES:
        Group.objects.get_or_create(name=name)[0].permissions.add(*perms)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('booking', '0010_visit_notes_attendance_receipts'),
        ('education', '0002_load_shipped_content'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Course',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('area', models.CharField(max_length=120, verbose_name='area treated')),
                ('payer', models.CharField(choices=[('self_pay', 'I will pay myself'), ('extended_health', 'Extended health benefits (work or private plan)'), ('icbc', 'ICBC (after a motor vehicle crash)'), ('worksafebc', 'WorkSafeBC (after a work injury)'), ('msp_supplementary', 'MSP supplementary benefits (premium assistance)')], default='self_pay', max_length=20)),
                ('planned_visits', models.PositiveSmallIntegerField(default=6, verbose_name='planned trial visits')),
                ('status', models.CharField(choices=[('trial', 'Trial'), ('continuing', 'Continuing'), ('completed', 'Completed'), ('stopped', 'Stopped')], default='trial', max_length=12)),
                ('status_reason', models.CharField(blank=True, max_length=300)),
                ('started_on', models.DateField()),
                ('opened_at', models.DateTimeField()),
                ('condition', models.ForeignKey(blank=True, help_text='The condition page that matches the area treated.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='education.condition')),
                ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='courses', to='booking.patient')),
                ('practitioner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='courses', to='booking.practitioner')),
            ],
            options={
                'ordering': ['-started_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='CourseVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='course_visit', to='booking.appointment')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visits', to='courses.course')),
            ],
        ),
        migrations.AddConstraint(
            model_name='course',
            constraint=models.CheckConstraint(condition=models.Q(('planned_visits__gte', 4), ('planned_visits__lte', 6)), name='course_trial_length_4_to_6'),
        ),
        migrations.AddConstraint(
            model_name='course',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'stopped'), _negated=True), models.Q(('status_reason', ''), _negated=True), _connector='OR'), name='course_stop_has_reason'),
        ),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
