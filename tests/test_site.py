"""The site shell: home, privacy, health check, robots, errors."""

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import override_settings

from clinic.models import ClinicProfile

pytestmark = pytest.mark.django_db


def test_home_tells_what_ims_is_who_it_helps_and_how_to_book(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "IMS (intramuscular stimulation)" in html
    assert 'href="/book/"' in html
    assert 'href="/ims/conditions/"' in html
    for label in ["Home", "About IMS", "Conditions", "What to expect", "Coverage", "Book"]:
        assert f">{label}</a>" in html


def test_home_has_clinic_structured_data(client):
    import json
    import re

    html = client.get("/").content.decode()
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "JSON-LD block missing"
    data = json.loads(match.group(1))
    assert data["@type"] == "MedicalClinic"
    profile = ClinicProfile.load()
    assert data["telephone"] == profile.phone
    assert data["address"]["addressRegion"] == "BC"
    assert data["openingHours"]


def test_clinic_identity_is_data_staff_can_change(client):
    profile = ClinicProfile.load()
    profile.name = "Seaside Physio"
    profile.phone = "250-555-0199"
    profile.save()
    html = client.get("/").content.decode()
    assert "Seaside Physio" in html
    assert "250-555-0199" in html
    assert 'href="tel:+12505550199"' in html


def test_privacy_notice_says_what_why_who_and_how_long(client):
    html = client.get("/privacy/").content.decode()
    for phrase in ["What we collect", "Why we collect", "How long we keep", "Personal Information Protection Act"]:
        assert phrase in html
    assert ClinicProfile.load().email in html


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_without_secrets_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.1 failed: password authentication failed")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"password" not in response.content and b"10.0.0.1" not in response.content


def test_robots_txt_keeps_crawlers_out_of_staff_and_manage_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /staff/" in body and "Disallow: /book/manage/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_unknown_page_shows_the_sites_own_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "find that page" in html
    assert 'href="/book/"' in html  # the site's look, with a way forward


@override_settings(DEBUG=False)
def test_server_error_shows_the_sites_own_500_page(client):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    urls = type("urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": "clinic.views.server_error"})
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF=urls):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert b"something went wrong on our side" in response.content


def test_static_files_are_local_not_a_cdn(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.used.min.css" in html  # the trimmed copy (make css)
    assert "cdn" not in html.lower()


def test_forbidden_pages_use_the_sites_own_look(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("norole", password="a-long-test-password"))
    response = client.get("/staff/")
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content and b'href="/book/"' in response.content


def test_setup_site_gives_existing_demo_users_their_roles(django_user_model):
    from django.core.management import call_command

    django_user_model.objects.create_user("frontdesk", password="x-long-password-1")  # made before the roles
    call_command("setup_site", "--demo", stdout=__import__("io").StringIO())
    assert django_user_model.objects.get(username="frontdesk").has_perm("booking.use_staff_area")
