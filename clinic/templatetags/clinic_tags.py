import json

from django import template
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def jsonld(data) -> str:
    """Render structured data as a JSON-LD block, escaped like ``json_script``.

    A ``application/ld+json`` block is data, not script: the Content-Security-Policy allows it.
    """
    payload = json.dumps(data, ensure_ascii=False).translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above
