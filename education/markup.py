"""Markdown to safe HTML for education pages, done once on save (never per request).

Staff write Markdown in the admin; anything they paste (a `<script>`, an `onclick`, a
`javascript:` link, inline styles the Content-Security-Policy would block) is stripped here.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["tables", "sane_lists"]

ALLOWED_TAGS = {
    "p", "br", "hr",
    "h2", "h3", "h4",
    "ul", "ol", "li",
    "strong", "em", "b", "i", "code", "pre", "blockquote", "abbr",
    "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
# Relative links (/ims/what-to-expect/, #section) pass through nh3 unchanged.
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Wide tables scroll sideways on a phone instead of widening the page. The wrapper is focusable
# and named so keyboard users can scroll it (axe: scrollable-region-focusable).
TABLE_OPEN = '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table>'
TABLE_CLOSE = "</table></div>"

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|td|th|ul|ol|table|blockquote|pre)>", re.I)
_EMPTY_HEADER = re.compile(r"<th>\s*</th>")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def render_markdown(text: str) -> str:
    """Render Markdown and sanitize the result; the only HTML an education page body may hold."""
    raw = markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    # After sanitizing, "<table>" can only be a real (attribute-free) tag: text is escaped.
    clean = clean.replace("<table>", TABLE_OPEN).replace("</table>", TABLE_CLOSE)
    # An empty corner cell ("| | IMS | Acupuncture |") is not a header: screen readers would
    # announce a nameless column header for every row.
    return _EMPTY_HEADER.sub("<td></td>", clean)


def plain_text(body_html: str) -> str:
    """The words of rendered HTML, one block per line: for search, snippets and reading time."""
    text = _BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html or "")
    text = _BR.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
