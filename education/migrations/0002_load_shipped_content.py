"""Load the shipped education pages, so a production `migrate` has the content.

Uses the historical models: the loader renders body_html itself and never overwrites a page
that already exists. Reversing leaves the pages alone (staff may have edited them).
"""

from django.db import migrations


def load(apps, schema_editor):
    from education.loader import load_shipped_content

    load_shipped_content(
        Article=apps.get_model("education", "Article"),
        Condition=apps.get_model("education", "Condition"),
        FAQ=apps.get_model("education", "FAQ"),
    )


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
