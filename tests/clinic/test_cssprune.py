"""The Bootstrap every page loads holds the rules the site's templates can use, and only those."""

import re
from pathlib import Path

from django.conf import settings

from clinic.cssprune import prune
from clinic.management.commands.build_css import FULL, USED, build


def test_the_shipped_file_is_what_the_templates_need_today():
    assert USED.read_text(encoding="utf-8") == build(), "A template's Bootstrap classes changed: run `make css`."


def test_every_bootstrap_class_written_in_a_template_is_shipped():
    """Checked from the other side: the classes written in templates' class attributes."""
    defined = set(re.findall(r"\.([A-Za-z_-][A-Za-z0-9_-]*)", FULL.read_text(encoding="utf-8")))
    shipped = set(re.findall(r"\.([A-Za-z_-][A-Za-z0-9_-]*)", USED.read_text(encoding="utf-8")))
    written = set()
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        for attribute in re.findall(r'class="([^"]*)"', template.read_text(encoding="utf-8")):
            written.update(re.sub(r"{[{%].*?[%}]}", " ", attribute).split())
    assert {"btn", "btn-primary", "form-control", "visually-hidden", "table"} <= written & defined
    assert written & defined <= shipped


def test_it_is_a_fraction_of_bootstrap():
    assert len(USED.read_bytes()) < len(FULL.read_bytes()) / 3


CSS = """:root{--a:1px;--b:var(--a);--unused:red;--chain:var(--unused)}
body{margin:0}
.btn,.nope .btn{padding:var(--b)}
.nope{color:red}
.btn:hover>.icon{color:blue}
@media (min-width:576px){.nope{color:red}.btn{margin:1px}}
@media (min-width:768px){.nope{color:red}}
[type=checkbox]{width:1em}
@keyframes spin{to{transform:rotate(1turn)}}"""


def test_a_rule_stays_when_a_selector_names_only_used_classes():
    out = prune(CSS, {"btn"})
    assert "body{margin:0}" in out and "[type=checkbox]{width:1em}" in out  # no class: kept
    assert ".btn{padding:var(--b)}" in out  # ".nope .btn" dropped from the list
    assert ".nope" not in out and ".icon" not in out  # ".btn:hover>.icon" needs both
    assert "@media (min-width:576px){.btn{margin:1px}}" in out
    assert "768px" not in out  # nothing left in it
    assert "@keyframes spin" in out


def test_custom_properties_stay_only_while_something_reads_them():
    out = prune(CSS, {"btn"})
    assert "--a:1px" in out and "--b:var(--a)" in out
    assert "--unused" not in out and "--chain" not in out  # read only by a property nobody reads
    assert "--unused:red" in prune(CSS, {"btn"}, also_read={"--unused"})  # read by the site's own CSS


def test_selectors_inside_functions_are_not_split_at_their_commas():
    out = prune(":is(.btn,.card) .x{color:red}.btn{color:blue}", {"btn", "card"})
    assert out == ".btn{color:blue}"  # ".x" is unused: the whole :is() selector goes, not half of it
    assert prune(":is(.btn,.card){color:red}", {"btn", "card"}) == ":is(.btn,.card){color:red}"
