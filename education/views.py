"""Patient-education pages. Each view runs a fixed number of queries, however much content exists.

Anonymous visitors get the pages from a cache (``cached_for_visitors``) that every change empties.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from clinic.models import ClinicProfile

from .models import FAQ, Article, Condition, page_cache_version, rendered_pages
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


def _plain_visit(request) -> bool:
    """A visit whose page is the same for everyone: no session (so nobody signed in, no booking in
    progress), no pending messages, and no open database transaction (ATOMIC_REQUESTS, or a test's),
    because a page rendered inside one may show rows that are then rolled back."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not transaction.get_connection().in_atomic_block
    )


def _shareable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))  # draft previews
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a CSRF token
    )


def cached_for_visitors(view):
    """Serve a plain visit (see ``_plain_visit``) a copy of the page rendered earlier, while no page
    has changed since: one cache query instead of the page's own queries and rendering.

    Each copy carries the version token read before it was rendered; a change to any page sets a new
    token (education/models.py), so no server serves a copy older than the change. The query string
    is left out of the key: these pages ignore it. The host and scheme are in it: the page names its
    own address.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _plain_visit(request):
            return view(request, *args, **kwargs)
        version = page_cache_version()
        if version is None:
            return view(request, *args, **kwargs)
        key = hashlib.sha256(request.build_absolute_uri(request.path).encode()).hexdigest()
        copy = rendered_pages.get(key)
        if copy is not None and copy[0] == version:
            response = HttpResponse(copy[1], content_type=copy[2])
        else:
            response = view(request, *args, **kwargs)
            if request.method == "GET" and _shareable(request, response):
                rendered_pages.set(key, (version, response.content, response["Content-Type"]))
        patch_vary_headers(response, ["Cookie"])  # a signed-in member of staff may see another page
        return response

    return wrapper


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
