"""manage.py check_content: the shipped pages pass, and a broken copy of them fails, saying why."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from education import content_check
from education.content_check import Seeds
from education.loader import CONTENT_DIR, ContentError, parse_front_matter

SEED_PASSAGE = "Our friendly team will gladly guide every patient through each careful stretch at home."
WHAT_IS_IMS_PATH = CONTENT_DIR / "articles" / "what-is-ims.md"
WHAT_IS_IMS = WHAT_IS_IMS_PATH.read_text(encoding="utf-8")


def run_check(*args: str) -> tuple[str, CommandError | None]:
    """The printed report, and the error the command ended with (None when it passed)."""
    out = StringIO()
    try:
        call_command("check_content", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the shipped content, to break one file of."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    return folder


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "000_seed.txt").write_text(f"Stretching\n\n{SEED_PASSAGE}\n", encoding="utf-8")
    return folder


@pytest.fixture
def syllables():
    with content_check.syllable_counting():
        yield


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_content_passes_the_content_check():
    report, error = run_check()
    assert error is None, report
    files = len(list(CONTENT_DIR.rglob("*.md")))
    assert report.splitlines()[0].startswith("Syllable counting: cmudict")
    assert f"OK: {files} files checked, no problems." in report
    assert "articles/what-is-ims.md" in report


def test_a_missing_required_key_fails_the_check(content, seeds):
    edit(content / "articles" / "what-is-ims.md", "topic: about-ims\n", "")
    report, error = run_check("--content-dir", str(content), "--seed-dir", str(seeds))
    assert error is not None and "problem(s)" in str(error)
    assert "  - articles/what-is-ims.md: missing key 'topic'" in report
    assert "OK:" not in report


def test_a_body_copied_from_a_seed_fails_the_check(content, seeds):
    edit(content / "articles" / "ims-safety.md", "A good practitioner will be glad to answer.", SEED_PASSAGE)
    report, error = run_check("--content-dir", str(content), "--seed-dir", str(seeds))
    assert error is not None
    assert (
        "articles/ims-safety.md: 8-word overlap with a seed: 'our friendly team will gladly guide every patient'"
        in report
    )


def test_a_heading_copied_from_a_seed_fails_the_check(content, seeds):
    edit(content / "articles" / "ims-safety.md", "## Learn more", "## Stretching")
    report, error = run_check("--content-dir", str(content), "--seed-dir", str(seeds))
    assert error is not None
    assert "articles/ims-safety.md: heading copied from a seed: 'Stretching'" in report


def test_a_page_in_a_subfolder_is_reported_because_the_site_never_loads_it(content, seeds):
    (content / "articles" / "old").mkdir()
    shutil.copy(content / "articles" / "what-is-ims.md", content / "articles" / "old" / "what-is-ims.md")
    report, error = run_check("--content-dir", str(content), "--seed-dir", str(seeds))
    assert error is not None
    assert "articles/old/what-is-ims.md: never loaded" in report


def test_a_missing_content_folder_is_an_error_not_a_pass(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("check_content", "--content-dir", str(tmp_path / "nowhere"), stdout=StringIO())


# The loader's grammar is the one the checker parses with; its stricter rules come on top.


def test_a_repeated_key_is_reported_although_the_loader_keeps_the_last():
    text = WHAT_IS_IMS.replace("order: ", "order: 9\norder: ", 1)
    assert parse_front_matter(text)[0]["order"] == "1"
    assert any("duplicate key 'order'" in p for p in content_check.front_matter_style_problems(text))


def test_a_quoted_value_is_reported_although_the_loader_takes_it_literally():
    text = WHAT_IS_IMS.replace("title: ", 'title: "', 1)
    assert parse_front_matter(text)[0]["title"].startswith('"')
    assert any("no quotes or nesting allowed in 'title'" in p for p in content_check.front_matter_style_problems(text))


def test_a_file_the_loader_cannot_parse_is_a_content_error(syllables):
    with pytest.raises(ContentError, match="blank line inside front matter"):
        content_check.check_file("articles", WHAT_IS_IMS_PATH, WHAT_IS_IMS.replace("order: ", "\norder: ", 1), Seeds())


def test_the_review_keys_the_loader_reads_are_allowed_and_their_dates_checked(syllables):
    def problems(extra: str) -> list[str]:
        text = WHAT_IS_IMS.replace("order: ", extra + "order: ", 1)
        return content_check.check_file("articles", WHAT_IS_IMS_PATH, text, Seeds()).problems

    assert problems("") == []
    assert problems("last_reviewed: 2026-02-01\nreviewed_by: A physiotherapist\nnext_review_due: 2026-08-01\n") == []
    assert problems("last_reviewed: soon\n") == ["last_reviewed and next_review_due must be dates written YYYY-MM-DD"]
    assert problems("last_reviewed: 2026-02-01\nnext_review_due: 2026-01-01\n") == [
        "next_review_due 2026-01-01 must come after last_reviewed 2026-02-01"
    ]
    assert problems("reviewd_by: typo\n") == ["unknown key 'reviewd_by'"]
