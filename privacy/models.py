"""Account deletion requests (with a grace period) and warnings before deleting inactive accounts.

Deleting an account is crypto-shredding (DESIGN.md §6): see ``privacy.deletion``.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User


class DeletionRequestQuerySet(models.QuerySet["DeletionRequest"]):
    def open(self) -> "DeletionRequestQuerySet":
        """Not cancelled, not finished: pending (can be cancelled) or under way."""
        return self.filter(state__in=DeletionRequest.OPEN_STATES)

    def pending(self) -> "DeletionRequestQuerySet":
        return self.filter(state=DeletionRequest.State.PENDING)


class DeletionRequest(models.Model):
    """One request to delete a beneficiary's whole account.

    Carried out by ``privacy.tasks.delete_account`` at ``scheduled_for`` (enqueued with
    ``run_after``), by staff from the admin, or by the retention task for inactive accounts. After
    the deletion the row stays as a record: the person's code, the reason and the dates; no name.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting: can still be cancelled")
        IN_PROGRESS = "in_progress", _("Being deleted")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Deleted")

    class Reason(models.TextChoices):
        REQUESTED = "requested", _("Asked by the person")
        STAFF = "staff", _("Request handled by the platform team")
        INACTIVE = "inactive", _("Account not used for too long")

    OPEN_STATES = (State.PENDING, State.IN_PROGRESS)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deletion_requests",
    )
    # Kept once the account is gone: the platform journal names the deleted account by this code.
    beneficiary_code = models.UUIDField(_("account code"), editable=False)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked on"), default=timezone.now)
    scheduled_for = models.DateTimeField(_("deletion planned on"))
    cancelled_at = models.DateTimeField(_("cancelled on"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("deleted on"), null=True, blank=True)
    carried_out_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True)

    objects = DeletionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("account deletion request")
        verbose_name_plural = _("account deletion requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=Q(state__in=["pending", "in_progress"]),
                name="one_open_deletion_request_per_person",
            )
        ]
        permissions = [("carry_out_deletionrequest", "Can carry out a deletion request now")]

    def __str__(self) -> str:
        return f"deletion of account {self.beneficiary_code} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class RetentionNotice(models.Model):
    """One warning before an inactive account is deleted: recorded before it is sent, so that it
    is never sent twice (one per threshold and per period of inactivity)."""

    class Outcome(models.TextChoices):
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent by SMS")
        NO_PHONE = "no_phone", _("Not sent: no phone number")
        FAILED = "failed", _("Sending failed")
        SKIPPED = "skipped", _("Skipped: a later warning was due at the same time")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="retention_notices"
    )
    # The last activity this warning is about: activity afterwards starts a new period.
    last_activity = models.DateTimeField()
    days_before = models.PositiveIntegerField()
    # The deletion date announced; never earlier than the first warning plus its notice period.
    delete_after = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.SENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inactivity warning")
        verbose_name_plural = _("inactivity warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "last_activity", "days_before"],
                name="one_warning_per_threshold_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"warning {self.days_before} days before deletion ({self.outcome})"
