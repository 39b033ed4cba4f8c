"""Workflows on contacts, appointments and notes (each write journaled in the person's chain),
and the agenda settings: reminders on/off and the private calendar subscription link."""

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Beneficiary, User
from journal.chain import record
from journal.models import JournalEntry
from structures.models import Structure
from vault.models import Visibility

from .models import AgendaSettings, Appointment, Contact, Note
from .reminders import schedule_reminders

AgendaItem = Contact | Appointment | Note

FEED_TOKEN_BYTES = 32


def create_item(
    model: type[AgendaItem],
    owner: Beneficiary,
    actor: User,
    values: dict[str, Any],
    *,
    visibility: str,
    structure: Structure | None = None,
    offsets: list[str] | None = None,
) -> AgendaItem:
    with transaction.atomic():
        item = model.objects.create(owner=owner, created_by=actor, visibility=visibility, **values)
        if isinstance(item, Appointment):
            schedule_reminders(item, offsets or [])
        record(owner, actor, JournalEntry.Action.ITEM_ADDED, item, structure)
    return item


def update_item(
    item: AgendaItem,
    actor: User,
    values: dict[str, Any],
    *,
    structure: Structure | None = None,
    offsets: list[str] | None = None,
) -> list[str]:
    """Save what changed; the journal names the changed fields, never their contents."""
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    with transaction.atomic():
        if changed:
            for name in changed:
                setattr(item, name, values[name])
            item.save(update_fields=[*changed, "updated_at"])
        if isinstance(item, Appointment) and offsets is not None:
            before = set(item.reminders.values_list("offset", flat=True))
            schedule_reminders(item, offsets)
            if set(item.reminders.values_list("offset", flat=True)) != before:
                changed.append("reminders")
        if changed:
            record(
                item.owner,
                actor,
                JournalEntry.Action.ITEM_CHANGED,
                item,
                structure,
                fields=changed,
            )
    return changed


def delete_item(item: AgendaItem, actor: User, structure: Structure | None = None) -> None:
    with transaction.atomic():
        record(item.owner, actor, JournalEntry.Action.ITEM_DELETED, item, structure)
        item.delete()  # its reminders go with it (CASCADE)


def set_visibility(item: AgendaItem, actor: User, visibility: str) -> None:
    """Only the owner changes sharing (the policy's SHARE action)."""
    if item.visibility == visibility:
        return
    with transaction.atomic():
        item.visibility = visibility
        item.save(update_fields=["visibility", "updated_at"])
        action = (
            JournalEntry.Action.SHARED
            if visibility == Visibility.SHARED
            else JournalEntry.Action.UNSHARED
        )
        record(item.owner, actor, action, item)


def record_view(actor: User, item: AgendaItem, structure: Structure | None) -> None:
    """Journal a professional's look; the owner's own reads are not journaled."""
    if actor.pk != item.owner.user_id:
        record(item.owner, actor, JournalEntry.Action.ITEM_VIEWED, item, structure)


# --- Settings and the subscription link. ---------------------------------------------------


def settings_for(owner: Beneficiary) -> AgendaSettings:
    found, _ = AgendaSettings.objects.get_or_create(owner=owner)
    return found


def set_reminders(owner: Beneficiary, on: bool) -> AgendaSettings:
    found = settings_for(owner)
    if found.reminders_on != on:
        found.reminders_on = on
        found.save(update_fields=["reminders_on"])
    return found


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_feed_link(owner: Beneficiary, actor: User) -> str:
    """A new secret for the subscription URL; any older link stops working. Returns the secret,
    which is not kept: only its SHA-256 is stored."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    with transaction.atomic():
        found = AgendaSettings.objects.select_for_update().get(pk=settings_for(owner).pk)
        found.feed_token_hash = feed_token_hash(token)
        found.feed_created_at = timezone.now()
        found.save(update_fields=["feed_token_hash", "feed_created_at"])
        record(owner, actor, JournalEntry.Action.CALENDAR_LINK_CREATED)
    return token


def revoke_feed_link(owner: Beneficiary, actor: User) -> bool:
    with transaction.atomic():
        revoked = AgendaSettings.objects.filter(owner=owner, feed_token_hash__isnull=False).update(
            feed_token_hash=None, feed_created_at=None
        )
        if revoked:
            record(owner, actor, JournalEntry.Action.CALENDAR_LINK_REVOKED)
    return bool(revoked)


def owner_of_feed(token: str) -> Beneficiary | None:
    """Whose calendar a subscription secret opens; None for an unknown or revoked one."""
    if not token or len(token) > 100:
        return None
    found = (
        AgendaSettings.objects.filter(feed_token_hash=feed_token_hash(token))
        .select_related("owner__user")
        .first()
    )
    return found.owner if found else None
