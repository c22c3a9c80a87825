"""The education pages' version token is renewed by the database as a change to a page, the links between
pages or the clinic's details commits (was: signals, and bulk writes that had to call it). See
clinic/page_cache.py."""

from django.db import migrations

from clinic.page_cache import token_trigger

EDUCATION = "education"


class Migration(migrations.Migration):

    dependencies = [
        ('education', '0003_stored_search_vector'),
        ('clinic', '0006_page_version_function'),
    ]

    operations = [
        token_trigger(EDUCATION, "education_article"),
        token_trigger(EDUCATION, "education_article_related"),
        token_trigger(EDUCATION, "education_condition"),
        token_trigger(EDUCATION, "education_condition_related_articles"),
        token_trigger(EDUCATION, "education_faq"),
        token_trigger(EDUCATION, "clinic_clinicprofile"),
    ]
