"""Who did what to which item, when: append-only and hash-chained.

One chain per beneficiary (what happened in their vault and account), and one platform chain
(``beneficiary=None``) for events that belong to no vault: professionals' and staff's logins,
failed logins for unknown usernames, deleted accounts. Writing, verifying and purging chains
lives in ``journal.chain``. Entries keep labels, never document contents.
"""

import hashlib
import json
from typing import Any

from django.db import models
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
        AFFILIATION_REQUESTED = "affiliation_requested", _("asked to follow you")
        AFFILIATION_ACCEPTED = (
            "affiliation_accepted",
            _("accepted to be followed by this structure"),
        )
        AFFILIATION_REFUSED = "affiliation_refused", _("refused to be followed by this structure")
        ACCOUNT_LOOKED_UP = (
            "account_looked_up",
            _("checked whether you already had an account (same name and birth date)"),
        )
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
        LOGGED_IN = "logged_in", _("logged in")
        LOGGED_OUT = "logged_out", _("logged out")
        LOGIN_FAILED = "login_failed", _("tried to log in with a wrong password")
        ACCOUNT_LOCKED = "account_locked", _("made too many tries: logging in was blocked")
        # Professional and staff accounts (platform chain), except PASSWORD_CHANGED and
        # LOGGED_OUT_EVERYWHERE, which go to a beneficiary's own chain for beneficiaries.
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("set up two-step verification")
        TWO_FACTOR_FAILED = "two_factor_failed", _("typed a wrong two-step verification code")
        TWO_FACTOR_RESET = "two_factor_reset", _("reset the two-step verification of an account")
        BACKUP_CODES_RENEWED = "backup_codes_renewed", _("made new backup codes")
        PASSWORD_CHANGED = "password_changed", _("chose a new password")
        LOGGED_OUT_EVERYWHERE = "logged_out_everywhere", _("logged out on every device")
        INVITATION_SENT = "invitation_sent", _("invited a colleague")
        INVITATION_CANCELLED = "invitation_cancelled", _("cancelled an invitation")
        INVITATION_ACCEPTED = "invitation_accepted", _("accepted an invitation and joined")
        MEMBER_ADDED = "member_added", _("added a colleague to the team")
        MEMBER_REMOVED = "member_removed", _("removed a colleague from the team")
        EXPORT_DOWNLOADED = "export_downloaded", _("downloaded everything")
        RECEIPT_DOWNLOADED = "receipt_downloaded", _("downloaded the deposit receipt of")
        ACCOUNT_DELETION_REQUESTED = "account_deletion_requested", _("asked to delete the account")
        ACCOUNT_DELETION_CANCELLED = (
            "account_deletion_cancelled",
            _("cancelled the deletion of the account"),
        )
        ACCOUNT_DELETED = "account_deleted", _("deleted an account")  # platform chain
        RECOVERY_SMS_SENT = (
            "recovery_sms_sent",
            _("asked for a code by SMS to choose a new password"),
        )
        PASSWORD_RESET = "password_reset", _("reset the password")
        RECOVERY_CODE_ISSUED = "recovery_code_issued", _("made a new recovery code")
        PHONE_VERIFIED = "phone_verified", _("confirmed the phone number")
        PAGES_ADDED = "pages_added", _("added pages to")
        ORIGINALS_DELETED = "originals_deleted", _("deleted the original photos of")
        DETAILS_CONFIRMED = "details_confirmed", _("checked the details read from")
        # Contacts, appointments and notes (``item_kind`` says which).
        ITEM_ADDED = "item_added", _("added")
        ITEM_VIEWED = "item_viewed", _("looked at")
        ITEM_CHANGED = "item_changed", _("changed")
        ITEM_DELETED = "item_deleted", _("deleted")
        CALENDAR_LINK_CREATED = "calendar_link_created", _("made a calendar subscription link")
        CALENDAR_LINK_REVOKED = (
            "calendar_link_revoked",
            _("turned off the calendar subscription link"),
        )

    # None: the platform chain. CASCADE: the person's journal goes with their account (real
    # deletion), inside ``journal.chain.journal_erasure`` only (a database trigger guards it).
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="journal_entries",
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
            models.UniqueConstraint(fields=["beneficiary", "seq"], name="journal_seq_per_person"),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(beneficiary__isnull=True),
                name="journal_seq_platform",
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

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
            "beneficiary": str(self.beneficiary.code) if self.beneficiary else "",
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


class JournalAnchor(models.Model):
    """Where a chain starts after old entries were purged (retention): the last purged entry's
    sequence number and hash, so the remaining chain can still be verified from there."""

    PLATFORM = "platform"

    chain = models.CharField(max_length=40, unique=True)  # a beneficiary's code, or "platform"
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    seq = models.PositiveIntegerField()
    entry_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"anchor #{self.seq}"
