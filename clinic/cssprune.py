"""Bootstrap with only the rules this site's pages can use: the stylesheet every page waits for.

``bootstrap.min.css`` is 31 kB compressed, and most of it is utilities and components no page uses; a
browser must fetch and parse all of it before it shows anything. ``prune`` keeps a rule when one of its
selectors names only class names that appear somewhere in the site's own files (templates, Python,
JavaScript, and the crispy-forms templates that draw the forms): any word counts, so a class named in a
comment or a string is kept too, and the cost of a doubt is a few bytes, never a page without its style.
Rules that name no class (elements, ``:root``, attributes) are kept; the custom properties no kept rule
reads are dropped. Pure: text in, text out; ``manage.py build_css`` writes the file, and a test checks that
the committed file is what the templates need today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import tinycss2

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
CLASS = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")
VAR_USE = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")
DECLARED = re.compile(r"(?<=[{;])(--[A-Za-z0-9_-]+):[^;{}]*(;|(?=}))")  # a custom property's declaration
SCANNED = (".html", ".txt", ".py", ".js")


def words_in(paths: Iterable[Path]) -> set[str]:
    """Every word-like token in these files (recursively for folders): the class names they may use."""
    words: set[str] = set()
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.suffix in SCANNED]
        for file in files:
            words.update(WORD.findall(file.read_text(encoding="utf-8", errors="ignore")))
    return words


def _selector_used(selector: str, words: set[str]) -> bool:
    return all(name in words for name in CLASS.findall(selector))


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside ``:is(...)`` and the like)."""
    parts, depth, current = [], 0, []
    for char in prelude:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _rules(nodes, words: set[str]) -> list[str]:
    kept = []
    for node in nodes:
        if node.type == "qualified-rule":
            selectors = [s for s in _split_selectors(tinycss2.serialize(node.prelude)) if _selector_used(s, words)]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{tinycss2.serialize(node.content).strip()}}}")
        elif node.type == "at-rule":
            name = node.lower_at_keyword
            prelude = tinycss2.serialize(node.prelude).strip()
            if name in {"media", "supports", "container", "layer"} and node.content is not None:
                inner = _rules(tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True), words)
                if inner:
                    kept.append(f"@{name} {prelude}{{{''.join(inner)}}}")
            elif node.content is not None:  # @keyframes, @font-face, @page: kept whole
                kept.append(f"@{name} {prelude}{{{tinycss2.serialize(node.content).strip()}}}")
            else:
                kept.append(f"@{name} {prelude};")
    return kept


def _drop_unread_properties(css: str, also_read: set[str]) -> str:
    """Remove ``--name: value`` declarations that nothing reads with ``var(--name)``; repeated, since a
    dropped property may have been the only reader of another."""
    while True:
        read = set(VAR_USE.findall(css)) | also_read
        pruned = DECLARED.sub(lambda m, read=read: m.group(0) if m.group(1) in read else "", css)
        pruned = pruned.replace(";}", "}")
        if pruned == css:
            return pruned
        css = pruned


def prune(css: str, words: set[str], *, also_read: set[str] = frozenset()) -> str:
    """``css`` with only the rules a page using ``words`` can match. ``also_read``: custom properties
    read elsewhere (the site's own stylesheets), kept even if no rule here reads them."""
    nodes = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    kept = "".join(_rules(nodes, words))
    kept = _drop_unread_properties(kept, set(also_read))
    kept = re.sub(r"[^{}]+\{\}", "", kept)  # rules left empty
    return kept
