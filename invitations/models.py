"""Invitations of professionals into a structure's team, by an email link.

A structure administrator invites a colleague (name, email, role); staff invite a structure's
first administrator from the Django admin. The link carries a random token; only its SHA-256
is stored. A link works once, until it expires (``COFFRE_INVITATION_DAYS``), and stops working
when the invitation is sent again or cancelled.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from structures.models import Membership, Structure


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("structure")
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} → {self.structure}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return str(_("Accepted"))
        if self.cancelled_at is not None:
            return str(_("Cancelled"))
        if self.expires_at <= timezone.now():
            return str(_("Expired"))
        return str(_("Waiting"))
