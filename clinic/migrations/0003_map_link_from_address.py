from django.db import migrations, models

OLD_DEFAULT = "https://www.openstreetmap.org/search?query=Vancouver%20BC"


def forget_city_only_map(apps, schema_editor):
    """The old default searched the city only: clear it, so the address search applies."""
    apps.get_model("clinic", "ClinicProfile").objects.filter(map_url=OLD_DEFAULT).update(map_url="")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0002_rate_counter")]

    operations = [
        migrations.AlterField(
            model_name="clinicprofile",
            name="map_url",
            field=models.URLField(blank=True, help_text="A link to the clinic on a map. Empty: a map search for the address above."),
        ),
        migrations.RunPython(forget_city_only_map, migrations.RunPython.noop),
    ]
