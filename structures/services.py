from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.lib import username_candidate
from accounts.models import Beneficiary, User
from journal.chain import record
from journal.models import JournalEntry

from .models import Affiliation, Membership, Structure


def create_beneficiary(
    structure: Structure, professional: User, data: dict[str, Any]
) -> Beneficiary:
    """Account + profile + affiliation to the structure, with the consent time, in one go."""
    for _attempt in range(20):
        username = username_candidate(data["first_name"], data["last_name"])
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    kind=User.Kind.BENEFICIARY,
                    phone=data.get("phone") or "",
                    preferred_language=data["preferred_language"],
                )
                break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not find a free username")
    with transaction.atomic():
        beneficiary = Beneficiary.objects.create(
            user=user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            phone=data.get("phone") or "",
            default_visibility=data["default_visibility"],
        )
        Affiliation.objects.create(
            beneficiary=beneficiary,
            structure=structure,
            created_by=professional,
            consented_at=timezone.now(),
        )
        record(beneficiary, professional, JournalEntry.Action.ACCOUNT_CREATED, structure=structure)
        record(
            beneficiary, professional, JournalEntry.Action.AFFILIATION_CREATED, structure=structure
        )
    return beneficiary


def add_member(structure: Structure, data: dict[str, Any]) -> Membership:
    with transaction.atomic():
        user = data["existing"]
        if user is None:
            user = User.objects.create_user(
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data.get("email") or "",
                kind=User.Kind.PROFESSIONAL,
            )
        membership, _created = Membership.objects.update_or_create(
            user=user,
            structure=structure,
            defaults={"role": data["role"], "active": True, "ended_at": None},
        )
    return membership
