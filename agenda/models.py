"""Contacts, appointments and notes: vault items like documents (one owner, private or shared,
the one access policy), plus what the reminders and expiry alerts need to be sent exactly once."""

import phonenumbers
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Beneficiary
from vault.models import Document, VaultItem


class Contact(VaultItem):
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # E.164 when valid
    email = models.EmailField(_("email"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "visibility"])]

    def __str__(self) -> str:
        return f"contact {self.code}"  # not the name: str() reaches the staff admin

    @property
    def journal_label(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        """'+33612345678' -> '06 12 34 56 78'; a foreign number in its international form."""
        return display_phone(self.phone)


PHONE_REGION = "FR"  # numbers typed without a country code are French


def display_phone(stored: str) -> str:
    try:
        number = phonenumbers.parse(stored, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored  # a short number (115, 3949) is stored as dialled
    if phonenumbers.region_code_for_number(number) == PHONE_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class Appointment(VaultItem):
    title = models.CharField(_("what"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    with_whom = models.CharField(_("with whom"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["owner", "starts_at"]),
            models.Index(fields=["visibility", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"appointment {self.code}"

    @property
    def journal_label(self) -> str:
        return self.title


class Note(VaultItem):
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=20000)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "visibility"])]

    def __str__(self) -> str:
        return f"note {self.code}"

    @property
    def journal_label(self) -> str:
        return self.title or self.text[:60]

    def as_text(self) -> str:
        """The note as a text file: its title, a blank line, its text; CRLF line ends, which
        every computer and phone opens."""
        lines = [self.title, "", self.text] if self.title else [self.text]
        return "\r\n".join("\n".join(lines).splitlines()) + "\r\n"


class Delivery(models.TextChoices):
    """Where a message stands; each row is sent at most once (see agenda.reminders)."""

    PENDING = "pending", _("to send")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("not sent")
    SKIPPED = "skipped", _("not sent on purpose")


class Delivered(models.Model):
    """Where one message stands, for the claim-then-send rule of ``agenda.reminders``."""

    status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Reminder(Delivered):
    """One reminder of one appointment at one moment; ``due_at`` in UTC, computed in local time."""

    class Offset(models.TextChoices):
        DAY_BEFORE = "day_before", _("the day before at 10:00")
        TWO_HOURS = "two_hours", _("2 hours before")
        ONE_HOUR = "one_hour", _("1 hour before")
        WEEK_BEFORE = "week_before", _("a week before at 10:00")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset = models.CharField(max_length=20, choices=Offset.choices)
    due_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset"], name="one_reminder_per_offset"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"reminder {self.offset} of {self.appointment}"


class ExpiryAlert(Delivered):
    """One alert per paper and expiry date: renewing the paper (a new date) warns again."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="expiry_alerts")
    expires_on = models.DateField()
    due_on = models.DateField()

    class Meta:
        verbose_name = _("expiry alert")
        verbose_name_plural = _("expiry alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "expires_on"], name="one_alert_per_expiry_date"
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"expiry alert of {self.document}"


class AgendaSettings(models.Model):
    """The person's choices: reminders on or off, and the private calendar subscription link."""

    owner = models.OneToOneField(Beneficiary, on_delete=models.CASCADE, related_name="agenda")
    reminders_on = models.BooleanField(_("send me reminders"), default=True)
    # SHA-256 of the secret in the subscription URL: a leaked database does not give the link.
    feed_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    feed_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda settings")
        verbose_name_plural = _("agenda settings")

    def __str__(self) -> str:
        return f"agenda settings of {self.owner_id}"

    @property
    def has_feed(self) -> bool:
        return bool(self.feed_token_hash)
