"""Staff manage education pages in the admin."""

import pytest

from education.models import Article, Status

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "correct-horse-staple-9")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["article", "condition", "faq"])
def test_admin_lists_search_filter_and_add_forms_work(admin_client, model):
    base = f"/admin/education/{model}/"
    html = admin_client.get(base).content.decode()
    assert "Last reviewed" in html and "Next review due" in html and "Status" in html
    assert admin_client.get(base, {"q": "IMS"}).status_code == 200
    assert admin_client.get(base, {"status__exact": "draft"}).status_code == 200
    assert admin_client.get(base, {"review": "overdue"}).status_code == 200
    assert admin_client.get(base, {"review": "soon"}).status_code == 200
    add = admin_client.get(f"{base}add/").content.decode()
    assert 'id="django-admin-prepopulated-fields-constants"' in add and "#id_slug" in add


def test_article_change_form_has_a_two_box_picker_for_related(admin_client):
    article = Article.objects.get(slug="what-is-ims")
    html = admin_client.get(f"/admin/education/article/{article.pk}/change/").content.decode()
    assert 'class="selectfilter"' in html and 'name="related"' in html


def test_adding_an_article_in_the_admin_renders_its_body(admin_client):
    response = admin_client.post(
        "/admin/education/article/add/",
        {
            "title": "New guide", "slug": "new-guide", "topic": "treatment", "summary": "A new guide.",
            "body": "## Hello\n\n<script>x()</script>Words.", "status": "published", "order": "9",
            "last_reviewed": "2026-11-15", "next_review_due": "2027-11-15",
            "reviewed_by": "Registered physiotherapist trained in Gunn IMS",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="new-guide")
    assert "<h2>Hello</h2>" in article.body_html and "script" not in article.body_html
    assert article.published_at is not None


def test_admin_refuses_a_reserved_article_slug(admin_client):
    response = admin_client.post(
        "/admin/education/article/add/",
        {
            "title": "Search", "slug": "search", "topic": "treatment", "summary": "x", "body": "x",
            "status": "draft", "order": "1", "last_reviewed": "2026-11-15", "next_review_due": "2027-11-15",
            "reviewed_by": "Registered physiotherapist trained in Gunn IMS",
        },
    )
    assert response.status_code == 200
    assert not Article.objects.filter(slug="search").exists()


def test_publish_and_unpublish_actions(admin_client):
    draft = make_article(status=Status.DRAFT)
    admin_client.post("/admin/education/article/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.published_at is not None
    admin_client.post("/admin/education/article/", {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
