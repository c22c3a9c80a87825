"""``python manage.py check_content``: run the editorial checks after editing education/content/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from education.loader import CONTENT_DIR


class Command(BaseCommand):
    help = (
        "Check the shipped education pages: front matter, reading level, word counts, links, and that "
        "nothing is copied from the seed pages. Exits with status 1 if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--content-dir", type=Path, default=CONTENT_DIR, help="Default: education/content/.")
        parser.add_argument(
            "--seed-dir", type=Path, help="The seed pages (default: $IMS_SEED_DIR, then ../shared/reference/seeds/)."
        )

    def handle(self, *args, content_dir: Path, seed_dir: Path | None, **options):
        try:
            from education import content_check
        except ModuleNotFoundError as exc:  # textstat is a dev dependency: production installs lack it
            raise CommandError(f"{exc.name} is not installed: pip install -e '.[dev]'") from exc
        for name, folder in (("--content-dir", content_dir), ("--seed-dir", seed_dir)):
            if folder is not None and not folder.is_dir():
                raise CommandError(f"{name}: {folder} is not a folder")
        with content_check.syllable_counting() as syllables:
            if syllables.warning:
                self.stderr.write(f"WARNING: {syllables.warning}")
            report = content_check.check_content(content_dir, seed_dir or content_check.find_seed_dir())
        self.stdout.write(content_check.format_report(report, syllables.label))
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(s) in {content_dir}")
