import datetime
import uuid
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass
class SmsMessage:
    to: str
    body: str
    code: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime.datetime = field(default_factory=timezone.now)
    provider_reference: str = ""  # the provider's id for the message, when it gives one


class SmsDeliveryError(Exception):
    """The provider did not take the message (refused, unreachable, out of credit)."""


class BaseSmsBackend:
    """Delivers one message or raises; subclasses implement ``send``."""

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError
