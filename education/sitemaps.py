from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Condition

LONG_FIELDS = ("body", "body_html", "body_text")


class EducationPagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["education:index", "education:condition-list", "education:faq"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().defer(*LONG_FIELDS).order_by("order", "pk")

    def lastmod(self, item):
        return item.updated_at


class ConditionSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Condition.objects.published().defer(*LONG_FIELDS).order_by("order", "pk")

    def lastmod(self, item):
        return item.updated_at
