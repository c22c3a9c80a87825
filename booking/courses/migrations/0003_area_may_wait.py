"""A course opened by the patient booking their trial has no area until the practitioner writes it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0002_scores_and_reviews'),
    ]

    operations = [
        migrations.AlterField(
            model_name='course',
            name='area',
            field=models.CharField(blank=True, help_text='Blank when the patient booked the trial before the practitioner wrote it.', max_length=120, verbose_name='area treated'),
        ),
    ]
