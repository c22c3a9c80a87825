"""Write ``static/vendor/bootstrap/bootstrap.used.min.css``: Bootstrap with only the rules the site uses.

Run it after adding a Bootstrap class to a template (``make css``); a test fails while the file is out of
date. See ``clinic.cssprune``.
"""

from pathlib import Path

import crispy_bootstrap5
import crispy_forms
from django.conf import settings
from django.core.management.base import BaseCommand

from clinic import cssprune

BASE = Path(settings.BASE_DIR)
TEMPLATES = BASE / "templates"
VENDOR = BASE / "static" / "vendor" / "bootstrap"
FULL, USED = VENDOR / "bootstrap.min.css", VENDOR / "bootstrap.used.min.css"


def sources() -> list[Path]:
    """Every file that may name a Bootstrap class on a page: ours, and the templates crispy-forms draws
    forms with (its Python sets classes too)."""
    return [TEMPLATES, BASE / "clinic", BASE / "booking", BASE / "education", BASE / "static" / "js",
            Path(crispy_forms.__path__[0]), Path(crispy_bootstrap5.__path__[0])]


def build() -> str:
    full = FULL.read_text(encoding="utf-8")
    licence = full[full.index("/*!"):full.index("*/") + 2]  # Bootstrap's MIT notice stays with its code
    ours = [*(BASE / "static" / "css").glob("*.css"), TEMPLATES]  # our stylesheets and the templates' styles
    also_read = set(cssprune.VAR_USE.findall(" ".join(
        f.read_text(encoding="utf-8") for p in ours for f in ([p] if p.is_file() else p.rglob("*.html")))))
    pruned = cssprune.prune(full, cssprune.words_in(sources()), also_read=also_read)
    charset = '@charset "UTF-8";'  # must open the file
    note = "/* Only the rules this site uses: built by `manage.py build_css` from bootstrap.min.css. */"
    return f"{charset}\n{licence}\n{note}\n{pruned.removeprefix(charset)}\n"


class Command(BaseCommand):
    help = "Write Bootstrap with only the rules the site's templates, code and forms can use."

    def handle(self, *args, **options):
        css = build()
        USED.write_text(css, encoding="utf-8")
        self.stdout.write(f"Wrote {USED.relative_to(settings.BASE_DIR)}: {len(css):,} bytes "
                          f"(from {FULL.stat().st_size:,}).")
