"""Security headers on a public page, a booking page and a staff page."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model, staff_roles):
    user = django_user_model.objects.create_user("hdr", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    return client


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/", "/book/", "/staff/"])
def test_every_kind_of_page_sends_the_security_headers(staff_client, path):
    response = staff_client.get(path, secure=True)
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    hsts = response["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000 and "includeSubDomains" in hsts


def test_pages_with_patient_data_are_never_cached(staff_client):
    assert "no-store" in staff_client.get("/staff/")["Cache-Control"]


def test_public_pages_answer_head_requests(client):
    for path in ("/", "/privacy/", "/healthz", "/book/", "/ims/"):
        assert client.head(path).status_code == 200, path


def test_each_request_is_logged_once_with_method_masked_path_status_and_duration(client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="clinic.requests")
    client.get("/book/manage/SecretToken123456789/?q=private")
    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.requests"]
    assert len(lines) == 1
    method, path, status, duration = lines[0].split()
    assert (method, path, status) == ("GET", "/book/manage/[token]/", "404") and duration.endswith("ms")


def test_the_health_check_answers_plain_http_while_pages_redirect_to_https(client, settings):
    """A load balancer's health check speaks plain HTTP: it must not get the HTTPS redirect."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    page = client.get("/")
    assert page.status_code == 301 and page["Location"].startswith("https://")


def test_a_request_refused_at_the_door_still_sends_the_security_headers(client):
    """The 400 for a NUL in the address or a header is answered inside the header middleware."""
    for response in (client.get("/book/?q=%00"), client.get("/book/", HTTP_USER_AGENT="x\x00")):
        assert response.status_code == 400
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff" and "camera=()" in response["Permissions-Policy"]
