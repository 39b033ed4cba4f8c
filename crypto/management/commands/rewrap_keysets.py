from typing import Any

from django.core.management.base import BaseCommand

from crypto.rotation import rewrap_keysets


class Command(BaseCommand):
    help = "Re-wrap every person's keyset under the current primary master key (resumable)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per progress line")

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            done, remaining = rewrap_keysets(limit=options["batch"])
            total += done
            self.stdout.write(f"{total} re-wrapped, {remaining} to go")
            if remaining == 0 or done == 0:
                return
