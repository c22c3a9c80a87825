from django.urls import path

from . import views

app_name = "education"

urlpatterns = [
    path("", views.index, name="index"),
    path("conditions/", views.condition_list, name="condition-list"),
    path("<slug:slug>/", views.article_detail, name="article-detail"),
]
