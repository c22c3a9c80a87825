from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class StaticPagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["home", "privacy"]

    def location(self, item):
        return reverse(item)
