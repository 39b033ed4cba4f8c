from typing import Any

from django.core.management.base import BaseCommand

from crypto.keys import generate_master_key


class Command(BaseCommand):
    help = "Print a new master key (Tink JSON keyset) for COFFRE_MASTER_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_master_key())
