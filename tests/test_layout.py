"""The layout tells the architecture, and these tests keep it that way (see README, "Where things live").

The front desk (``booking/staff/``) and the patient side are siblings over shared modules: the patient
side never imports the front desk, and the front desk uses no private helper of the patient side. Each
rule with one home stays there: BC holidays in ``booking/schedules.py``, request dates in
``booking/parsing.py``. And the migrations match the models (as djangoproject.com's suite checks), so a
plain ``pytest`` catches a forgotten migration too.
"""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
APPS = ("booking", "clinic", "education")
# App code, as opposed to tooling (benchmarks, management commands, the content checker behind
# ``manage.py check_content``) and generated migrations.
TOOLING = ("/migrations/", "/management/", "clinic/bench/", "education/content_check.py")
MAX_APP_FILE_LINES = 450


def _modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) for every import in ``path``, relative ones resolved."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            found.append((module, names))
            # "from booking import schedules" imports the module booking.schedules too.
            found += [(f"{module}.{name}", []) for name in names]
    return found


# The Django admin is a back-office interface too: it applies the front desk's access rules.
BACK_OFFICE = ("booking/staff/", "booking/admin.py", "booking/billing/views.py", "booking/reports/",
               "booking/courses/views.py")


def test_the_patient_side_never_imports_the_front_desk():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules("booking") if not any(part in path.as_posix() for part in BACK_OFFICE)
        for module, _ in _imports(path) if module == "booking.staff" or module.startswith("booking.staff.")
    ]
    assert offenders == []


def test_the_front_desk_uses_no_private_helper_of_the_patient_side():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name} from {module}"
        for path in _modules("booking/staff")
        for module, names in _imports(path) if module.startswith("booking") and not module.startswith("booking.staff")
        for name in names if name.startswith("_") and name != "__future__"
    ]
    assert offenders == []


def test_the_import_walker_sees_relative_imports():
    """A control for the two tests above: they would pass vacuously if relative imports were missed."""
    desk = _imports(ROOT / "booking" / "staff" / "views" / "desk.py")
    assert ("booking.schedules", []) in desk and any(module == "booking.staff.access" for module, _ in desk)


@pytest.mark.parametrize("needle, home", [
    ("country_holidays", "booking/schedules.py"),
    ("fromisoformat", "booking/parsing.py"),
])
def test_each_rule_has_one_home(needle, home):
    found = {path.relative_to(ROOT).as_posix() for path in _modules("booking", "clinic")
             if needle in path.read_text(encoding="utf-8")}
    assert found == {home}


def test_no_app_file_is_longer_than_the_limit():
    long = {path.relative_to(ROOT).as_posix(): lines for path in _modules(*APPS)
            if not any(part in path.as_posix() for part in TOOLING)
            and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_APP_FILE_LINES}
    assert long == {}


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit:  # --check exits with status 1 when a migration is missing
        pytest.fail(f"a migration is missing:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
