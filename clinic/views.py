import logging

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import ClinicProfile

logger = logging.getLogger(__name__)


@require_safe
def home(request):
    profile = ClinicProfile.load()
    structured = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": profile.name,
        "url": request.build_absolute_uri("/"),
        "telephone": profile.phone,
        "email": profile.email,
        "medicalSpecialty": "Physiotherapy",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": profile.street_address,
            "addressLocality": profile.city,
            "addressRegion": profile.province,
            "postalCode": profile.postal_code,
            "addressCountry": "CA",
        },
        "openingHours": [part.strip() for part in profile.opening_hours_spec.split(",") if part.strip()],
    }
    return render(request, "home.html", {"structured_data": structured})


@require_safe
def privacy(request):
    # What the booking form keeps while a patient types lives in their session (booking/views/flow.py).
    return render(request, "privacy.html", {"draft_hours": settings.SESSION_COOKIE_AGE // 3600})


@require_safe
@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not. Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("health check: database unreachable")
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /admin/",
        "Disallow: /book/manage/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def favicon(request):
    # Resolved per request: the hashed name exists only once collectstatic has run.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def server_error(request):
    # Rendered without a request context: context processors query the database, which may be
    # exactly what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
