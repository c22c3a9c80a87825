"""Text that people typed, made safe to store and search: the one control-character stripper."""

from __future__ import annotations

import re

# C0 controls and DEL, except tab and newline: no person types them, and PostgreSQL refuses NUL
# in any text. A carriage return goes too, so a textarea's "\r\n" is stored as "\n".
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str, max_length: int | None = None, *, replacement: str = "") -> str:
    """``value`` without control characters (each replaced by ``replacement``), stripped, then cut
    to ``max_length`` characters when given."""
    cleaned = CONTROL_CHARS.sub(replacement, value).strip()
    return cleaned[:max_length] if max_length else cleaned
