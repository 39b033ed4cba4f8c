import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

Visibility = Beneficiary.Visibility


class VaultItemQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: "User | AnonymousUser") -> "models.QuerySet[Any]":
        """The one way to list vault items for a user (see vault.policy)."""
        from . import policy

        return policy.visible_items(self, user)


class VaultItem(models.Model):
    """What every vault item shares: one owner, a visibility, who created it.

    Folders, documents — and later contacts, events, notes — inherit this, so the access policy
    applies to all of them without change.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="%(class)ss")
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VaultItemQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED

    @property
    def journal_label(self) -> str:
        return str(self)


class Folder(VaultItem):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BlobQuerySet(models.QuerySet["Blob"]):
    def total_size(self) -> int:
        return int(self.aggregate(total=Sum("size"))["total"] or 0)


class Blob(models.Model):
    """Encrypted content in the blob storage (see crypto.blobs); metadata only here."""

    code = models.UUIDField(unique=True, editable=False)
    owner = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="blobs")
    storage_key = models.CharField(max_length=100, unique=True)
    size = models.BigIntegerField()
    # SHA-256 of the plaintext, set by the processing task from the decrypted, authenticated
    # content (the upload itself only encrypts, to keep uploads as fast as plain storage).
    sha256 = models.CharField(max_length=64, blank=True)
    media_type = models.CharField(max_length=100)
    depositor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BlobQuerySet.as_manager()

    class Meta:
        verbose_name = _("blob")
        verbose_name_plural = _("blobs")

    def __str__(self) -> str:
        return f"{self.code} ({self.size} B)"


class Document(VaultItem):
    class State(models.TextChoices):
        PROCESSING = "processing", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Problem")

    class Type(models.TextChoices):
        IDENTITY_CARD = "identity_card", _("Identity card")
        PASSPORT = "passport", _("Passport")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        RECEIPT = "receipt", _("Application receipt (récépissé)")
        HEALTH_CARD = "health_card", _("Carte Vitale")
        CSS = "css", _("Health cover certificate (CSS)")
        DOMICILIATION = "domiciliation", _("Postal address certificate (domiciliation)")
        TAX_NOTICE = "tax_notice", _("Tax notice")
        PAYSLIP = "payslip", _("Payslip")
        BANK_DETAILS = "bank_details", _("Bank details (RIB)")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        FAMILY_RECORD = "family_record", _("Family record book")
        PROOF_OF_ADDRESS = "proof_of_address", _("Proof of address")
        CAF = "caf", _("CAF certificate")
        FRANCE_TRAVAIL = "france_travail", _("France Travail")
        DIPLOMA = "diploma", _("Diploma")
        CV = "cv", _("CV")
        MEDICAL_CERTIFICATE = "medical_certificate", _("Medical certificate")
        OTHER = "other", _("Other")

    class Notice(models.IntegerChoices):
        """How long before its expiry date the person is warned (None: never)."""

        WEEK = 7, _("1 week before")
        MONTH = 30, _("1 month before")
        THREE_MONTHS = 90, _("3 months before")
        YEAR = 365, _("1 year before")

    title = models.CharField(_("name"), max_length=200)
    doc_type = models.CharField(
        _("kind of paper"), max_length=30, choices=Type.choices, default=Type.OTHER
    )
    folder = models.ForeignKey(
        Folder, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    # What is served: the deposit itself until the capture pipeline has made a PDF of it, then
    # that PDF (for a PDF deposit that could not be made smaller, the deposit's own blob).
    file = models.OneToOneField(Blob, on_delete=models.PROTECT, related_name="document")
    thumbnail = models.OneToOneField(
        Blob, on_delete=models.SET_NULL, null=True, blank=True, related_name="thumbnail_of"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROCESSING)
    failure_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    # OCR text and the fields read from a machine-readable zone, as JSON sealed with the owner's
    # keyset (crypto.blobs.seal): searchable by the person, unreadable in the database.
    sealed_text = models.BinaryField(null=True, blank=True, editable=False)
    suggested_type = models.CharField(max_length=30, blank=True)  # a Type value, or ""
    fields_to_confirm = models.BooleanField(default=False)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    expiry_notice_days = models.PositiveSmallIntegerField(
        _("warn me"), choices=Notice.choices, null=True, blank=True, default=Notice.THREE_MONTHS
    )
    page_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "visibility"])]

    def __str__(self) -> str:
        # Not the title: str() reaches places like the staff admin, which must not see titles.
        return f"document {self.code}"

    @property
    def journal_label(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return self.file.media_type.startswith("image/")

    @property
    def pictogram(self) -> str:
        from .doctypes import get

        return get(self.doc_type).pictogram

    @property
    def renewal_url(self) -> str:
        """The official page to renew this kind of paper ("" when there is none)."""
        from .doctypes import get

        return get(self.doc_type).renewal_url

    @property
    def is_pdf(self) -> bool:
        return self.file.media_type == "application/pdf"


class Original(models.Model):
    """A file as deposited (a photo, a PDF): kept, encrypted, until the person deletes it.

    ``included`` once its pages are in ``document.file``: pages added later are processed and
    appended without touching the rest, even after the earlier originals were deleted.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="originals")
    blob = models.OneToOneField(Blob, on_delete=models.PROTECT, related_name="original_of")
    position = models.PositiveSmallIntegerField(default=0)
    included = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("original")
        verbose_name_plural = _("originals")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"original {self.position} of {self.document}"
