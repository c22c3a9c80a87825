from decimal import Decimal

from django.db import migrations

SERVICES = [
    {
        "slug": "ims-assessment",
        "name": "IMS initial assessment and treatment",
        "description": "Your first visit: a full assessment to see if IMS suits you, and treatment if it does.",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "price": Decimal("140.00"),
        "requires_prior_assessment": False,
        "order": 1,
    },
    {
        "slug": "ims-follow-up",
        "name": "IMS follow-up",
        "description": "A treatment visit for patients who have already had their IMS assessment.",
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "price": Decimal("105.00"),
        "requires_prior_assessment": True,
        "order": 2,
    },
]


def create_services(apps, schema_editor):
    Service = apps.get_model("booking", "Service")
    for data in SERVICES:
        Service.objects.get_or_create(slug=data["slug"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(create_services, migrations.RunPython.noop)]
