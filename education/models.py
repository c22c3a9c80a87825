"""Patient-education pages: articles about IMS, the conditions it is used for, and short FAQs."""

from __future__ import annotations

import logging
import math

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.page_cache import VisitorPageCache

from .markup import plain_text, render_markdown

logger = logging.getLogger(__name__)

DEFAULT_REVIEWER = "Registered physiotherapist trained in Gunn IMS"
WORDS_PER_MINUTE = 200
SEARCH_CONFIG = "english"  # the text-search configuration of the stored vector and of every query


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class Page(models.Model):
    """What every education page has: Markdown body, publication state and clinical review dates."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="The page's address. Changing it breaks old links.")
    summary = models.CharField(
        max_length=160, help_text="One or two plain sentences. Shown under the title and to search engines."
    )
    body = models.TextField(help_text="Markdown. Use ## for headings (the page title is the only top heading).")
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="", help_text="Plain words of the body, for search.")
    # The search document (education/search.py), kept current by PostgreSQL on every write and indexed
    # (GIN): a search no longer computes the vector of every page.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body_text", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(), db_persist=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_reviewed = models.DateField(help_text="When a clinician last checked this page is accurate.")
    reviewed_by = models.CharField(
        max_length=120, default=DEFAULT_REVIEWER, help_text="A role, e.g. a registered physiotherapist trained in IMS."
    )
    next_review_due = models.DateField()
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first in lists.")

    objects = PageQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "title"]
        indexes = [GinIndex(fields=["search_vector"], name="%(app_label)s_%(class)s_search")]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_due__gt=F("last_reviewed")),
                name="%(app_label)s_%(class)s_review_due_after_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.body_text = plain_text(self.body_html)
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "body_text", "published_at"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.last_reviewed and self.next_review_due and self.next_review_due <= self.last_reviewed:
            raise ValidationError({"next_review_due": "The next review must come after the last review."})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(len(self.body_text.split()) / WORDS_PER_MINUTE))


class Article(Page):
    class Topic(models.TextChoices):
        ABOUT_IMS = "about-ims", "About IMS"
        TREATMENT = "treatment", "Treatment"
        COVERAGE = "coverage", "Paying for IMS"

    # Paths that come before <slug>/ in education/urls.py: an article there could never be reached.
    RESERVED_SLUGS = frozenset({"conditions", "faq", "search"})

    topic = models.CharField(max_length=20, choices=Topic.choices)
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="+", help_text="Other articles to suggest at the end."
    )

    def get_absolute_url(self) -> str:
        return reverse("education:article-detail", args=[self.slug])

    def clean(self):
        super().clean()
        if self.slug in self.RESERVED_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is used by another page of the site. Choose another."})


class Condition(Page):
    # In the order the conditions overview lists them.
    class Region(models.TextChoices):
        HEAD_NECK = "head-neck", "Head, jaw and neck"
        SHOULDER_ARM = "shoulder-arm", "Shoulder, arm and hand"
        BACK = "back", "Back and trunk"
        HIP_LEG = "hip-leg", "Hip and leg"
        WHOLE_BODY = "whole-body", "Whole-body and muscle pain"

    medical_term = models.CharField(max_length=120, blank=True, help_text="E.g. “Lateral epicondylitis”.")
    region = models.CharField(max_length=20, choices=Region.choices)
    related_articles = models.ManyToManyField(Article, blank=True, related_name="conditions")

    def get_absolute_url(self) -> str:
        return reverse("education:condition-detail", args=[self.slug])


class FAQ(Page):
    """A question (the title) with a short answer (summary) and a longer one (body)."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="faqs", help_text="The article the answer links to."
    )

    class Meta(Page.Meta):
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"

    def get_absolute_url(self) -> str:
        return reverse("education:faq") + f"#{self.slug}"


# --- the public page cache ------------------------------------------------------------------------
# Anonymous visitors get a copy of each education page rendered earlier (clinic/page_cache.py). Any
# change to a page, to the links between pages, or to the clinic's details (in every header, footer
# and structured-data block) sets a new version token, written by the database as the change commits,
# and every server stops serving older copies.
page_cache = VisitorPageCache("education")
page_cache.watch([Article, Condition, FAQ, ClinicProfile],
                 m2m=[Article.related.through, Condition.related_articles.through])
