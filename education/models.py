"""Patient-education pages: articles about IMS, the conditions it is used for, and short FAQs."""

from __future__ import annotations

import logging
import math
import secrets

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicProfile

from .markup import plain_text, render_markdown

logger = logging.getLogger(__name__)

DEFAULT_REVIEWER = "Registered physiotherapist trained in Gunn IMS"
WORDS_PER_MINUTE = 200


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    # Bulk writes send no save/delete signals (the admin's "turn back into drafts" action is an
    # update()), so they drop the cached public pages themselves. bulk_update() goes through update().
    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            invalidate_page_cache()
        return rows

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        if created:
            invalidate_page_cache()
        return created


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
# Anonymous visitors get a copy of each education page rendered earlier (education/views.py,
# ``cached_for_visitors``). The copies live in each app server's memory; a version token in the
# shared database cache says which copies are current. Any change to a page, to the links between
# pages, or to the clinic's details (in every header, footer and structured-data block) sets a new
# token, and every server stops serving its older copies at its next request: invalidation across
# processes and machines with no broker, for one cache query per visit.
PAGE_CACHE_VERSION_KEY = "education-pages-version"
PAGE_CACHE_SECONDS = 10 * 60  # only a memory bound: the version check keeps copies correct
rendered_pages = LocMemCache(
    "education-rendered-pages", {"TIMEOUT": PAGE_CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 500}}
)


def page_cache_version() -> str | None:
    """The current version token: one query on the database cache (a new token if there is none).

    Read it *before* rendering: a copy is tagged with a token that no change newer than its rows
    has replaced, so it can never be served after such a change.
    """
    try:
        version = cache.get(PAGE_CACHE_VERSION_KEY)
        if version is None:
            cache.add(PAGE_CACHE_VERSION_KEY, secrets.token_hex(8), None)
            version = cache.get(PAGE_CACHE_VERSION_KEY)
    except DatabaseError:  # no cache table yet: serve uncached rather than fail
        logger.warning("education page cache: the cache table is unreachable")
        return None
    return version


def _new_page_cache_version() -> None:
    try:
        # A savepoint: a cache that cannot be written must not break the change being saved.
        with transaction.atomic():
            cache.set(PAGE_CACHE_VERSION_KEY, secrets.token_hex(8), None)
    except DatabaseError:
        logger.warning("education page cache: could not store a new version")
    rendered_pages.clear()  # this process's copies are stale now: free the memory at once


def invalidate_page_cache(sender=None, action: str = "post_", **kwargs) -> None:
    """Stop every app server from serving its cached copies of the public education pages."""
    if not action.startswith("post_"):  # m2m_changed fires before and after: once is enough
        return
    # At once: with the database cache this commits together with the change itself...
    _new_page_cache_version()
    # ...and again after the commit, so that a copy rendered from the old rows while the change was
    # in flight can never carry the current token, whatever cache backend holds it.
    transaction.on_commit(_new_page_cache_version)


for _model in (Article, Condition, FAQ, ClinicProfile):
    post_save.connect(invalidate_page_cache, sender=_model, dispatch_uid=f"education-pages-save-{_model.__name__}")
    post_delete.connect(invalidate_page_cache, sender=_model,
                        dispatch_uid=f"education-pages-delete-{_model.__name__}")
for _through in (Article.related.through, Condition.related_articles.through):
    m2m_changed.connect(invalidate_page_cache, sender=_through,
                        dispatch_uid=f"education-pages-m2m-{_through.__name__}")
