"""Each public page runs a fixed number of queries, however much content exists."""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicProfile
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


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def counts_before_thirty_more(django_db_setup, django_db_blocker):
    """Each page's query count, then thirty more of everything, built once for the module.

    Everything happens inside one outer transaction that is rolled back after the module's last
    test: each test's own transaction nests in it as a savepoint, so no row outlives the module.
    """
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                before = {url: count_queries(Client(), url) for url in PAGES}
                add_thirty_of_each()
                yield before
                raise _Rollback
        except _Rollback:
            pass


@pytest.mark.parametrize("url", list(PAGES))
def test_page_runs_the_same_few_queries_with_thirty_more_of_everything(
        counts_before_thirty_more, client, django_assert_max_num_queries, url):
    assert Article.objects.count() >= 30  # the extra rows are there
    ClinicProfile.load()  # warm the clinic profile (the test's cache starts empty), not the page
    with django_assert_max_num_queries(PAGES[url]):
        client.get(url)
    after = count_queries(client, url)
    assert after == counts_before_thirty_more[url] <= PAGES[url]


def test_staff_preview_adds_only_the_session_and_permission_queries(staff_client, django_assert_max_num_queries):
    draft = make_article(status="draft")
    staff_client.get(draft.get_absolute_url())
    with django_assert_max_num_queries(PAGES["/ims/what-is-ims/"] + 4):
        assert staff_client.get(draft.get_absolute_url()).status_code == 200
