"""Model rules: publication dates, review dates, reserved slugs, the published() query."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from education.models import FAQ, Article, Condition, Status

from .factories import make_article, make_condition, make_faq

pytestmark = pytest.mark.django_db


def test_published_returns_only_published_pages():
    draft = make_article(status=Status.DRAFT)
    live = make_article()
    published = set(Article.objects.published())
    assert live in published and draft not in published


def test_publishing_sets_published_at_once():
    article = make_article(status=Status.DRAFT)
    assert article.published_at is None
    article.status = Status.PUBLISHED
    article.save()
    first = article.published_at
    assert first is not None
    article.title = "Changed"
    article.save()
    assert article.published_at == first


def test_the_database_refuses_a_review_due_before_the_last_review():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_condition(last_reviewed=date(2026, 11, 15), next_review_due=date(2026, 11, 1))


def test_clean_explains_a_review_due_before_the_last_review():
    article = Article(
        title="x", slug="x", summary="x", body="x", topic=Article.Topic.TREATMENT,
        last_reviewed=date(2026, 11, 15), next_review_due=date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "next_review_due" in excinfo.value.message_dict


@pytest.mark.parametrize("slug", ["conditions", "faq", "search"])
def test_article_slugs_that_would_hide_behind_other_pages_are_refused(slug):
    article = Article(
        title="x", slug=slug, summary="x", body="x", topic=Article.Topic.TREATMENT,
        last_reviewed=date(2026, 11, 15), next_review_due=date(2027, 11, 15),
    )
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "slug" in excinfo.value.message_dict


def test_urls_of_each_kind_of_page():
    article = make_article(slug="a-page")
    assert article.get_absolute_url() == "/ims/a-page/"
    assert make_condition(slug="a-condition").get_absolute_url() == "/ims/conditions/a-condition/"
    assert make_faq(slug="a-question", article=article).get_absolute_url() == "/ims/faq/#a-question"


def test_summary_is_limited_to_a_meta_description():
    for model in (Article, Condition, FAQ):
        assert model._meta.get_field("summary").max_length == 160


def test_new_pages_are_drafts_by_default():
    for model in (Article, Condition, FAQ):
        assert model._meta.get_field("status").default == Status.DRAFT


def test_an_article_with_questions_cannot_be_deleted_by_accident():
    from django.db.models import ProtectedError

    article = Article.objects.get(slug="what-to-expect")
    with pytest.raises(ProtectedError):
        article.delete()
