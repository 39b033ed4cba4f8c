"""A structure's team: adding and removing colleagues, resetting their second factor.

Every change is journaled on the platform chain (actor: the administrator or staff member;
the structure; whose account). New colleagues join by invitation (``invitations``).
"""

from django.db import transaction

from accounts import otp
from accounts.models import User
from journal.chain import record
from journal.models import JournalEntry

from .models import Membership, Structure


def add_member(structure: Structure, user: User, role: str, actor: User) -> Membership:
    """An existing professional account joins the team (or comes back, or changes role)."""
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user,
            structure=structure,
            defaults={"role": role, "active": True, "ended_at": None},
        )
        record(
            None,
            actor,
            JournalEntry.Action.MEMBER_ADDED,
            structure=structure,
            account=user.username,
            name=user.display_name,
            role=role,
        )
    return membership


def remove_member(membership: Membership, actor: User) -> None:
    with transaction.atomic():
        membership.end()
        record(
            None,
            actor,
            JournalEntry.Action.MEMBER_REMOVED,
            structure=membership.structure,
            account=membership.user.username,
            name=membership.user.display_name,
        )


def can_reset_two_factor(membership: Membership) -> bool:
    """A structure administrator resets the second factor of the team's professionals only:
    never of a staff or admin-site account, whatever memberships it has."""
    user = membership.user
    return (
        membership.active
        and user.kind == User.Kind.PROFESSIONAL
        and not (user.is_staff or user.is_superuser)
    )


def reset_two_factor(membership: Membership, actor: User) -> bool:
    """True if there was a second factor to reset (journaled by ``accounts.otp.reset``)."""
    if not can_reset_two_factor(membership):
        raise ValueError("not a professional of this team")
    return otp.reset(membership.user, actor)
