"""Logging helpers. Patient data is health information: logs carry no tokens and no personal data."""

import logging
import re

# Manage links carry a private token in the path; staff URLs may carry a reference.
TOKEN_PATH = re.compile(r"(/book/manage/)[^/\s?\"']+")


def mask(text: str) -> str:
    return TOKEN_PATH.sub(r"\1[token]", text)


class MaskTokensFilter(logging.Filter):
    """Rewrite any log record so a manage-link token never reaches a log file or console."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        # django.request attaches the request itself; handlers that format it must not see the token
        if hasattr(record, "request"):
            record.request = None
        return True
