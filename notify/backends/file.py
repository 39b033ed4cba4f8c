import os
from pathlib import Path

from django.conf import settings

from .base import BaseSmsBackend, SmsMessage


class FileBackend(BaseSmsBackend):
    """One file per message under ``SMS_FILE_PATH`` (var/sms/ by default), readable by its owner
    only: a phone number and a message are personal data."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = message.created_at.strftime("%Y%m%d-%H%M%S")
        target = self.path / f"{stamp}-{message.code.hex}.txt"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"To: {message.to}\nDate: {message.created_at.isoformat()}\n\n")
            out.write(message.body + "\n")
