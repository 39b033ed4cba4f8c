from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vault.scrub import scrub


class Command(BaseCommand):
    help = "Re-read and re-hash every stored paper (or a sample); report corruption and orphans."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sample", type=int, help="check only this many papers, at random")

    def handle(self, *args: Any, **options: Any) -> None:
        report = scrub(sample=options["sample"])
        for line in report.corrupted:
            self.stderr.write(f"CORRUPTED {line}")
        for line in report.missing:
            self.stderr.write(f"MISSING   {line}")
        for key in report.orphans:
            self.stderr.write(f"ORPHAN    {key} (stored, but no row: safe to delete)")
        for key in report.recent_orphans:
            self.stdout.write(f"in flight {key} (no row yet, less than a day old)")
        self.stdout.write(
            f"{report.checked} checked, {len(report.corrupted)} corrupted, "
            f"{len(report.missing)} missing, {len(report.orphans)} orphans"
        )
        if not report.clean:
            raise CommandError("integrity problems found")
