"""Site-wide middleware: hostile bytes stopped at the door, a Permissions-Policy header, a page for a
405, and one privacy-safe log line per request."""

import logging
import re
import time

from django.shortcuts import render
from django.template.loader import render_to_string

from .logging import mask

request_log = logging.getLogger("clinic.requests")
# C0 controls and DEL: no browser puts them in a cookie (RFC 6265 allows none).
BROKEN_COOKIE = re.compile(r"[\x00-\x1f\x7f]")

# The site uses none of these browser features; saying so stops embedded content from asking.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)


class RejectNulMiddleware:
    """A NUL byte in the address or a header is never sent by a browser and PostgreSQL refuses it in
    any query (django-axes stores the user agent and Accept header of each failed sign-in), so answer
    it with a plain 400 page instead of letting it reach a lookup. (Form fields already reject NUL with
    a message next to the field, keeping what was typed; cookies: ``DropBrokenCookiesMiddleware``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values)
            or any("\x00" in value for name, value in request.META.items()
                   if name.startswith("HTTP_") and name != "HTTP_COOKIE" and isinstance(value, str))
        ):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class DropBrokenCookiesMiddleware:
    """Forget cookies whose name or value holds a control character before sessions, CSRF and messages
    read them. A NUL in the session cookie (``\\000`` once Django unquotes it) would reach PostgreSQL;
    and a browser keeps sending a broken cookie, so a 400 would lock the patient out. Forgotten, the
    visit goes on as a first one: the next session or CSRF cookie the site sets replaces it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.COOKIES = {name: value for name, value in request.COOKIES.items()
                           if not BROKEN_COOKIE.search(name + value)}
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class MethodNotAllowedPageMiddleware:
    """Django's ``require_POST`` and ``require_safe`` answer 405 with an empty body: a person who opens a
    form's address another way (a bookmark, a copied link) gets a page saying so, with the same Allow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False) or response.content:
            return response
        # The same response (its Allow, cookies and the headers the inner middleware set), given a body.
        response.content = render_to_string("405.html", request=request)
        response["Content-Type"] = "text/html; charset=utf-8"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class RequestLogMiddleware:
    """``GET /book/manage/[token]/ 200 12.3ms``: method, masked path, status, duration. Nothing else:
    no query string (it can hold search terms or times), no user, no body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - began) * 1000
        request_log.info("%s %s %s %.1fms", request.method, mask(request.path), response.status_code, elapsed)
        return response
