"""The version tokens of the cached public pages, in a table of their own (was the database cache)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0004_receipt_note'),
    ]

    operations = [
        migrations.CreateModel(
            name='PageVersion',
            fields=[
                ('name', models.CharField(max_length=100, primary_key=True, serialize=False)),
                ('token', models.CharField(max_length=32)),
            ],
        ),
    ]
