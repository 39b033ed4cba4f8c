from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from journal.chain import purge_expired


class Command(BaseCommand):
    help = (
        "Delete journal entries older than COFFRE_JOURNAL_RETENTION_DAYS (chains stay verifiable)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired()
        days = settings.COFFRE_JOURNAL_RETENTION_DAYS
        self.stdout.write(f"{deleted} entries older than {days} days deleted.")
