"""Settings for the clinic site: one file, read from environment variables.

Every variable is listed in README.md. Development defaults are safe and obvious; with
DJANGO_DEBUG off, a missing or weak secret key or an empty host list stops start-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")


# --- typed helpers -----------------------------------------------------------------------------
def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- core --------------------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (_DEV_SECRET if DEBUG or TESTING else "")
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])

if not DEBUG and not TESTING:
    # Fail loudly: a production site with a guessable key or open host header is worse than none.
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if (
        SECRET_KEY.startswith("django-insecure")
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list the site's host names (comma-separated) when DJANGO_DEBUG is off."
        )

INSTALLED_APPS = [
    "clinic.admin_site.ClinicAdminConfig",  # Django's admin, every list guarded (clinic/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "clinic",
    "education",
    "booking",
    "booking.billing",
    "booking.courses",
]

MIDDLEWARE = [
    "clinic.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.SecurityHeadersMiddleware",
    "clinic.middleware.RejectNulMiddleware",
    "clinic.middleware.DropBrokenCookiesMiddleware",  # before anything reads a cookie (sessions, CSRF)
    "clinic.middleware.MethodNotAllowedPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns lockouts into the lockout page
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
        },
    },
]


# --- database ----------------------------------------------------------------------------------
# PostgreSQL only. DATABASE_URL wins; without it, the embedded server from pgserver is started
# (once) from .data/postgres and shared by every command and the tests.
DATABASE_URL = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 60)
# Settings sent when a connection opens (libpq's "options"). A clinic's data fits in memory, so an
# index read costs about what a sequential one does: with the default random_page_cost (4, for
# spinning disks) the planner scans whole tables for a day's rows. Empty for a pooler that refuses
# startup options (set it on the server then: ALTER DATABASE ... SET random_page_cost = 1.1).
DATABASE_OPTIONS = env_str("DATABASE_OPTIONS", "-c random_page_cost=1.1")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
else:
    from clinic import embedded_db

    _socket_dir, _port = embedded_db.connection()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": embedded_db.DATABASE,
            "USER": "postgres",
            "HOST": _socket_dir,
            "PORT": _port,
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if DATABASE_OPTIONS:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", DATABASE_OPTIONS)
# Prepared statements: the parameters go to the server apart from the SQL (server-side binding), and a
# query a connection has run twice is kept parsed and planned on it, so the staff pages' and the booking's
# repeated queries skip PostgreSQL's planner (half the database time of the day calendar). Django turns both
# off by default for poolers in transaction mode (PgBouncer before 1.21, or without max_prepared_statements):
# set DATABASE_PREPARED=0 behind one.
DATABASE_PREPARED = env_bool("DATABASE_PREPARED", True)
if DATABASE_PREPARED:
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- time --------------------------------------------------------------------------------------
# See clinic/__init__.py: zones come from the tzdata package; nothing converts zones in SQL.
USE_TZ = True
TIME_ZONE = env_str("CLINIC_TIME_ZONE", "America/Vancouver")
CLINIC_TIME_ZONE_LABEL = env_str("CLINIC_TIME_ZONE_LABEL", "BC time")
LANGUAGE_CODE = "en-ca"
USE_I18N = True


# --- booking rules -----------------------------------------------------------------------------
BOOKING_MIN_NOTICE_HOURS = env_int("BOOKING_MIN_NOTICE_HOURS", 12)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
BOOKING_SLOT_STEP_MINUTES = env_int("BOOKING_SLOT_STEP_MINUTES", 15)
BOOKING_CANCEL_CUTOFF_HOURS = env_int("BOOKING_CANCEL_CUTOFF_HOURS", 24)
BOOKING_RATE_LIMIT_PER_HOUR = env_int("BOOKING_RATE_LIMIT_PER_HOUR", 10)
# The public pages' copies and shared free times (clinic/page_cache.py). Off only to measure or debug
# the uncached cost (make bench does, for its "page cache off" rows).
CLINIC_PAGE_CACHE = env_bool("CLINIC_PAGE_CACHE", True)
# The waitlist: how many waiting patients are offered each freed time, and for how long (hours).
WAITLIST_OFFER_COUNT = env_int("WAITLIST_OFFER_COUNT", 3)
WAITLIST_OFFER_HOURS = env_int("WAITLIST_OFFER_HOURS", 2)
# How many proxies (load balancer, nginx) stand in front of gunicorn and append to X-Forwarded-For:
# the visitor's address for rate limits is read from there (clinic/net.py). 0: REMOTE_ADDR.
CLINIC_TRUSTED_PROXIES = env_int("CLINIC_TRUSTED_PROXIES", 0)
# Where those proxies connect from: X-Forwarded-For is read only on connections from these networks.
CLINIC_TRUSTED_PROXY_NETWORKS = env_str(
    "CLINIC_TRUSTED_PROXY_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
)
IMS_MIN_SPACING_DAYS = 7
# The front desk may mark a patient arrived (or the visit completed) from this many minutes before
# the start: patients come early, but a click on a visit days ahead is a slip. No-show: only after the start.
ATTENDANCE_EARLY_MINUTES = env_int("ATTENDANCE_EARLY_MINUTES", 30)
# Receipts and statements laid out as PDF are kept this many days (booking.billing.models.PdfCopy).
PDF_COPY_DAYS = env_int("PDF_COPY_DAYS", 30)

# The database cache holds the clinic profile, shared by every app server (no Redis needed). The
# page-cache version tokens (clinic.PageVersion) and booking rate limits (clinic.RateCounter) have tables.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}


# --- background tasks --------------------------------------------------------------------------
# Django's task API (the django-tasks backport) with the database backend: the same Postgres, no
# broker. `manage.py db_worker` runs them (make run starts one). Tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend" if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}
EMAIL_REMINDER_HOURS = env_int("EMAIL_REMINDER_HOURS", 24)
# The clinic inbox for new-request notices (default: the email in the clinic profile).
CLINIC_NOTIFY_EMAIL = env_str("CLINIC_NOTIFY_EMAIL")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")  # absolute links in emails


# --- static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / ".data" / "media"
MEDIA_URL = "/media/"
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0


# --- forms -------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# --- auth and sessions -------------------------------------------------------------------------
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:today"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-ins while locked out; must be first
    "clinic.auth.ModelBackend",  # Django's, with permissions read in one query
]
# Failed sign-ins are throttled per username *and* IP address: 5 failures lock that pair out for
# an hour. The message never says whether the username exists.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_VERBOSE = False
# django-axes logs every failure and lockout at WARNING with these values: what was typed as the
# username (a patient's email, or a password typed in the wrong field), the address and the browser
# are personal information, so its log lines show asterisks instead ("password" always is). The
# attempts themselves, with username and address, are in the admin's "Access attempts" for an hour.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent"]
AXES_USERNAME_CALLABLE = "booking.staff.access.axes_username"
AXES_CLIENT_IP_CALLABLE = "clinic.net.client_ip"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "clinic.sessions"  # database sessions, one statement a save
# Flash messages wait in the session (in the database), not in a cookie: they name patients ("PTNEPMR6
# (Robin Kowalczyk, Thursday...) is still booked"), and a signed cookie is readable by anyone holding it.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Staff sessions end after a working day and when the browser closes.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_HOURS", 10) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


# --- security ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    # Production sits behind TLS (a load balancer or proxy that sets X-Forwarded-Proto).
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not TESTING)
    # A load balancer checks health over plain HTTP on the private network: a redirect would fail it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


# Content-Security-Policy: only our own files; no inline script or style, no eval, no framing.
# JSON-LD blocks (type application/ld+json) are data, not script, so they need no exception.
# Bootstrap's CSS draws form controls with data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}


# --- email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "clinic@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# --- logging -----------------------------------------------------------------------------------
# Patient data is health information: never log request bodies, names, emails or tokens.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record: tokens masked and control characters escaped (the filter, for the message), and
    # written as one line, traceback included (the formatter): a path with %0D%0A forges no line.
    "filters": {"mask_tokens": {"()": "clinic.logging.MaskTokensFilter"}},
    "formatters": {"plain": {"class": "clinic.logging.OneLineFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # no per-sign-in chatter with usernames and addresses
        # WeasyPrint narrates each PDF it lays out (and may quote text from the receipt): warnings only
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # runserver logs each request itself in development
        "clinic.requests": {"level": env_str("CLINIC_REQUEST_LOG_LEVEL", "WARNING" if DEBUG else "INFO")},
        # runserver's access log has its own handler: route it through ours so tokens are masked
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
