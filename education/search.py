"""Full-text search across published articles, conditions and FAQs, ranked together.

One SQL query (a UNION of the three tables) however much content there is. Each page's vector is
stored and indexed (``Page.search_vector``, a generated column PostgreSQL keeps current), so only
the matching pages' snippets are computed per query. The query is written with the ORM but compiled
once per process (``_SEARCH``): turning its nine search expressions into SQL took Django longer
than PostgreSQL took to run it, and only the searched text changes from one search to the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clinic.precompiled import Precompiled
from clinic.text import clean_text

from .models import FAQ, SEARCH_CONFIG, Article, Condition

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50
START_SEL, STOP_SEL = "<mark>", "</mark>"
_MARK_SPLIT = re.compile(f"({re.escape(START_SEL)}|{re.escape(STOP_SEL)})")

KIND_LABELS = {"article": "Article", "condition": "Condition", "faq": "Question"}


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    slug: str
    summary: str
    rank: float
    snippet: SafeString

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def url(self) -> str:
        if self.kind == "article":
            return reverse("education:article-detail", args=[self.slug])
        if self.kind == "condition":
            return reverse("education:condition-detail", args=[self.slug])
        return reverse("education:faq") + f"#{self.slug}"


def clean_query(raw: str | None) -> str:
    """What we search for: no control characters, single spaces, at most MAX_QUERY_LENGTH characters."""
    text = clean_text(raw or "", replacement=" ")
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def safe_snippet(headline: str) -> SafeString:
    """Escape everything in a headline except the <mark> tags SearchHeadline put there."""
    parts = _MARK_SPLIT.split(headline or "")
    return mark_safe("".join(part if part in (START_SEL, STOP_SEL) else escape(part) for part in parts))  # noqa: S308


def _matches(model, kind: str, query: SearchQuery):
    return (
        model.objects.published()
        .filter(search_vector=query)
        .annotate(
            kind=Value(kind, output_field=CharField()),
            rank=SearchRank(F("search_vector"), query),
            headline=SearchHeadline(
                Concat("summary", Value(" "), "body_text", output_field=CharField()),
                query,
                config=SEARCH_CONFIG,
                start_sel=START_SEL,
                stop_sel=STOP_SEL,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .values_list("kind", "title", "slug", "summary", "rank", "headline")
    )


def matching(text: str):
    """The search as a QuerySet of (kind, title, slug, summary, rank, headline), best first."""
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        _matches(Article, "article", query)
        .union(_matches(Condition, "condition", query), _matches(FAQ, "faq", query), all=True)
        .order_by("-rank", "title")[:MAX_RESULTS]
    )


# Compiled once (clinic/precompiled.py), the searched text standing as control characters, which
# ``clean_query`` never lets through, so no real search can be mistaken for it.
_SEARCH = Precompiled(matching, text="\x01searched text\x02")


def search_pages(raw_query: str) -> list[SearchHit]:
    text = clean_query(raw_query)
    if not text:
        return []
    rows = _SEARCH.rows(text=text)
    return [
        SearchHit(kind=kind, title=title, slug=slug, summary=summary, rank=rank, snippet=safe_snippet(headline))
        for kind, title, slug, summary, rank, headline in rows
    ]
