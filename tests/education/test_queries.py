"""Each public page runs a fixed number of queries, however much content exists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from education.models import Article, Condition

from .factories import make_article, make_condition, make_faq

pytestmark = pytest.mark.django_db

# Upper bounds per page (the clinic profile comes from the database cache: one query, twice on
# pages whose structured data names the clinic). The real counts are also compared before and
# after adding content.
PAGES = {
    "/ims/": 2,
    "/ims/what-is-ims/": 6,
    "/ims/conditions/": 2,
    "/ims/conditions/whiplash/": 4,
    "/ims/faq/": 2,
    "/ims/search/?q=ims": 2,
    "/ims/search/?q=xylophone": 3,
    "/sitemap.xml": 5,
}


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the clinic profile cache, as on a running site
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_thirty_of_each() -> None:
    hub = Article.objects.get(slug="what-is-ims")
    whiplash = Condition.objects.get(slug="whiplash")
    for _ in range(30):
        article = make_article(body="IMS helps some people. " * 50)
        article.related.add(hub)
        hub.related.add(article)
        condition = make_condition(body="IMS is used for this. " * 20)
        condition.related_articles.add(hub, article)
        whiplash.related_articles.add(article)
        make_faq(article=hub, body="Yes, IMS can help. [Read more](/ims/what-is-ims/)")


@pytest.mark.parametrize("url", list(PAGES))
def test_page_runs_the_same_few_queries_with_thirty_more_of_everything(client, django_assert_max_num_queries, url):
    before = count_queries(client, url)
    add_thirty_of_each()
    with django_assert_max_num_queries(PAGES[url]):
        client.get(url)
    after = count_queries(client, url)
    assert after == before <= PAGES[url]


def test_staff_preview_adds_only_the_session_and_permission_queries(staff_client, django_assert_max_num_queries):
    draft = make_article(status="draft")
    staff_client.get(draft.get_absolute_url())
    with django_assert_max_num_queries(PAGES["/ims/what-is-ims/"] + 4):
        assert staff_client.get(draft.get_absolute_url()).status_code == 200
