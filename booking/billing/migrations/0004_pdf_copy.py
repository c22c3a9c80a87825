"""Receipts and statements laid out as PDF, stored under the hash of what they show."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_fee_policy_reports'),
    ]

    operations = [
        migrations.CreateModel(
            name='PdfCopy',
            fields=[
                ('key', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('pdf', models.BinaryField()),
                ('made_at', models.DateTimeField(db_index=True)),
            ],
        ),
    ]
