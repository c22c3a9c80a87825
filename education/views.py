"""Patient-education pages. Each view runs a fixed number of queries, however much content exists.

Anonymous visitors get the pages from a cache (``cached_for_visitors``) that every change empties.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from clinic.models import ClinicProfile

from .models import FAQ, Article, Condition, page_cache
from .search import MAX_QUERY_LENGTH, clean_query, search_pages


def can_preview(user, model) -> bool:
    """Staff who may view this kind of page in the admin may also see its drafts on the site."""
    opts = model._meta
    return user.is_active and user.is_staff and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def _visible(request, model):
    return model.objects.all() if can_preview(request.user, model) else model.objects.published()


def _crumbs(*trail: tuple[str, str]) -> list[tuple[str, str | None]]:
    """Breadcrumbs from Home to the current page (the last item, which has no link)."""
    items = [("Home", reverse("home")), ("Learn about IMS", reverse("education:index")), *trail]
    return [*items[:-1], (items[-1][0], None)]


def _canonical(request) -> str:
    return request.build_absolute_uri(request.path)


def _medical_web_page(request, page, **extra) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.title,
        "description": page.summary,
        "url": _canonical(request),
        "inLanguage": "en-CA",
        "lastReviewed": page.last_reviewed.isoformat(),
        "reviewedBy": {"@type": "Organization", "name": ClinicProfile.load().name},
        "dateModified": page.updated_at.isoformat(),
        "audience": {"@type": "PeopleAudience", "audienceType": "Patients"},
        **extra,
    }
    if page.published_at:
        data["datePublished"] = page.published_at.isoformat()
    return data


def _render_page(request, template: str, context: dict, *, preview: bool = False):
    response = render(request, template, {"canonical_url": _canonical(request), "preview": preview, **context})
    if preview:
        # A draft shown to staff must never sit in a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


cached_for_visitors = page_cache.for_visitors


def _grouped(items, choices, attribute: str) -> list[tuple[str, str, list]]:
    """[(value, label, items)] in the order the choices are declared, empty groups left out."""
    groups = {value: [] for value in choices.values}
    for item in items:
        groups.setdefault(getattr(item, attribute), []).append(item)
    return [(value, label, groups[value]) for value, label in choices.choices if groups[value]]


@require_safe
@cached_for_visitors
def index(request):
    articles = Article.objects.published()
    return _render_page(
        request,
        "education/index.html",
        {"topics": _grouped(articles, Article.Topic, "topic"), "regions": Condition.Region.choices},
    )


@require_safe
@cached_for_visitors
def article_detail(request, slug):
    article = get_object_or_404(
        _visible(request, Article).prefetch_related(
            Prefetch("related", queryset=Article.objects.published()),
            Prefetch("conditions", queryset=Condition.objects.published().order_by("title")),
            Prefetch("faqs", queryset=FAQ.objects.published()),
        ),
        slug=slug,
    )
    topic_url = reverse("education:index") + f"#{article.topic}"
    crumbs = _crumbs((article.get_topic_display(), topic_url), (article.title, ""))
    return _render_page(
        request,
        "education/article_detail.html",
        {
            "article": article,
            "page": article,
            "breadcrumbs": crumbs,
            "structured_data": _medical_web_page(request, article),
        },
        preview=not article.is_published,
    )


@require_safe
@cached_for_visitors
def condition_list(request):
    conditions = Condition.objects.published().defer("body", "body_html", "body_text")
    return _render_page(
        request,
        "education/condition_list.html",
        {
            "regions": _grouped(conditions, Condition.Region, "region"),
            "breadcrumbs": _crumbs(("Conditions IMS is used for", "")),
        },
    )


@require_safe
@cached_for_visitors
def condition_detail(request, slug):
    condition = get_object_or_404(
        _visible(request, Condition).prefetch_related(
            Prefetch("related_articles", queryset=Article.objects.published())
        ),
        slug=slug,
    )
    about = {"@type": "MedicalCondition", "name": condition.title}
    if condition.medical_term:
        about["alternateName"] = condition.medical_term
    return _render_page(
        request,
        "education/condition_detail.html",
        {
            "condition": condition,
            "page": condition,
            "breadcrumbs": _crumbs(("Conditions", reverse("education:condition-list")), (condition.title, "")),
            "structured_data": _medical_web_page(request, condition, about=about),
        },
        preview=not condition.is_published,
    )


@require_safe
@cached_for_visitors
def faq(request):
    # Staff see draft questions here too (marked as drafts): the FAQ has no page of its own.
    preview = can_preview(request.user, FAQ)
    faqs = list(_visible(request, FAQ).select_related("article"))
    structured = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "url": _canonical(request),
        "mainEntity": [
            {"@type": "Question", "name": f.title, "acceptedAnswer": {"@type": "Answer", "text": f.body_text}}
            for f in faqs
            if f.is_published
        ],
    }
    return _render_page(
        request,
        "education/faq.html",
        {"faqs": faqs, "breadcrumbs": _crumbs(("Common questions", "")), "structured_data": structured},
        preview=preview,
    )


@require_safe
def search(request):
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    hits = search_pages(query) if query else []
    context = {
        "query": query,
        "hits": hits,
        "max_query_length": MAX_QUERY_LENGTH,
        "breadcrumbs": _crumbs(("Search", "")),
        # With nothing found, point to the main articles instead of a dead end.
        "suggestions": Article.objects.published() if query and not hits else [],
    }
    return _render_page(request, "education/search.html", context)
