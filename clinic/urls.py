from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from education.sitemaps import ArticleSitemap, ConditionSitemap, EducationPagesSitemap

from . import views
from .sitemaps import StaticPagesSitemap

SITEMAPS = {
    "pages": StaticPagesSitemap,
    "education": EducationPagesSitemap,
    "articles": ArticleSitemap,
    "conditions": ConditionSitemap,
}

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("ims/", include("education.urls")),
    path("book/", include("booking.urls")),
    path("staff/", include("booking.staff.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"
