"""The shipped Markdown content: loaded once, never overwriting staff edits, with historical models too."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from education import loader
from education.loader import ContentError, load_shipped_content, parse_front_matter, read_shipped_pages
from education.models import FAQ, Article, Condition, Status

pytestmark = pytest.mark.django_db

SHIPPED = read_shipped_pages()
TOTAL = len(SHIPPED)


def delete_everything():
    FAQ.objects.all().delete()
    Condition.objects.all().delete()
    Article.objects.all().delete()


def test_loader_creates_every_shipped_page_once_and_then_nothing():
    delete_everything()
    assert load_shipped_content() == TOTAL
    assert load_shipped_content() == 0
    assert Article.objects.count() + Condition.objects.count() + FAQ.objects.count() == TOTAL


def test_loaded_pages_are_published_reviewed_and_rendered():
    delete_everything()
    load_shipped_content()
    whiplash = Condition.objects.get(slug="whiplash")
    assert whiplash.status == Status.PUBLISHED and whiplash.published_at is not None
    assert whiplash.last_reviewed == date(2026, 11, 15)
    assert whiplash.next_review_due == date(2027, 11, 15)
    assert whiplash.reviewed_by == "Registered physiotherapist trained in Gunn IMS"
    assert whiplash.region == "head-neck" and whiplash.medical_term == "Whiplash-associated disorder (WAD)"
    assert "<h2>What it is</h2>" in whiplash.body_html and "What it is" in whiplash.body_text
    assert set(whiplash.related_articles.values_list("slug", flat=True)) == {
        "what-is-ims", "what-to-expect", "paying-for-ims",
    }
    article = Article.objects.get(slug="what-is-ims")
    assert article.topic == "about-ims"
    assert set(article.related.values_list("slug", flat=True)) == {"ims-vs-acupuncture", "what-to-expect", "ims-safety"}
    assert FAQ.objects.get(slug="does-ims-hurt").article.slug == "what-to-expect"


def test_loader_never_overwrites_a_staff_edit():
    article = Article.objects.get(slug="what-is-ims")
    article.title = "What is IMS? (edited by staff)"
    article.body = "Staff wording."
    article.status = Status.DRAFT
    article.save()
    article.related.clear()
    assert load_shipped_content() == 0
    article.refresh_from_db()
    assert article.title == "What is IMS? (edited by staff)"
    assert article.body_html.strip() == "<p>Staff wording.</p>"
    assert article.status == Status.DRAFT
    assert article.related.count() == 0


def test_loader_recreates_only_a_deleted_page():
    FAQ.objects.filter(slug="what-should-i-wear").delete()
    assert load_shipped_content() == 1
    assert FAQ.objects.filter(slug="what-should-i-wear").exists()


def test_loader_works_with_the_historical_models_of_a_migration():
    delete_everything()
    state = MigrationExecutor(connection).loader.project_state(("education", "0002_load_shipped_content"))
    created = load_shipped_content(
        Article=state.apps.get_model("education", "Article"),
        Condition=state.apps.get_model("education", "Condition"),
        FAQ=state.apps.get_model("education", "FAQ"),
    )
    assert created == TOTAL
    # Historical models have no custom save(): the loader rendered the HTML itself.
    article = Article.objects.get(slug="ims-vs-acupuncture")
    assert "table-scroll" in article.body_html and article.body_text


def test_front_matter_can_set_review_details(tmp_path, monkeypatch):
    delete_everything()
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "reviewed-page.md").write_text(
        "---\ntitle: Reviewed page\nslug: reviewed-page\nsummary: A page.\ntopic: treatment\norder: 1\n"
        "related:\nlast_reviewed: 2026-02-01\nreviewed_by: Registered physiotherapist\n"
        "next_review_due: 2026-08-01\n---\nSome words.\n",
        encoding="utf-8",
    )
    (tmp_path / "conditions").mkdir()
    (tmp_path / "faqs").mkdir()
    monkeypatch.setattr(loader, "read_shipped_pages", lambda: read_shipped_pages(tmp_path))
    assert load_shipped_content() == 1
    page = Article.objects.get(slug="reviewed-page")
    assert page.last_reviewed == date(2026, 2, 1)
    assert page.next_review_due == date(2026, 8, 1)
    assert page.reviewed_by == "Registered physiotherapist"


@pytest.mark.parametrize(
    "text",
    ["no front matter", "---\ntitle: x\n", "---\nnot a key value line\n---\nbody"],
    ids=["no-opening-line", "no-closing-line", "bad-line"],
)
def test_malformed_front_matter_is_reported(text):
    with pytest.raises(ContentError):
        parse_front_matter(text)


def test_setup_site_command_loads_content_idempotently():
    from io import StringIO

    from django.core.management import call_command

    delete_everything()
    out = StringIO()
    call_command("setup_site", stdout=out)
    assert f"Loaded {TOTAL} education pages." in out.getvalue()
    out = StringIO()
    call_command("setup_site", stdout=out)
    assert "education pages" not in out.getvalue()
