"""Logging helpers. Patient data is health information: logs carry no tokens and no personal data,
and every record is one line, whatever a visitor put in the address or a header."""

import logging
import re

# Patients' links carry a private token in the path: the manage link and the waitlist's entry and offer
# links (a test checks every URL with a ``token`` is covered); staff URLs may carry a reference.
TOKEN_PATH = re.compile(r"(/book/(?:manage|waitlist/entry|waitlist/offer)/)[^/\s?\"']+")
# PostgreSQL names the values behind a failed constraint ("Key (email)=(alex@example.com) already
# exists"), and an unexpected error's traceback carries that message into the log.
DATABASE_VALUES = re.compile(r"(key \(.*?\)=\().*", re.IGNORECASE)
# What could end a line or rewrite the terminal in a log: C0 and C1 controls (CR, LF, ESC, NEL...),
# DEL, the Unicode line and paragraph separators, and the bidirectional overrides that reorder text.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def mask(text: str) -> str:
    return DATABASE_VALUES.sub(r"\1[values])", TOKEN_PATH.sub(r"\1[token]", text))


def one_line(text: str) -> str:
    """``text`` with every unsafe character written as its escape (``\\r``, ``\\n``, ``\\x1b``, ``\\u2028``):
    a path ending in ``%0D%0ASet-Cookie: x`` can't start a line of its own. Backslashes are left as they
    are, so a line escaped twice reads the same."""
    return UNSAFE.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


class MaskTokensFilter(logging.Filter):
    """Rewrite any log record so that a manage-link token never reaches a log file or console, and its
    message (with its arguments filled in) is one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: the handler reports the bad call
            return True
        safe = one_line(mask(message))
        if safe != message:
            record.msg, record.args = safe, None
        # django.request attaches the request itself; handlers that format it must not see the token
        if hasattr(record, "request"):
            record.request = None
        return True


class OneLineFormatter(logging.Formatter):
    """The line as written, traceback and stack included, masked and escaped to one line: a log
    collector reads one record per line, so a multi-line record would split (or let a visitor forge)
    entries, and a traceback is where a database error's values would otherwise appear."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(mask(super().format(record)))
