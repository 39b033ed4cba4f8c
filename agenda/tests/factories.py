"""Contacts, appointments and notes made through the service, as the views make them (journal
entry and reminders included). Fictional data only."""

import datetime
from typing import Any

from accounts.models import Beneficiary, User
from agenda import services
from agenda.models import Appointment, Contact, Note
from agenda.reminders import local_zone
from vault.models import Visibility


def paris(*args: int) -> datetime.datetime:
    """An aware datetime on the wall clock of Paris: paris(2026, 3, 29, 14, 30)."""
    return datetime.datetime(*args, tzinfo=local_zone())  # type: ignore[misc]


def make_contact(
    owner: Beneficiary,
    *,
    created_by: User | None = None,
    visibility: str = Visibility.PRIVATE,
    **values: Any,
) -> Contact:
    fields = {"name": "Mme Exemple", "phone": "+33612345678", **values}
    return services.create_item(  # type: ignore[return-value]
        Contact, owner, created_by or owner.user, fields, visibility=visibility
    )


def make_appointment(
    owner: Beneficiary,
    *,
    created_by: User | None = None,
    visibility: str = Visibility.PRIVATE,
    offsets: list[str] | None = None,
    **values: Any,
) -> Appointment:
    fields = {"title": "Rendez-vous CAF", "starts_at": paris(2030, 5, 14, 10, 0), **values}
    return services.create_item(  # type: ignore[return-value]
        Appointment,
        owner,
        created_by or owner.user,
        fields,
        visibility=visibility,
        offsets=offsets or [],
    )


def make_note(
    owner: Beneficiary,
    *,
    created_by: User | None = None,
    visibility: str = Visibility.PRIVATE,
    **values: Any,
) -> Note:
    fields = {"title": "Numéro de dossier", "text": "Dossier 12345 (fictif)", **values}
    return services.create_item(  # type: ignore[return-value]
        Note, owner, created_by or owner.user, fields, visibility=visibility
    )
