from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Beneficiary
from journal.chain import verify_chain
from journal.models import JournalEntry


class Command(BaseCommand):
    help = "Check every hash chain of the journal; fails if an entry was altered, removed or moved."

    def handle(self, *args: Any, **options: Any) -> None:
        chains: list[Beneficiary | None] = [None]
        with_entries = JournalEntry.objects.exclude(beneficiary=None).values("beneficiary")
        chains += list(Beneficiary.objects.filter(pk__in=with_entries).order_by("pk"))
        broken = 0
        for beneficiary in chains:
            problems = verify_chain(beneficiary)
            name = f"beneficiary {beneficiary.code}" if beneficiary else "platform"
            for problem in problems:
                self.stderr.write(f"{name}: {problem}")
            broken += bool(problems)
        self.stdout.write(f"{len(chains)} chains checked, {broken} broken.")
        if broken:
            raise CommandError("the journal was tampered with")
