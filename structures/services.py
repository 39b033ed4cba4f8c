import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.lib import username_candidate
from accounts.models import Beneficiary, User
from journal.chain import record
from journal.models import JournalEntry

from .models import Affiliation, AffiliationRequest, Structure

USERNAME_ATTEMPTS = 20


class PasswordMode(models.TextChoices):
    TYPED = "typed", _("The person types their password now")
    GENERATED = (
        "generated",
        _("Print a one-time password: the person chooses their own at their first login"),
    )


# Letters and digits that cannot be mistaken for one another, read out loud or on paper.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_GROUPS, ONE_TIME_GROUP_LENGTH = 3, 4  # 12 characters: about 59 bits


def one_time_password() -> str:
    """'kp7x-m3qa-9vtd': typed once at the first login, then replaced by the person's own."""
    return "-".join(
        "".join(secrets.choice(ONE_TIME_ALPHABET) for _char in range(ONE_TIME_GROUP_LENGTH))
        for _group in range(ONE_TIME_GROUPS)
    )


@dataclass
class NewAccount:
    beneficiary: Beneficiary
    one_time_password: str | None  # shown once, never stored in clear


def create_beneficiary(
    structure: Structure, professional: User, data: dict[str, Any]
) -> NewAccount:
    """Account + profile + affiliation to the structure, with the consent time, all or nothing.

    The password is the one the person typed, or a one-time password generated here that the
    person must change at their first login. Two people with the same name registered at the
    same moment may draw the same username: the second insert fails on the unique index, its
    savepoint is rolled back and another username is drawn.
    """
    generated = data.get("password_mode") == PasswordMode.GENERATED
    password = one_time_password() if generated else data["password"]
    with transaction.atomic():
        for _attempt in range(USERNAME_ATTEMPTS):
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        username=username_candidate(data["first_name"], data["last_name"]),
                        password=password,
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        kind=User.Kind.BENEFICIARY,
                        phone=data.get("phone") or "",
                        preferred_language=data["preferred_language"],
                        must_change_password=generated,
                    )
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError("could not find a free username")
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
        record(
            beneficiary,
            professional,
            JournalEntry.Action.ACCOUNT_CREATED,
            structure=structure,
            password="one_time" if generated else "chosen",
        )
        record(
            beneficiary, professional, JournalEntry.Action.AFFILIATION_CREATED, structure=structure
        )
    return NewAccount(beneficiary, password if generated else None)


def note_lookup(existing: list[Beneficiary], professional: User, structure: Structure) -> None:
    """Tell each person, in their journal, that a structure found their account by their name
    and birth date while registering someone: the one thing the professional learnt."""
    for beneficiary in existing:
        record(
            beneficiary, professional, JournalEntry.Action.ACCOUNT_LOOKED_UP, structure=structure
        )


def request_affiliation(
    existing: list[Beneficiary], professional: User, structure: Structure
) -> None:
    """Ask each person to accept that the structure follows them (once: a pending request is
    not repeated). Nothing is shared until they accept."""
    for beneficiary in existing:
        with transaction.atomic():
            # Serialise with other requests for this person (the journal takes this lock too).
            Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).values("pk").get()
            already = AffiliationRequest.objects.pending().filter(
                beneficiary=beneficiary, structure=structure
            )
            if already.exists():
                continue
            AffiliationRequest.objects.create(
                beneficiary=beneficiary, structure=structure, requested_by=professional
            )
            record(
                beneficiary,
                professional,
                JournalEntry.Action.AFFILIATION_REQUESTED,
                structure=structure,
            )


def accept_request(request: AffiliationRequest, owner: User) -> None:
    """The person accepts: the structure follows them from now on (consent time = now)."""
    with transaction.atomic():
        decided_at = _decide(request, AffiliationRequest.State.ACCEPTED)
        if decided_at is None:
            return
        already = Affiliation.objects.active().filter(
            beneficiary=request.beneficiary, structure=request.structure
        )
        if not already.exists():
            Affiliation.objects.create(
                beneficiary=request.beneficiary,
                structure=request.structure,
                created_by=request.requested_by,
                consented_at=decided_at,
            )
        record(
            request.beneficiary,
            owner,
            JournalEntry.Action.AFFILIATION_ACCEPTED,
            structure=request.structure,
        )


def refuse_request(request: AffiliationRequest, owner: User) -> None:
    with transaction.atomic():
        if _decide(request, AffiliationRequest.State.REFUSED) is not None:
            record(
                request.beneficiary,
                owner,
                JournalEntry.Action.AFFILIATION_REFUSED,
                structure=request.structure,
            )


def _decide(request: AffiliationRequest, state: str) -> datetime.datetime | None:
    """Move a pending request to ``state``, once: the time of the decision, or None when it was
    already decided (a double click, two tabs)."""
    decided_at = timezone.now()
    changed = (
        AffiliationRequest.objects.pending()
        .filter(pk=request.pk)
        .update(state=state, decided_at=decided_at)
    )
    if changed != 1:
        return None
    request.state, request.decided_at = state, decided_at
    return decided_at
