"""What account recovery keeps: printed recovery codes, SMS codes, send counters.

Every secret is stored as a hash only: recovery codes with the password hasher (argon2id in
production: they are long-lived), SMS codes with a keyed hash (they live ten minutes and allow
five tries, so a slow hash would buy nothing; the key keeps a stolen table useless).
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from structures.models import Structure


class RecoveryCode(models.Model):
    """The one printed recovery code of a person (a new one replaces the old one)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="recovery_code")
    code_hash = models.CharField(max_length=256)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"


class SmsCodeQuerySet(models.QuerySet["SmsCode"]):
    def usable(self) -> "SmsCodeQuerySet":
        return self.filter(used_at=None, expires_at__gt=timezone.now())


class SmsCode(models.Model):
    """A 6-digit code sent by SMS for one purpose; ``user`` is empty for a recovery asked for an
    unknown account (the same rows are written either way: nothing tells them apart)."""

    class Purpose(models.TextChoices):
        RECOVERY = "recovery", _("Lost password")
        ASSISTED = "assisted", _("Reset at a structure")
        VERIFY_PHONE = "verify_phone", _("Phone number check")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(max_length=16, blank=True)  # where it was sent
    digits_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Assisted reset: who asked, for which structure, with which identity document seen.
    requested_by = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    objects = SmsCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.code}"


class SendCounter(models.Model):
    """How many times something was done in the current window, per keyed hash of a phone
    number, an address or an account name (never stored in clear)."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recovery counter")
        verbose_name_plural = _("recovery counters")

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"
