from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Beneficiary
from crypto.models import BeneficiaryKeyset
from crypto.rotation import rotate_beneficiary_keyset


class Command(BaseCommand):
    help = "Give a person's keyset (or everyone's) a new primary key; old papers stay readable."

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--beneficiary", help="the person's code (UUID)")
        group.add_argument("--all", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        people = Beneficiary.objects.filter(
            pk__in=BeneficiaryKeyset.objects.values("beneficiary")
        ).order_by("pk")
        if options["beneficiary"]:
            people = people.filter(code=options["beneficiary"])
            if not people.exists():
                raise CommandError("no keyset for that beneficiary")
        count = 0
        for beneficiary in people.iterator():
            rotate_beneficiary_keyset(beneficiary)
            count += 1
        self.stdout.write(f"{count} keysets rotated")
