import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User


class Structure(models.Model):
    """A relais: the organisation social workers belong to and beneficiaries share with."""

    class Kind(models.TextChoices):
        CCAS = "ccas", _("CCAS / CIAS")
        DAY_CENTRE = "day_centre", _("Day centre")
        CHRS = "chrs", _("CHRS")
        CHU = "chu", _("Emergency shelter (CHU)")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Other")

    class Subscription(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    annual_budget = models.PositiveBigIntegerField(_("annual budget (€)"), null=True, blank=True)
    subscription_status = models.CharField(
        _("subscription"), max_length=20, choices=Subscription.choices, default=Subscription.TRIAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(active=True)


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"], name="one_membership_per_structure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.structure}"

    @property
    def is_admin(self) -> bool:
        return self.active and self.role == self.Role.ADMIN

    def end(self) -> None:
        self.active = False
        self.ended_at = timezone.now()
        self.save(update_fields=["active", "ended_at"])


class AffiliationQuerySet(models.QuerySet["Affiliation"]):
    def active(self) -> "AffiliationQuerySet":
        return self.filter(state=Affiliation.State.ACTIVE)


class Affiliation(models.Model):
    """A beneficiary's consent that a structure's professionals see what they share."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="affiliations"
    )
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="affiliations")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="affiliations_created"
    )
    consented_at = models.DateTimeField(_("consent given at"))
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "structure"],
                condition=models.Q(state="active"),
                name="one_active_affiliation_per_structure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} ↔ {self.structure}"

    def end(self) -> None:
        self.state = self.State.ENDED
        self.ended_at = timezone.now()
        self.save(update_fields=["state", "ended_at"])


class AffiliationRequestQuerySet(models.QuerySet["AffiliationRequest"]):
    def pending(self) -> "AffiliationRequestQuerySet":
        return self.filter(state=AffiliationRequest.State.PENDING)


class AffiliationRequest(models.Model):
    """A structure asks to follow a person who already has an account; the person decides.

    Made at the desk when the person being registered turns out to have an account already
    (same name and birth date). Nothing is shared until the person accepts.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the person")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="affiliation_requests"
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="affiliation_requests"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="affiliation_requests_made"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = AffiliationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation request")
        verbose_name_plural = _("affiliation requests")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "structure"],
                condition=models.Q(state="pending"),
                name="one_pending_request_per_structure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} → {self.beneficiary} ({self.state})"
