"""Small factory functions for education pages (plain Django, no factory library)."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from education.models import FAQ, Article, Condition, Status

_counter = itertools.count(1)


def _page_fields(prefix: str, overrides: dict) -> dict:
    n = next(_counter)
    fields = {
        "title": f"{prefix} {n}",
        "slug": f"{prefix.lower().replace(' ', '-')}-{n}",
        "summary": f"A short summary of {prefix.lower()} {n}.",
        "body": f"## About this page\n\nSome plain words about {prefix.lower()} number {n}.",
        "status": Status.PUBLISHED,
        "last_reviewed": date(2026, 11, 15),
        "next_review_due": date(2027, 11, 15),
        "order": 100 + n,
    }
    fields.update(overrides)
    return fields


def make_article(**overrides) -> Article:
    overrides.setdefault("topic", Article.Topic.TREATMENT)
    return Article.objects.create(**_page_fields("Test article", overrides))


def make_condition(**overrides) -> Condition:
    overrides.setdefault("region", Condition.Region.BACK)
    return Condition.objects.create(**_page_fields("Test condition", overrides))


def make_faq(**overrides) -> FAQ:
    if "article" not in overrides:
        overrides["article"] = Article.objects.published().first() or make_article()
    overrides.setdefault("title", f"Is this test question {next(_counter)} answered?")
    return FAQ.objects.create(**_page_fields("Test question", overrides))


def make_staff(*, perms: tuple[str, ...] = ("view_article", "view_condition", "view_faq"), username="editor"):
    user = get_user_model().objects.create_user(username=username, password="correct-horse-staple-9", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="education", codename__in=perms))
    return user
