import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^\+[1-9]\d{6,14}$", _("Enter the phone number in international form, e.g. +33612345678.")
)


class User(AbstractUser):
    class Kind(models.TextChoices):
        BENEFICIARY = "beneficiary", _("Beneficiary")
        PROFESSIONAL = "professional", _("Professional")
        STAFF = "staff", _("Platform staff")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BENEFICIARY)
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email address"), blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Set when someone else chose the password (a one-time password printed at the desk, an
    # assisted reset): the person must choose their own before anything else.
    must_change_password = models.BooleanField(default=False)
    # When the phone number was last proved by a code sent to it (recovery by SMS needs it).
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    # Part of the hash every session carries: a new value ends all the person's sessions
    # (accounts.sessions.end_all_sessions, "log out everywhere").
    session_salt = models.CharField(max_length=32, blank=True, default="", editable=False)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this hash on every request (and its fallbacks, after a SECRET_KEY
        # rotation): with the salt in it, end_all_sessions() ends every session at once. An
        # empty salt gives Django's own hash, so sessions opened before the salt existed hold.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}{self.session_salt}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_beneficiary(self) -> bool:
        return self.kind == self.Kind.BENEFICIARY

    @property
    def is_professional(self) -> bool:
        return self.kind == self.Kind.PROFESSIONAL

    @property
    def is_platform_staff(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class BeneficiaryQuerySet(models.QuerySet["Beneficiary"]):
    def search(self, query: str) -> "BeneficiaryQuerySet":
        """Match each word against first or last name; a dd/mm/yyyy word matches the birth date."""
        from .lib import parse_birth_date

        result = self
        for word in query.split():
            birth_date = parse_birth_date(word)
            if birth_date:
                result = result.filter(birth_date=birth_date)
            else:
                result = result.filter(
                    models.Q(first_name__icontains=word) | models.Q(last_name__icontains=word)
                )
        return result


class Beneficiary(models.Model):
    """The vault owner: profile of a beneficiary user."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only me")
        SHARED = "shared", _("Me and my social workers")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="beneficiary")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[phone_validator])
    default_visibility = models.CharField(
        _("new papers are visible to"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,
    )
    quota_bytes = models.BigIntegerField(
        _("storage quota (bytes)"), null=True, blank=True, help_text=_("Empty = platform default.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def quota(self) -> int:
        return self.quota_bytes if self.quota_bytes is not None else settings.COFFRE_QUOTA_BYTES


class LoginThrottle(models.Model):
    """Failed logins per account name and per address, keyed on a keyed hash (never in clear).

    Unknown usernames are throttled exactly like real ones, so the answers reveal nothing.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures} failures"
