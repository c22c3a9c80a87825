from django.urls import path

from . import views

app_name = "education"

urlpatterns = [
    path("", views.index, name="index"),
    path("conditions/", views.condition_list, name="condition-list"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition-detail"),
    path("faq/", views.faq, name="faq"),
    path("search/", views.search, name="search"),
    # Last: any other slug is an article (Article.RESERVED_SLUGS keeps the paths above free).
    path("<slug:slug>/", views.article_detail, name="article-detail"),
]
