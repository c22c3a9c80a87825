"""Anonymous visitors get education pages from a cache that every change empties, on every server."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicProfile, PageVersion
from education.loader import load_shipped_content
from education.models import Article, Status, page_cache

from .factories import make_article

# Pages rendered inside a database transaction are never cached (they may show rows that are then
# rolled back), so these tests run outside one, as a real server does.
pytestmark = pytest.mark.django_db(transaction=True)

CACHED_PAGES = ["/ims/", "/ims/what-is-ims/", "/ims/conditions/", "/ims/conditions/whiplash/", "/ims/faq/"]
ARTICLE = "/ims/what-is-ims/"
BANNER = "Draft preview: not visible to the public"


@pytest.fixture(autouse=True)
def shipped_content():
    load_shipped_content()  # transaction=True flushes the rows the data migration loaded
    ClinicProfile.load()  # creating it is a change too: have it before the first visit
    page_cache.pages.clear()  # nothing left from earlier tests: a freshly started server


def staff_client(django_user_model) -> Client:
    # A superuser holds every permission without permission rows, which some transactional tests
    # elsewhere leave behind un-recreated after their flush.
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "correct-horse-9"))
    return staff


def visit(client, url):
    """The response and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, [q["sql"] for q in captured.captured_queries]


def served_from_cache(sql: list[str]) -> bool:
    # Only the version check, on the cache table: no query about pages or the clinic.
    return len(sql) == 1 and "clinic_pageversion" in sql[0]


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_a_second_visit_runs_none_of_the_pages_queries(client, url):
    first, first_sql = visit(client, url)
    second, second_sql = visit(client, url)
    assert first.status_code == second.status_code == 200
    assert not served_from_cache(first_sql) and len(first_sql) > 1
    assert served_from_cache(second_sql)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_cached_copy_keeps_the_security_headers_and_varies_on_cookie(client):
    client.get(ARTICLE)
    response, sql = visit(client, ARTICLE)
    assert served_from_cache(sql)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Cookie" in response["Vary"]
    assert not response.cookies


def test_editing_an_article_shows_on_its_page_and_the_index_at_once(client):
    client.get(ARTICLE)
    client.get("/ims/")
    article = Article.objects.get(slug="what-is-ims")
    article.title = "What IMS is, in plain words"
    article.save()
    for url in (ARTICLE, "/ims/"):
        response, sql = visit(client, url)
        assert "What IMS is, in plain words" in response.content.decode()
        assert not served_from_cache(sql)
    assert served_from_cache(visit(client, ARTICLE)[1])  # and cached again


def test_a_change_saved_on_another_server_retires_this_servers_copy(client):
    client.get(ARTICLE)
    assert served_from_cache(visit(client, ARTICLE)[1])
    # Another app server saves the article: its row changes and its signal sets a new version in the
    # shared version table. Nothing happens in this process's memory.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE education_article SET title = %s WHERE slug = %s", ["Changed elsewhere", "what-is-ims"])
    PageVersion.objects.filter(name=page_cache.name).update(token="set-by-another-server")
    assert "Changed elsewhere" in client.get(ARTICLE).content.decode()


def test_turning_a_page_back_into_a_draft_from_the_admin_list_hides_it_at_once(client, django_user_model):
    assert client.get(ARTICLE).status_code == 200
    assert served_from_cache(visit(client, ARTICLE)[1])
    admin = staff_client(django_user_model)
    article = Article.objects.get(slug="what-is-ims")
    # The admin action is a bulk update(): no save() signal.
    admin.post("/admin/education/article/", {"action": "unpublish", "_selected_action": [article.pk]})
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    assert client.get(ARTICLE).status_code == 404


def test_new_links_between_pages_and_deleted_pages_show_at_once(client):
    client.get(ARTICLE)
    other = make_article(title="Needles and nerves explained")
    Article.objects.get(slug="what-is-ims").related.add(other)
    assert "Needles and nerves explained" in client.get(ARTICLE).content.decode()
    other.delete()
    assert "Needles and nerves explained" not in client.get(ARTICLE).content.decode()


def test_a_change_to_the_clinic_details_shows_on_cached_pages(client):
    client.get(ARTICLE)
    profile = ClinicProfile.load()
    profile.phone = "604-555-0177"
    profile.save()
    assert "604-555-0177" in client.get(ARTICLE).content.decode()


def test_clinic_details_changed_without_save_show_at_once_too(client):
    """An update() or SQL at a prompt: the trigger renews the token, and the page is built from the
    details as they are now (they were kept 5 minutes in a cache of their own, so the fresh copy had
    the old phone number under the new token)."""
    client.get(ARTICLE)
    assert served_from_cache(visit(client, ARTICLE)[1])
    ClinicProfile.objects.filter(pk=1).update(phone="604-555-0188")
    assert "604-555-0188" in client.get(ARTICLE).content.decode()
    assert "604-555-0188" in client.get(ARTICLE).content.decode()  # and the copy kept has it


def test_signed_in_staff_never_get_a_cached_copy_nor_leave_one(client, django_user_model):
    staff = staff_client(django_user_model)
    for _ in range(2):
        response, sql = visit(staff, ARTICLE)
        assert response.status_code == 200
        assert any("django_session" in q for q in sql) and not served_from_cache(sql)
    assert not served_from_cache(visit(client, ARTICLE)[1])  # staff visits stored nothing
    client.get(ARTICLE)
    assert served_from_cache(visit(client, ARTICLE)[1])
    assert not served_from_cache(visit(staff, ARTICLE)[1])  # and never read the visitors' copy


def test_drafts_are_never_cached(client, django_user_model):
    draft = make_article(slug="draft-zebra", title="Secret zebra draft", status=Status.DRAFT)
    staff = staff_client(django_user_model)
    preview = staff.get("/ims/draft-zebra/")
    assert preview.status_code == 200 and BANNER in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]
    assert client.get("/ims/draft-zebra/").status_code == 404
    assert client.get("/ims/draft-zebra/").status_code == 404
    draft.status = Status.PUBLISHED
    draft.save()
    assert BANNER not in client.get("/ims/draft-zebra/").content.decode()
    draft.status = Status.DRAFT
    draft.save()
    assert client.get("/ims/draft-zebra/").status_code == 404


def test_visitors_with_a_session_or_pending_messages_get_a_fresh_page(client):
    client.get(ARTICLE)
    for cookie in ("sessionid", "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "anything"
        response, sql = visit(visitor, ARTICLE)
        assert response.status_code == 200 and not served_from_cache(sql)


@pytest.mark.django_db  # inside a transaction, as in the rest of the suite
def test_pages_rendered_inside_a_transaction_are_not_cached(client):
    client.get(ARTICLE)
    response, sql = visit(client, ARTICLE)
    assert response.status_code == 200 and not served_from_cache(sql)
