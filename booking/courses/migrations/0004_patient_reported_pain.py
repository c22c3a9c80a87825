"""A pain score the patient gave from their link before the visit, for the practitioner to confirm."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0003_area_may_wait'),
    ]

    operations = [
        migrations.AddField(
            model_name='visitscore',
            name='patient_reported',
            field=models.BooleanField(default=False),
        ),
    ]
