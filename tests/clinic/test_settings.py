"""Production settings refuse to start insecurely, and `check --deploy` is clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3Jx9-vQ2pL7_mN4rT8wZ1yB6cF0hD5sA2eG9iK3oU7qR1tV4xW8zC6bN0mP2lJ5"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "clinic.example.com",
              "SITE_URL": "https://clinic.example.com", "CLINIC_TRUSTED_PROXIES": "1"}


@pytest.mark.parametrize("overrides", [
    {},
    {"SITE_URL": "https://[2001:db8::5]", "DJANGO_ALLOWED_HOSTS": "[2001:db8::5]"},
    {"SITE_URL": "https://clinic.example.com.:443/"},
], ids=["name", "ipv6", "port-and-trailing-dot"])
def test_check_deploy_with_production_settings_reports_no_warnings(overrides):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **overrides})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(("env", "check_id"), [
    ({"SITE_URL": ""}, "clinic.W001"),  # falls back to http://127.0.0.1:8000
    ({"SITE_URL": "http://clinic.example.com"}, "clinic.W001"),
    ({"SITE_URL": "https://other.example.com"}, "clinic.W001"),
    ({"CLINIC_TRUSTED_PROXIES": "0"}, "clinic.W002"),
], ids=["no-site-url", "plain-http", "not-an-allowed-host", "no-proxy-count"])
def test_check_deploy_warns_about_links_and_rate_limits_that_would_not_work(env, check_id):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **env})
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "clinic.example.com"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "clinic.example.com"}, "too weak"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 60, "DJANGO_ALLOWED_HOSTS": "a.example"}, "too weak"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY}, "DJANGO_ALLOWED_HOSTS must list"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS must list"),
    ],
    ids=["missing-key", "short-key", "insecure-prefix-key", "no-hosts", "blank-hosts"],
)
def test_production_settings_refuse_insecure_configuration(env, message):
    result = manage("check", DJANGO_DEBUG="0", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_flag_must_be_a_clear_boolean():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage("check", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="clinic.example.com")
    assert result.returncode == 0, result.stderr
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                    DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="clinic.example.com")
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_database_is_postgres_with_persistent_checked_connections(settings):
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
def test_connections_tell_the_planner_that_index_reads_are_cheap():
    """Every connection opens with DATABASE_OPTIONS: with PostgreSQL's default cost of a random read
    the day's calendar scanned the whole appointments table instead of using its index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)


def test_database_options_can_be_turned_off_for_a_pooler_that_refuses_them():
    code = "from django.conf import settings; print(repr(settings.DATABASES['default'].get('OPTIONS', {})))"
    default = manage("shell", "-c", code, DJANGO_DEBUG="1")
    off = manage("shell", "-c", code, DJANGO_DEBUG="1", DATABASE_OPTIONS="", DATABASE_PREPARED="0")
    assert default.stdout.strip().splitlines()[-1] == (
        "{'options': '-c random_page_cost=1.1', 'server_side_binding': True, 'prepare_threshold': 2}"), default.stderr
    assert off.stdout.strip().splitlines()[-1] == "{}", off.stderr


@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_not_planned_again():
    """DATABASE_PREPARED (on by default): the parameters travel apart from the SQL, so the same query with
    other values is the same statement, and from its second run it is kept prepared on the connection."""
    from django.contrib.auth.models import User
    from django.db import connection

    def prepared() -> int:  # statements of this shape kept on the connection (a shape no other test uses)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
                           ['%"auth_user"."first_name" = $%', '%"auth_user"."last_name" = $%'])
            return cursor.fetchone()[0]

    assert prepared() == 0
    for name in ("a", "b", "c"):
        assert not User.objects.filter(first_name=name, last_name=name).exists()
    assert prepared() == 1
