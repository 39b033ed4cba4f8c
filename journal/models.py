"""Who did what to which item, when: append-only and hash-chained per beneficiary.

Each entry carries the hash of the previous one, so an altered, removed or reordered entry breaks
the chain (``verify_chain``). Entries keep labels, never document contents.
"""

import hashlib
import json
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User
from structures.models import Structure

GENESIS_HASH = "0" * 64


class JournalEntryQuerySet(models.QuerySet["JournalEntry"]):
    def for_beneficiary(self, beneficiary: Beneficiary) -> "JournalEntryQuerySet":
        return self.filter(beneficiary=beneficiary).order_by("-seq")


class JournalEntry(models.Model):
    class Action(models.TextChoices):
        ACCOUNT_CREATED = "account_created", _("created the account")
        AFFILIATION_CREATED = "affiliation_created", _("started following you")
        DOCUMENT_UPLOADED = "document_uploaded", _("added")
        DOCUMENT_VIEWED = "document_viewed", _("looked at")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("downloaded")
        DOCUMENT_RENAMED = "document_renamed", _("renamed")
        DOCUMENT_RETYPED = "document_retyped", _("changed the kind of")
        DOCUMENT_MOVED = "document_moved", _("moved")
        DOCUMENT_DELETED = "document_deleted", _("deleted")
        SHARED = "shared", _("shared")
        UNSHARED = "unshared", _("stopped sharing")
        FOLDER_CREATED = "folder_created", _("created the folder")
        FOLDER_DELETED = "folder_deleted", _("deleted the folder")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="journal_entries"
    )
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=300)
    actor_kind = models.CharField(max_length=20)
    structure = models.ForeignKey(
        Structure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    structure_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    item_kind = models.CharField(max_length=20, blank=True)
    item_code = models.UUIDField(null=True, blank=True)
    item_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "seq"], name="journal_seq_per_person")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Journal entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Journal entries are append-only.")

    def payload(self) -> dict[str, Any]:
        return {
            "beneficiary": str(self.beneficiary.code),
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "actor_kind": self.actor_kind,
            "structure_name": self.structure_name,
            "action": self.action,
            "item_kind": self.item_kind,
            "item_code": str(self.item_code) if self.item_code else "",
            "item_label": self.item_label,
            "details": self.details,
            "previous_hash": self.previous_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(self.payload(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def by_professional(self) -> bool:
        return self.actor_kind == User.Kind.PROFESSIONAL


def record(
    beneficiary: Beneficiary,
    actor: User,
    action: str,
    item: Any = None,
    structure: Structure | None = None,
    **details: Any,
) -> JournalEntry:
    """Append one entry to the person's chain (serialised per person by a row lock)."""
    from django.utils import timezone

    with transaction.atomic():
        Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).values("pk").get()
        last = (
            JournalEntry.objects.filter(beneficiary=beneficiary)
            .order_by("-seq")
            .values("seq", "entry_hash")
            .first()
        )
        entry = JournalEntry(
            beneficiary=beneficiary,
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            actor=actor,
            actor_name=actor.display_name,
            actor_kind=actor.kind,
            structure=structure,
            structure_name=structure.name if structure else "",
            action=action,
            item_kind=item._meta.model_name if item is not None else "",
            item_code=getattr(item, "code", None),
            item_label=item.journal_label if item is not None else "",
            details=details,
            previous_hash=last["entry_hash"] if last else GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


def verify_chain(beneficiary: Beneficiary) -> list[str]:
    """Problems found in the person's chain; an empty list means intact."""
    problems = []
    expected_previous = GENESIS_HASH
    expected_seq = 1
    entries = JournalEntry.objects.filter(beneficiary=beneficiary).order_by("seq")
    for entry in entries.select_related("beneficiary").iterator():
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (found {entry.seq})")
        if entry.previous_hash != expected_previous:
            problems.append(f"entry {entry.seq} does not follow the previous entry")
        if entry.compute_hash() != entry.entry_hash:
            problems.append(f"entry {entry.seq} was altered")
        expected_previous = entry.entry_hash
        expected_seq = entry.seq + 1
    return problems
