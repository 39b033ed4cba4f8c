"""Sending a text message (SMS) through the backend chosen by ``SMS_BACKEND``.

Like Django's email backends: ``notify.backends.console.ConsoleBackend`` (the default, prints),
``notify.backends.file.FileBackend`` (one file per message under ``SMS_FILE_PATH``) and
``notify.backends.locmem.LocmemBackend`` (an ``outbox`` list, for tests). The real provider is
``notify.backends.brevo.BrevoBackend`` (Brevo's transactional SMS API over HTTPS: SMS_HTTP_URL,
SMS_API_KEY, SMS_SENDER); another one is one more class with a ``send(message)`` method that
raises ``SmsDeliveryError`` when the provider does not take the message.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import phone_validator

from .backends.base import BaseSmsBackend, SmsMessage


def get_backend(path: str | None = None) -> BaseSmsBackend:
    backend_class = import_string(path or settings.SMS_BACKEND)
    backend: BaseSmsBackend = backend_class()
    return backend


def send_sms(phone: str, text: str) -> SmsMessage:
    """Send one message to a phone number in international form (+33612345678)."""
    phone_validator(phone)  # ValidationError for anything else: never guess a number
    if not text.strip():
        raise ValueError("an SMS needs some text")
    message = SmsMessage(to=phone, body=text)
    get_backend().send(message)
    return message
