"""Load the shipped Markdown pages in education/content/ into the database.

Called by the data migration (with historical models, which have no custom ``save()``, so
``body_html`` is rendered here) and by ``manage.py setup_site``. It only ever *creates* pages
whose slug is missing: once a page exists, staff own it, and their edits are never overwritten.

The file format: a ``---`` line, ``key: value`` lines, a ``---`` line, then the Markdown body.
``parse_front_matter`` (over ``front_matter_entries``) is its only parser: ``manage.py check_content``
(education/content_check.py) reads the files with it too, and adds the editorial rules (required
keys, reading level, nothing copied from the seeds) on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .markup import plain_text, render_markdown

CONTENT_DIR = Path(__file__).resolve().parent / "content"
KINDS = ("articles", "conditions", "faqs")
DEFAULT_LAST_REVIEWED = date(2026, 11, 15)
DEFAULT_REVIEWER = "Registered physiotherapist trained in Gunn IMS"
PUBLISHED = "published"


class ContentError(ValueError):
    pass


@dataclass(frozen=True)
class ShippedPage:
    kind: str
    meta: dict[str, str]
    body: str
    path: Path

    @property
    def slug(self) -> str:
        return self.meta["slug"]

    def related(self, key: str = "related") -> list[str]:
        return [part.strip() for part in self.meta.get(key, "").split(",") if part.strip()]


def front_matter_entries(text: str) -> tuple[list[tuple[int, str, str]], str]:
    """The front matter as ``(line number, key, value)`` in file order, and the Markdown body.

    A repeated key is listed each time: the content check reports it, while
    ``parse_front_matter`` keeps the last value.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        raise ContentError("file must start with a '---' line")
    entries: list[tuple[int, str, str]] = []
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        if line == "---":
            return entries, "\n".join(lines[number:]).strip() + "\n"
        if not line.strip():
            raise ContentError(f"line {number}: blank line inside front matter")
        match = re.fullmatch(r"([a-z_]+): ?(.*)", line)
        if not match:
            raise ContentError(f"line {number}: not a 'key: value' line: {line!r}")
        entries.append((number, match.group(1), match.group(2).strip()))
    raise ContentError("front matter has no closing '---' line")


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a content file into its ``key: value`` front matter and Markdown body."""
    entries, body = front_matter_entries(text)
    return {key: value for _, key, value in entries}, body


def shipped_files(content_dir: Path = CONTENT_DIR) -> list[tuple[str, Path]]:
    """``(kind, path)`` of every file the loader reads: the .md files directly inside each kind's folder."""
    return [(kind, path) for kind in KINDS for path in sorted((content_dir / kind).glob("*.md"))]


def read_shipped_pages(content_dir: Path = CONTENT_DIR) -> list[ShippedPage]:
    pages = []
    for kind, path in shipped_files(content_dir):
        try:
            meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
        except ContentError as exc:
            raise ContentError(f"{path}: {exc}") from None
        if meta.get("slug") != path.stem:
            raise ContentError(f"{path}: slug {meta.get('slug')!r} does not match the file name")
        pages.append(ShippedPage(kind=kind, meta=meta, body=body, path=path))
    return pages


def _one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def review_dates(meta: dict[str, str]) -> tuple[date, date]:
    """When a page was last reviewed and when its next review is due; ValueError for a bad date."""
    last_reviewed = date.fromisoformat(meta["last_reviewed"]) if meta.get("last_reviewed") else DEFAULT_LAST_REVIEWED
    next_due = (
        date.fromisoformat(meta["next_review_due"]) if meta.get("next_review_due") else _one_year_later(last_reviewed)
    )
    return last_reviewed, next_due


def _common_fields(page: ShippedPage, now) -> dict:
    meta = page.meta
    last_reviewed, next_due = review_dates(meta)
    body_html = render_markdown(page.body)
    return {
        "title": meta["title"],
        "slug": page.slug,
        "summary": meta["summary"],
        "body": page.body,
        "body_html": body_html,
        "body_text": plain_text(body_html),
        "status": PUBLISHED,
        "published_at": now,
        "last_reviewed": last_reviewed,
        "reviewed_by": meta.get("reviewed_by") or DEFAULT_REVIEWER,
        "next_review_due": next_due,
        "order": int(meta.get("order") or 0),
    }


def load_shipped_content(*, Article=None, Condition=None, FAQ=None) -> int:  # noqa: N803 - model classes
    """Create each shipped page whose slug does not exist yet; return how many were created.

    Pass the historical models from a migration's ``apps.get_model``; without them the current
    models are used. Existing rows are never changed, and only new rows get their links.
    """
    if Article is None or Condition is None or FAQ is None:
        from . import models

        Article = Article or models.Article
        Condition = Condition or models.Condition
        FAQ = FAQ or models.FAQ

    pages = read_shipped_pages()
    now = timezone.now()
    created = 0
    with transaction.atomic():
        new_articles, new_conditions = [], []
        existing = set(Article.objects.values_list("slug", flat=True))
        for page in (p for p in pages if p.kind == "articles" and p.slug not in existing):
            article = Article.objects.create(**_common_fields(page, now), topic=page.meta["topic"])
            new_articles.append((article, page))
        existing = set(Condition.objects.values_list("slug", flat=True))
        for page in (p for p in pages if p.kind == "conditions" and p.slug not in existing):
            condition = Condition.objects.create(
                **_common_fields(page, now), medical_term=page.meta.get("medical_term", ""), region=page.meta["region"]
            )
            new_conditions.append((condition, page))

        articles_by_slug = Article.objects.in_bulk(field_name="slug")
        for article, page in new_articles:
            others = [s for s in page.related() if s != page.slug]
            article.related.set([articles_by_slug[s] for s in others if s in articles_by_slug])
        for condition, page in new_conditions:
            condition.related_articles.set([articles_by_slug[s] for s in page.related() if s in articles_by_slug])

        existing = set(FAQ.objects.values_list("slug", flat=True))
        new_faqs = 0
        for page in (p for p in pages if p.kind == "faqs" and p.slug not in existing):
            article = articles_by_slug.get(page.meta["article"])
            if article is None:  # staff removed the article it answers from: leave the question out
                continue
            FAQ.objects.create(**_common_fields(page, now), article=article)
            new_faqs += 1
        created = len(new_articles) + len(new_conditions) + new_faqs
    return created
