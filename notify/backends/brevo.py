"""A real SMS provider: Brevo's transactional SMS API (a French company, formerly Sendinblue).

``POST {SMS_HTTP_URL}`` (default ``https://api.brevo.com/v3/transactionalSMS/send``) with the
headers ``api-key: {SMS_API_KEY}`` and ``content-type: application/json`` and the body::

    {"sender": "Coffre", "recipient": "33612345678", "content": "…",
     "type": "transactional", "unicodeEnabled": true}

Brevo answers 201 with ``{"reference": "…", "messageId": …}``; anything else is a failure and
raises ``SmsDeliveryError`` (the caller decides whether to tell the person). Another provider
with a JSON API is one more small class like this one.

Only the standard library (``urllib``): no extra dependency for one POST. The message text holds
one-time codes: it is never logged, and the API key only travels over HTTPS (plain http is
accepted for 127.0.0.1 / localhost only, where the tests run their own server).
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BaseSmsBackend, SmsDeliveryError, SmsMessage

logger = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class BrevoBackend(BaseSmsBackend):
    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url or settings.SMS_HTTP_URL
        self.api_key = api_key or settings.SMS_API_KEY
        self.sender = sender or settings.SMS_SENDER
        self.timeout = timeout or settings.SMS_HTTP_TIMEOUT
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
        ):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an https:// address.")
        if not self.api_key:
            raise ImproperlyConfigured("SMS_API_KEY (or SMS_API_KEY_FILE) is needed to send SMS.")

    def payload(self, message: SmsMessage) -> dict[str, object]:
        return {
            "sender": self.sender,
            "recipient": message.to.removeprefix("+"),  # Brevo: country code, no "+"
            "content": message.body,
            "type": "transactional",
            "unicodeEnabled": not message.body.isascii(),
        }

    def send(self, message: SmsMessage) -> None:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=json.dumps(self.payload(message)).encode(),
            method="POST",
            headers={
                "accept": "application/json",
                "content-type": "application/json",
                "api-key": self.api_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                body = response.read(4096)
        except urllib.error.HTTPError as error:
            # 400 (bad number, sender refused), 401 (key), 402 (no credit), 429, 5xx.
            detail = error.read(500).decode("utf-8", "replace")
            logger.warning("SMS provider refused a message: HTTP %s %s", error.code, detail)
            raise SmsDeliveryError(f"SMS provider answered HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            logger.warning("SMS provider unreachable: %s", error)
            raise SmsDeliveryError("SMS provider unreachable") from error
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"SMS provider answered HTTP {status}")
        try:
            reference = json.loads(body or b"{}").get("messageId", "")
        except (ValueError, AttributeError):
            reference = ""
        message.provider_reference = str(reference)
