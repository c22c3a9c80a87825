"""Site-wide middleware: a Permissions-Policy header and one privacy-safe log line per request."""

import logging
import time

from django.shortcuts import render

from .logging import mask

request_log = logging.getLogger("clinic.requests")

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
    """A NUL byte in the address is never typed by a person and PostgreSQL refuses it in any query,
    so answer it with a plain 400 page instead of letting it reach a lookup. (Form fields already
    reject NUL with a message next to the field, keeping what was typed.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                          for key, values in request.GET.lists() for value in values):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
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
