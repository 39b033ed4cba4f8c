"""Demo data for `make run`: one structure, its admin and a professional, two beneficiaries."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.management.commands.demo_totp import DEMO_TOTP_SECRET, give_demo_device
from accounts.models import Beneficiary, User
from structures.models import Affiliation, Membership, Structure
from vault import services
from vault.models import Document, Visibility
from vault.specimens import card_image, text_pdf

DEMO_PASSWORD = "demo-coffre-2026"  # fictional demo accounts only; printed on purpose


class Command(BaseCommand):
    help = "Load fictional demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username="demo.admin").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load()
        # Demo professionals and staff get the published demo secret (also on older demo data).
        for username in ("demo.admin", "demo.pro", "demo.staff"):
            user = User.objects.filter(username=username).first()
            if user is not None:
                give_demo_device(user)
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for username, what in [
            ("demo.admin", "structure admin, Relais Démo"),
            ("demo.pro", "social worker, Relais Démo"),
            ("camille.exemple", "beneficiary with papers, one shared"),
            ("sam.fictif", "beneficiary, nothing shared yet"),
            ("demo.staff", "platform staff (/admin/)"),
        ]:
            self.stdout.write(f"  {username:<18} {what}")
        self.stdout.write(
            "\nProfessionals and staff then type a two-step verification code: get it with\n"
            "  .venv/bin/python manage.py demo_totp demo.pro      (or demo.admin, demo.staff)\n"
            f"or add this fictional demo secret to a phone app (TOTP, 30 s): {DEMO_TOTP_SECRET}"
        )

    def _user(self, username: str, kind: str, first: str, last: str, **extra: Any) -> User:
        return User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            kind=kind,
            first_name=first,
            last_name=last,
            **extra,
        )

    def _load(self) -> None:
        structure = Structure.objects.create(
            name="Relais Démo",
            kind=Structure.Kind.DAY_CENTRE,
            phone="01 00 00 00 00",
            address="1 rue de l'Exemple, 75000 Paris",
        )
        admin = self._user("demo.admin", User.Kind.PROFESSIONAL, "Alex", "Administrateur")
        pro = self._user("demo.pro", User.Kind.PROFESSIONAL, "Dominique", "Travailleur")
        Membership.objects.create(user=admin, structure=structure, role=Membership.Role.ADMIN)
        Membership.objects.create(user=pro, structure=structure)
        self._user(
            "demo.staff", User.Kind.STAFF, "Équipe", "Plateforme", is_staff=True, is_superuser=True
        )
        camille = self._beneficiary("camille.exemple", "Camille", "Exemple", structure, admin)
        sam = self._beneficiary("sam.fictif", "Sam", "Fictif", structure, admin)
        identity = card_image(["CARTE D'IDENTITÉ (FICTIVE)", "Nom : EXEMPLE", "Prénom : Camille"])
        card = services.add_document(
            camille,
            camille.user,
            "carte.png",
            [identity],
            title="Carte d'identité (specimen)",
            visibility=Visibility.SHARED,
        )
        # Expires in two months: inside its notice period, so the alert and the dashboard show it.
        Document.objects.filter(pk=card.pk).update(
            doc_type=Document.Type.IDENTITY_CARD,
            expires_on=timezone.localdate() + datetime.timedelta(days=60),
        )
        self._agenda(camille, pro, structure)
        services.add_document(
            camille,
            camille.user,
            "attestation.pdf",
            [text_pdf(["ATTESTATION (SPECIMEN)", "Camille Exemple", "Document fictif de démo."])],
            title="Attestation de domiciliation (specimen)",
            visibility=Visibility.PRIVATE,
        )
        services.add_document(
            sam,
            sam.user,
            "vitale.png",
            [card_image(["CARTE VITALE (FICTIVE)", "Sam Fictif"])],
            title="Carte Vitale (specimen)",
            visibility=Visibility.PRIVATE,
        )

    def _agenda(self, person: Beneficiary, pro: User, structure: Structure) -> None:
        """An appointment a social worker set for tomorrow, a contact and a note of the person."""
        from agenda.models import Appointment, Contact, Note
        from agenda.reminders import DEFAULT_OFFSETS
        from agenda.services import create_item

        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        create_item(
            Appointment,
            person,
            pro,
            {
                "title": "Rendez-vous CAF (fictif)",
                "starts_at": tomorrow.replace(hour=10, minute=30, second=0, microsecond=0),
                "place": "1 rue de l'Exemple, 75000 Paris",
                "with_whom": "Dominique Travailleur",
            },
            visibility=Visibility.SHARED,
            structure=structure,
            offsets=list(DEFAULT_OFFSETS),
        )
        create_item(
            Contact,
            person,
            person.user,
            {"name": "Samu social", "phone": "115", "role": "Urgence, nuit et jour"},
            visibility=Visibility.PRIVATE,
        )
        create_item(
            Note,
            person,
            person.user,
            {"title": "Bagagerie", "text": "Casier 12 (fictif). Ouvert de 9 h à 12 h."},
            visibility=Visibility.PRIVATE,
        )

    def _beneficiary(
        self, username: str, first: str, last: str, structure: Structure, by: User
    ) -> Beneficiary:
        user = self._user(username, User.Kind.BENEFICIARY, first, last)
        beneficiary = Beneficiary.objects.create(
            user=user, first_name=first, last_name=last, birth_date=datetime.date(1990, 1, 1)
        )
        Affiliation.objects.create(
            beneficiary=beneficiary, structure=structure, created_by=by, consented_at=timezone.now()
        )
        return beneficiary
