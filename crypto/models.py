from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary


class BeneficiaryKeyset(models.Model):
    """A beneficiary's Tink streaming-AEAD keyset, encrypted with the master key (KEK).

    Destroying this row makes every blob of the person unreadable (crypto-shredding).
    """

    beneficiary = models.OneToOneField(Beneficiary, on_delete=models.CASCADE, related_name="keyset")
    wrapped_keyset = models.TextField()
    # The master key that wrapped it: rows not wrapped by the current primary are re-wrapped
    # by ``manage.py rewrap_keysets`` after a master key rotation.
    master_key_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("beneficiary keyset")
        verbose_name_plural = _("beneficiary keysets")

    def __str__(self) -> str:
        return f"keyset of beneficiary #{self.beneficiary_id}"
