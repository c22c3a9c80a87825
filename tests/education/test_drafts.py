"""Drafts: invisible to the public everywhere, previewable by staff with a clear banner."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from education.models import Article, Status

from .factories import make_article, make_condition, make_faq, make_staff

pytestmark = pytest.mark.django_db

BANNER = "Draft preview: not visible to the public"


@pytest.fixture
def drafts():
    article = make_article(slug="draft-article", title="Secret draft zebra article", status=Status.DRAFT,
                           body="Zebra words only in a draft.")
    condition = make_condition(slug="draft-condition", title="Secret draft zebra condition", status=Status.DRAFT)
    faq = make_faq(slug="draft-question", title="Is this a zebra draft?", status=Status.DRAFT,
                   article=Article.objects.get(slug="what-is-ims"))
    return article, condition, faq


def test_drafts_are_404_for_the_public(client, drafts):
    assert client.get("/ims/draft-article/").status_code == 404
    assert client.get("/ims/conditions/draft-condition/").status_code == 404


def test_staff_with_view_permission_see_drafts_with_a_banner(staff_client, drafts):
    for url in ["/ims/draft-article/", "/ims/conditions/draft-condition/"]:
        response = staff_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert BANNER in html
        assert '<meta name="robots" content="noindex">' in html
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_staff_see_draft_questions_marked_on_the_faq_page(staff_client, drafts):
    html = staff_client.get("/ims/faq/").content.decode()
    section = html.split('id="draft-question"')[1].split("</section>")[0]
    assert BANNER in section


def test_published_pages_show_no_banner_to_staff(staff_client):
    html = staff_client.get("/ims/what-is-ims/").content.decode()
    assert BANNER not in html and 'content="noindex"' not in html


def test_staff_without_the_view_permission_get_404(client, drafts):
    client.force_login(make_staff(perms=(), username="no-perms"))
    assert client.get("/ims/draft-article/").status_code == 404
    assert client.get("/ims/conditions/draft-condition/").status_code == 404


def test_a_signed_in_non_staff_user_gets_404(client, drafts):
    user = make_staff(username="patient")
    user.is_staff = False
    user.save()
    client.force_login(user)
    assert client.get("/ims/draft-article/").status_code == 404


def test_drafts_stay_out_of_lists_search_and_sitemap(staff_client, drafts):
    public = Client()
    for viewer in (public, staff_client):
        for url in ["/ims/", "/ims/conditions/", "/ims/what-is-ims/"]:
            html = viewer.get(url).content.decode()
            assert "Secret draft" not in html and "draft-" not in html, url
        search = viewer.get("/ims/search/?q=zebra").content.decode()
        assert "No results for" in search and "Secret draft" not in search and "zebra draft?" not in search
    faq_page = public.get("/ims/faq/").content.decode()
    assert "draft-question" not in faq_page and "zebra draft" not in faq_page
    sitemap = public.get("/sitemap.xml").content.decode()
    assert "draft-" not in sitemap
    ET.fromstring(sitemap)  # noqa: S314 - our own sitemap; still valid XML


def test_related_links_never_point_at_drafts(client, drafts):
    article, condition, _ = drafts
    published = Article.objects.get(slug="what-is-ims")
    published.related.add(article)
    condition.related_articles.add(published)
    html = client.get("/ims/what-is-ims/").content.decode()
    assert "/ims/draft-article/" not in html and "/ims/conditions/draft-condition/" not in html


def test_admin_view_on_site_opens_the_draft_preview(client, drafts):
    article = drafts[0]
    admin = make_staff(username="boss")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    change = client.get(f"/admin/education/article/{article.pk}/change/").content.decode()
    view_on_site = re.search(r'href="(/admin/r/[^"]+)"', change).group(1)
    ct = ContentType.objects.get_for_model(article)
    assert view_on_site == f"/admin/r/{ct.pk}/{article.pk}/"
    response = client.get(view_on_site)
    assert response.status_code == 302 and response["Location"].endswith("/ims/draft-article/")
    assert BANNER in client.get("/ims/draft-article/").content.decode()
