"""Sending, cancelling and accepting invitations (see ``invitations.models``)."""

import datetime
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from journal.chain import record
from journal.models import JournalEntry
from structures.models import Membership

from .models import Invitation

# Builds an absolute URL from a path (``request.build_absolute_uri``).
LinkBuilder = Callable[[str], str]


class InvitationUnavailable(Exception):
    """The link was already used, cancelled, replaced by a newer one, or has expired."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _journal_details(invitation: Invitation) -> dict[str, Any]:
    return {"invitee": invitation.full_name, "role": invitation.role}


def send(invitation: Invitation, actor: User, link_for: LinkBuilder) -> None:
    """(Re)send ``invitation``: a new token and expiry (an older link stops working), saved,
    emailed and journaled (platform chain). Raises whatever the email backend raises: the
    invitation is then left cancelled, so that no link nobody received stays valid."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    resent = invitation.pk is not None
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + datetime.timedelta(days=settings.COFFRE_INVITATION_DAYS)
    invitation.cancelled_at = None
    if invitation.invited_by is None:
        invitation.invited_by = actor
    invitation.save()
    context = {
        "invitation": invitation,
        "link": link_for(reverse("invitations:open", args=[token])),
        "inviter": actor.display_name,
        "days": settings.COFFRE_INVITATION_DAYS,
    }
    subject = render_to_string("invitations/email_subject.txt", context).strip()
    body = render_to_string("invitations/email_body.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        raise
    record(
        None,
        actor,
        JournalEntry.Action.INVITATION_SENT,
        structure=invitation.structure,
        resent=resent,
        **_journal_details(invitation),
    )


def cancel(invitation: Invitation, actor: User) -> None:
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    record(
        None,
        actor,
        JournalEntry.Action.INVITATION_CANCELLED,
        structure=invitation.structure,
        **_journal_details(invitation),
    )


def find(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state (None: unknown token)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("structure").filter(token_hash=token_hash(token)).first()
    )


def accept(invitation: Invitation, username: str, password: str) -> User:
    """Create the professional account and its membership; the link cannot be used again."""
    with transaction.atomic():
        # Locked and checked again: two tabs submitting at once make one account, not two.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_pending:
            raise InvitationUnavailable
        user = User.objects.create_user(
            username=username,
            password=password,
            email=locked.email,
            first_name=locked.first_name,
            last_name=locked.last_name,
            kind=User.Kind.PROFESSIONAL,
        )
        Membership.objects.update_or_create(
            user=user,
            structure=locked.structure,
            defaults={"role": locked.role, "active": True, "ended_at": None},
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        record(
            None,
            user,
            JournalEntry.Action.INVITATION_ACCEPTED,
            structure=locked.structure,
            role=locked.role,
        )
    return user
